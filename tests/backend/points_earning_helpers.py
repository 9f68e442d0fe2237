"""Helpers of the points earning tests: issue a code, claim it, read a balance."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlmodel import Session

from backend.models import Person
from backend.services.clock import utc_now
from backend.tiles.points import api
from backend.tiles.points.claims import ClaimResult, claim_code
from backend.tiles.points.code_issue import issue_code


def issue(app: FastAPI, staff: Person, rule_id: str = "event-checkin", label: str = "津山まつり",
          valid_from: datetime | None = None, valid_until: datetime | None = None,
          now: datetime | None = None) -> str:
    """A code valid from an hour before `now` (default: the clock) to 5 hours after."""
    now = now or utc_now()
    with Session(app.state.engine) as session:
        text, _ = issue_code(session, staff_id=staff.id,
                             municipality_code=staff.municipality_code, rule_id=rule_id,
                             label=label, place="", valid_from=valid_from or now - timedelta(
                                 hours=1), valid_until=valid_until or now + timedelta(hours=5),
                             now=now)
        session.commit()
    return text


def claim(app: FastAPI, person: Person, code: str, key: str | None = None,
          now: datetime | None = None, grace: timedelta = timedelta(0)) -> ClaimResult:
    return api.in_write_transaction(app.state.engine, lambda session: claim_code(
        session, person, code, key or f"k-{uuid.uuid4()}", now or datetime.now(UTC), grace))


def points_of(app: FastAPI, person: Person) -> int:
    return api.balance(app.state.engine, person.id).points
