"""Points for attending: a clerk who checks in a booking of a resource that `earns` an
earning rule (the health check-up: `health-check`) grants the booked person that rule's
points through the points tile's public API, in the check-in's transaction. The rule's
eligibility and caps decide (once a fiscal year for a check-up; 40 or older); a refusal does
not stop the check-in, it is answered beside it. A kiosk check-in grants nothing: a member of
staff confirms attendance."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session

from backend.models import Person
from backend.tiles.points import api as points
from backend.tiles.reservations.models import ReservationBooking
from backend.tiles.reservations.resource import Resource

log = logging.getLogger(__name__)


def grant_for_attendance(session: Session, clerk_id: str, booking: ReservationBooking,
                         resource: Resource, now: datetime) -> dict[str, Any] | None:
    """None when the resource earns nothing; else {"rule", "granted", "amount"?, "refused"?}."""
    if resource.earns is None:
        return None
    person = session.get(Person, booking.subject_person_id)
    if person is None:
        return {"rule": resource.earns, "granted": False, "refused": "unknown_account"}
    try:
        with session.begin_nested():
            transfer = points.grant_rule_within(
                session, staff_id=clerk_id, person=person, rule_id=resource.earns,
                reason=f"attended {resource.id} ({booking.number})",
                idempotency_key=f"attended-{booking.id}", now=now)
    except points.PointsError as exc:
        log.info("no points for attending booking %s: %s", booking.id, exc.code)
        return {"rule": resource.earns, "granted": False, "refused": exc.code}
    return {"rule": resource.earns, "granted": True, "amount": transfer.amount}
