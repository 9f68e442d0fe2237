"""Households: looking up a person's household, and the development demo households.

In production the household comes from the city's resident registry (住民基本台帳) through
an integration that is not built yet: the registry is the source of truth for who lives
with whom, and this table would be a synchronised copy. In development,
`attach_demo_household` gives the development identity provider's personas the made-up
households of `assets/demo/households.json`.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.db import SQLITE_BEGIN_OPTION
from backend.models.household import RELATIONS, Household, HouseholdMember
from backend.models.person import Person
from backend.services.clock import age_on, utc_now
from backend.services.home_profile import HomeProfile, MemberFacts, home_profile

ADULT_AGE = 18  # 成年年齢 since April 2022

logger = logging.getLogger(__name__)

DEMO_HOUSEHOLDS_PATH = (
    Path(__file__).resolve().parents[2] / "assets" / "demo" / "households.json"
)


@dataclass(frozen=True)
class HouseholdView:
    """A household with its members; `caller` is the caller's own member row."""

    household: Household
    members: list[HouseholdMember]
    caller: HouseholdMember
    # Birthdates of members with an account come from their person row when it has one.
    birthdates: dict[str, date | None]

    def others(self) -> list[HouseholdMember]:
        return [member for member in self.members if member.id != self.caller.id]


def member_of(session: Session, municipality_code: str, person_id: str) -> HouseholdMember | None:
    return session.scalars(
        select(HouseholdMember).where(
            col(HouseholdMember.municipality_code) == municipality_code,
            col(HouseholdMember.person_id) == person_id,
        )
    ).first()


def household_of(session: Session, person: Person) -> HouseholdView | None:
    """The person's household with all its members, or None."""
    caller = member_of(session, person.municipality_code, person.id)
    if caller is None:
        return None
    household = session.scalars(
        select(Household).where(
            col(Household.municipality_code) == person.municipality_code,
            col(Household.id) == caller.household_id,
        )
    ).one()
    members = list(
        session.scalars(
            select(HouseholdMember)
            .where(
                col(HouseholdMember.municipality_code) == person.municipality_code,
                col(HouseholdMember.household_id) == household.id,
            )
            .order_by(col(HouseholdMember.birthdate).asc(), col(HouseholdMember.id).asc())
        )
    )
    linked_ids = [member.person_id for member in members if member.person_id]
    people = {
        p.id: p
        for p in session.scalars(
            select(Person).where(
                col(Person.municipality_code) == person.municipality_code,
                col(Person.id).in_(linked_ids),
            )
        )
    }
    birthdates: dict[str, date | None] = {}
    for member in members:
        linked = people.get(member.person_id) if member.person_id else None
        birthdates[member.id] = (linked.birthdate if linked else None) or member.birthdate
    return HouseholdView(household, members, caller, birthdates)


def profile_for(person: Person, view: HouseholdView | None, today: date) -> HomeProfile:
    if view is None:
        return home_profile(person.birthdate, None, [], today)
    others = [MemberFacts(m.relation, view.birthdates[m.id]) for m in view.others()]
    birthdate = person.birthdate or view.birthdates[view.caller.id]
    return home_profile(birthdate, view.caller.relation, others, today)


def household_json(view: HouseholdView, today: date) -> dict[str, Any]:
    return {
        "id": view.household.id,
        "address": view.household.address,
        "is_demo": view.household.is_demo,
        "members": [
            {
                "id": member.id,
                "name": member.name,
                "relation": member.relation,
                "birthdate": _iso(view.birthdates[member.id]),
                "age": age_on(view.birthdates[member.id], today),
                "school_name": member.school_name,
                "school_class": member.school_class,
                "has_account": member.person_id is not None,
                "is_you": member.id == view.caller.id,
                # A minor's common ID, so a parent can act for them (the routes check
                # `may_act_for`; an adult member's ID is theirs to share, not the household's).
                "person_id": _minor_person_id(member.person_id, view.birthdates[member.id],
                                              today),
            }
            for member in view.members
        ],
    }


