"""What other tiles may use of the procedures tile (the import contract allows only this
module): the household and the people a resident may act for, as the procedures tile reads
them from the verified profile and the delegations, the readable text of a refusal, and the
form engine with its field views for another tile's small form in the procedures format
(`questions_form`: a reservation resource's `questions`, docs/reservations.md §6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.features.procedures.catalogue import Household, Person, localized
from app.features.procedures.forms.definition import (
    DefinitionUnreadable,
    ProcedureDefinition,
    parse_definition,
)
from app.features.procedures.forms.engine import FormEngine
from app.features.procedures.forms.errors import FieldError
from app.features.procedures.forms.form_views import form_controls
from app.features.procedures.records import refusal_text
from app.features.procedures.repository import PeopleSource, applicant_from, household_from

__all__ = ["FieldError", "FormEngine", "Household", "PeopleSource", "Person",
           "ProcedureDefinition", "applicant_from", "form_controls", "household_from",
           "localized", "questions_form", "refusal_text"]


def questions_form(form_id: str, version: int, questions: Mapping[str, Any]
                   ) -> ProcedureDefinition | None:
    """A small form `{"schema", "layout"}` of the procedures format as a definition the
    `FormEngine` and `form_controls` take (`form_id` [a-z0-9-]{1,64} names its inputs and
    its compiled validators with `version`); None when the device cannot read it."""
    raw = {"id": form_id, "version": version, "title": {"ja": form_id, "en": form_id},
           "department": "-", "schema": questions.get("schema"),
           "layout": questions.get("layout")}
    try:
        return parse_definition(raw)
    except DefinitionUnreadable:
        return None
