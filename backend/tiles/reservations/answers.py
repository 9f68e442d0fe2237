"""The answers of a booking to a resource's `questions` (docs/reservations.md §2): checked
as a procedure's form data is, by the procedures tile's form check (through its `api`), so
that both tiles follow one rule for hidden fields, pre-filled fields and field errors.

`checked_answers(session, resource, answers, booker, subject)` returns the cleaned answers
to store, or raises `Refused("invalid_answers", ...)` whose message is the procedures
tile's JSON `{"message", "errors": [{"field", "code", "message_ja", "message_en"}]}` with
every error at its field. A resource without questions takes no answers: `{}` passes, any
answer is refused (`unknown_field`), never dropped silently.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.models import Person
from backend.sync.refusals import Refused
from backend.tiles.procedures.api import check_form_data, form_errors_message
from backend.tiles.reservations.resource import Resource

INVALID_ANSWERS = "invalid_answers"

# The form of a resource without questions: no field at all.
NO_QUESTIONS: dict[str, Any] = {"schema": {"type": "object", "properties": {}},
                                "layout": {"sections": []}}


def form_key(resource: Resource) -> str:
    """The key of the resource's form among the compiled forms (never a procedure's id)."""
    return f"reservation:{resource.id}"


def checked_answers(session: Session, resource: Resource, answers: dict[str, Any],
                    booker: Person, subject: Person) -> dict[str, Any]:
    """The answers cleaned by the resource's questions; `invalid_answers` otherwise."""
    form = resource.questions if resource.questions is not None else NO_QUESTIONS
    checked = check_form_data(session, form_key(resource), resource.version, form, answers,
                              applicant=booker, subject=subject)
    if checked.errors:
        raise Refused(INVALID_ANSWERS, form_errors_message(checked.error_details()))
    return dict(checked.data)
