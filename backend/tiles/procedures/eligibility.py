"""Who may submit a procedure, and for whom (docs/procedures.md §1 `eligibility`,
`for_whom`): checked by the server at submission with the verified profile, never trusted
from the device.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from backend.models import Person
from backend.models.person import ASSURANCE_CARD
from backend.services.clock import age_on, city_today
from backend.services.delegation import is_parent_of_minor, may_act_for
from backend.services.home_profile import is_parent_relation
from backend.services.households import ADULT_AGE, household_of
from backend.tiles.procedures.definition_view import Definition
from backend.tiles.procedures.errors import NOT_ELIGIBLE, NOT_FOR_WHOM, Refused

DELEGATION_SCOPE = "procedures"
AGED = 65


@dataclass(frozen=True)
class Parties:
    """The applicant (the caller), the person the form is for, and how they are related."""

    applicant: Person
    subject: Person
    for_whom: str  # "self" | "delegator" | "minor_child"

    @property
    def on_behalf(self) -> bool:
        return self.applicant.id != self.subject.id


def minor_children(session: Session, person: Person, today: date | None = None
                   ) -> list[dict[str, Any]]:
    """The household's members under 18 other than `person` (name, birthdate), oldest first:
    the `household.minor_children` pre-fill."""
    view = household_of(session, person)
    if view is None:
        return []
    day = today or city_today()
    children = []
    for member in view.others():
        birthdate = view.birthdates[member.id]
        age = age_on(birthdate, day)
        if birthdate is not None and age is not None and age < ADULT_AGE:
            children.append({"name": member.name, "birthdate": birthdate.isoformat()})
    return children


def _is_parent_of_a_minor(session: Session, person: Person, today: date) -> bool:
    view = household_of(session, person)
    if view is None:
        return False
    for member in view.others():
        age = age_on(view.birthdates[member.id], today)
        if (age is not None and age < ADULT_AGE
                and is_parent_relation(view.caller.relation, member.relation)):
            return True
    return False


def resolve_parties(session: Session, applicant: Person, definition: Definition,
                    subject_id: str | None) -> Parties:
    """Who the form is for: the caller (no `subject_id`, or their own), a delegator who
    granted them procedures (or all), or their minor child; `Refused` otherwise."""
    allowed = definition.for_whom
    if subject_id is None or subject_id == applicant.id:
        if "self" not in allowed:
            raise Refused(NOT_FOR_WHOM, f"{definition.id} is made for another person "
                          f"({', '.join(allowed)}), not for oneself"
                          "（この手続きはご本人以外のための手続きです）")
        return Parties(applicant, applicant, "self")
    subject = session.get(Person, subject_id)
    # Someone the caller may not act for is answered like a person who does not exist.
    unknown = Refused(NOT_FOR_WHOM, "you may not apply for that person"
                      "（その方の代理で申請することはできません）")
    if (subject is None or not subject.active
            or subject.municipality_code != applicant.municipality_code):
        raise unknown
    if "minor_child" in allowed and is_parent_of_minor(session, applicant, subject):
        return Parties(applicant, subject, "minor_child")
    if "delegator" in allowed and may_act_for(session, applicant, subject,
                                              scope=DELEGATION_SCOPE):
        return Parties(applicant, subject, "delegator")
    raise unknown


def check_eligibility(session: Session, parties: Parties, definition: Definition,
                      today: date | None = None) -> None:
    """The definition's `eligibility` of the applicant (and `aged_65_plus` of the subject)."""
    day = today or city_today()
    rules = definition.eligibility
    applicant = parties.applicant
    if rules.get("residency", "card") == "card" and applicant.assurance_level != ASSURANCE_CARD:
        raise Refused(NOT_ELIGIBLE, "this procedure is for residents logged in with the My "
                      "Number card（マイナンバーカードでログインした住民の方の手続きです）")
    min_age = rules.get("min_age")
    if isinstance(min_age, int):
        age = age_on(applicant.birthdate, day)
        if age is None or age < min_age:
            raise Refused(NOT_ELIGIBLE, f"the applicant must be {min_age} or older"
                          f"（{min_age}歳以上の方が申請できます）")
    household = rules.get("household")
    if household == "parent_of_minor" and not _is_parent_of_a_minor(session, applicant, day):
        raise Refused(NOT_ELIGIBLE, "this procedure is for parents of a child under 18 in "
                      "their household（18歳未満のお子さんのいる世帯の保護者の方の手続きです）")
    if household == "aged_65_plus":
        age = age_on(parties.subject.birthdate, day)
        if age is None or age < AGED:
            raise Refused(NOT_ELIGIBLE, "this procedure is for a person aged 65 or over"
                          "（65歳以上の方についての手続きです）")