def _minor_person_id(person_id: str | None, birthdate: date | None, today: date) -> str | None:
    if person_id is None or birthdate is None:
        return None
    age = age_on(birthdate, today)
    return person_id if age is not None and age < ADULT_AGE else None


def household_summary(view: HouseholdView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "id": view.household.id,
        "member_count": len(view.members),
        "relation": view.caller.relation,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def read_demo_households(path: Path = DEMO_HOUSEHOLDS_PATH) -> dict[str, dict[str, Any]]:
    """The demo households keyed by upstream subject; validates the file."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("is_demo") is not True:
        raise ValueError(f'{path}: must be an object marked "is_demo": true')
    households = document.get("households")
    if not isinstance(households, dict):
        raise ValueError(f'{path}: expected a "households" object keyed by upstream subject')
    for subject, entry in households.items():
        if entry is None:
            continue
        members = entry.get("members")
        if not isinstance(members, list) or not members:
            raise ValueError(f"{path}: {subject}: members must be a non-empty list")
        if sum(1 for member in members if member.get("persona") is True) != 1:
            raise ValueError(f'{path}: {subject}: exactly one member must be "persona": true')
        for member in members:
            if member.get("relation") not in RELATIONS:
                raise ValueError(f"{path}: {subject}: unknown relation {member.get('relation')!r}")
            date.fromisoformat(member["birthdate"])
    return households


def attach_demo_household(
    engine: Engine, person: Person, path: Path = DEMO_HOUSEHOLDS_PATH
) -> str | None:
    """Give a development persona its demo household; return the household id, or None.

    Call after creating the person at first login, in development only. Idempotent: a person
    already in a household keeps it (also when two logins race). Keyed by the person's
    upstream subject ("dev-taro", "dev-hanako", "dev-hana", "dev-ichiro"); other subjects get
    nothing. Profile fields the identity provider left empty (birthdate, address) are filled
    from the demo registry entry, as the resident registry would in production.
    """
    entry = read_demo_households(path).get(person.upstream_subject)
    if entry is None:
        with Session(engine) as session:
            existing = member_of(session, person.municipality_code, person.id)
            return existing.household_id if existing else None
    # SQLite: take the write lock before the check; PostgreSQL: the unique person_id decides.
    locked = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    try:
        return _attach(locked, person, entry)
    except IntegrityError:
        with Session(engine) as session:
            raced = member_of(session, person.municipality_code, person.id)
            return raced.household_id if raced else None


def _attach(engine: Engine, person: Person, entry: dict[str, Any]) -> str:
    with Session(engine) as session:
        existing = member_of(session, person.municipality_code, person.id)
        if existing is not None:
            return existing.household_id
        household = Household(
            id=str(uuid.uuid4()),
            municipality_code=person.municipality_code,
            address=str(entry["address"]),
            is_demo=True,
        )
        session.add(household)
        session.flush()
        for item in entry["members"]:
            persona = item.get("persona") is True
            session.add(
                HouseholdMember(
                    id=str(uuid.uuid4()),
                    municipality_code=person.municipality_code,
                    household_id=household.id,
                    person_id=person.id if persona else None,
                    name=(person.name or item["name"]) if persona else item["name"],
                    relation=item["relation"],
                    birthdate=date.fromisoformat(item["birthdate"]),
                    school_name=item.get("school_name"),
                    school_class=item.get("school_class"),
                )
            )
            if persona:
                row = session.get(Person, person.id)
                if row is not None:
                    row.birthdate = row.birthdate or date.fromisoformat(item["birthdate"])
                    row.address = row.address or str(entry["address"])
                    row.name = row.name or item["name"]
                    row.updated_at = utc_now()
        session.commit()
        logger.info("Attached demo household %s to %s", household.id, person.upstream_subject)
        return household.id
