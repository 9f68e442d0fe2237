"""Test people: created directly in the database, with bearer tokens minted by the backend.

(`tests/identity_helpers.py` drives the real login flow; these helpers skip it.)
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from fastapi import FastAPI
from sqlmodel import Session

from backend.identity.access_tokens import issue_access_token
from backend.models import Household, HouseholdMember, Person, StaffMembership
from backend.models.person import ASSURANCE_CARD
from backend.models.staff_membership import SOURCE_ADMIN


def make_person(app: FastAPI, **fields: object) -> Person:
    """Insert a resident (override any column with `fields`) and return it, detached.

    `departments=("waste", "school:some-school")` makes staff scopes (ADR 0023); give them
    with `role="staff"`."""
    now = datetime.now(UTC)
    person_id = str(fields.pop("id", uuid.uuid4()))
    departments = tuple(str(d) for d in fields.pop("departments", ()))  # type: ignore[attr-defined]
    values: dict[str, object] = {
        "id": person_id,
        "municipality_code": app.state.settings.municipality_code,
        "upstream_issuer": "https://test-idp.example",
        "upstream_subject": f"test-{person_id}",
        "assurance_level": ASSURANCE_CARD,
        "name": "テスト 住民",
        "address": "岡山県津山市山北520",
        "birthdate": date(1980, 4, 1),
        "gender": "female",
        "email": f"{person_id[:8]}@example.jp",
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    person = Person(**values)  # type: ignore[arg-type]
    with Session(app.state.engine, expire_on_commit=False) as session:
        session.add(person)
        session.flush()
        for scope in departments:
            department, _, unit = scope.partition(":")
            session.add(StaffMembership(person_id=person_id, department=department, unit=unit,
                                        municipality_code=person.municipality_code,
                                        source=SOURCE_ADMIN, granted_by="test",
                                        granted_at=now))
        session.commit()
    return person


def bearer(app: FastAPI, person: Person) -> dict[str, str]:
    token = issue_access_token(app.state.signing_key, app.state.settings.issuer, person.id)
    return {"Authorization": f"Bearer {token}"}


def make_household(
    app: FastAPI,
    members: list[tuple[Person | None, str, date | None]],
    address: str = "岡山県津山市北町12-3",
) -> tuple[str, list[str]]:
    """A household of `(person or None, relation, birthdate)`; its id and the member ids.

    A member's birthdate defaults to their person's.
    """
    household_id = str(uuid.uuid4())
    code = app.state.settings.municipality_code
    member_ids: list[str] = []
    with Session(app.state.engine) as session:
        session.add(Household(id=household_id, municipality_code=code, address=address))
        session.flush()
        for person, relation, birthdate in members:
            member_id = str(uuid.uuid4())
            member_ids.append(member_id)
            session.add(
                HouseholdMember(
                    id=member_id,
                    municipality_code=code,
                    household_id=household_id,
                    person_id=person.id if person else None,
                    name=person.name if person else "家族",
                    relation=relation,
                    birthdate=birthdate or (person.birthdate if person else None),
                )
            )
        session.commit()
    return household_id, member_ids
