"""A reservation's fee (docs/reservations.md §2): how it is named in the points ledger (the
purpose; the reference is the booking number; the tile's idempotency scope), the method a
booking pays by, and giving back a fee paid with points (cancel, a slot the city closed)."""

from __future__ import annotations

from sqlmodel import Session

from backend.tiles.points import api as points_api
from backend.tiles.reservations.models import ReservationBooking
from backend.tiles.reservations.resource import Resource

FEE_PURPOSE = "reservation_fee"
LEDGER_SCOPE = "tile:reservations"
COUNTER = "counter"
POINTS = "points"


def fee_method(resource: Resource, requested: object) -> str | None:
    """The method the booking pays by: the requested one (the rules check it: a free
    resource takes none), else None without a fee, "counter" when offered, or the first."""
    if isinstance(requested, str):
        return requested
    if resource.fee is None:
        return None
    return COUNTER if COUNTER in resource.fee.methods else resource.fee.methods[0]


def refund_fee(session: Session, booking: ReservationBooking, reason: str,
               actor_person_id: str | None) -> bool:
    """Give back a fee paid with points in the caller's transaction (its rollback takes the
    refund back too). Asked of the ledger even when the row does not show it paid: a payment
    committed while the row was being written is found there. True when points went back."""
    refunded = points_api.refund_payment_within(
        session, purpose=FEE_PURPOSE, reference=booking.number,
        idempotency_key=f"reservation-fee-refund:{booking.id}", scope=LEDGER_SCOPE,
        reason=reason, actor_person_id=actor_person_id)
    booking.fee_paid_at = None
    return refunded is not None
