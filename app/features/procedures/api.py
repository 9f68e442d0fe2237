"""What other tiles may use of the procedures tile (the import contract allows only this
module): the household and the people a resident may act for, as the procedures tile reads
them from the verified profile and the delegations, and the readable text of a refusal."""

from __future__ import annotations

from app.features.procedures.catalogue import Household, Person, localized
from app.features.procedures.records import refusal_text
from app.features.procedures.repository import PeopleSource, applicant_from, household_from

__all__ = ["Household", "PeopleSource", "Person", "applicant_from", "household_from",
           "localized", "refusal_text"]
