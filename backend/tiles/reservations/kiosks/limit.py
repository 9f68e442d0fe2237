"""A kiosk's rate limit: at most `limit` numbers per device in any rolling minute, counted
from the tickets it issued (`queue_ticket.kiosk_id`, `issued_at`); so the limit holds across
restarts and backend processes (docs/reservations.md §3)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from backend.models import as_utc
from backend.tiles.reservations.models import QueueTicket

WINDOW = timedelta(minutes=1)


def retry_after_s(session: Session, kiosk_id: str, now: datetime, limit: int) -> int | None:
    """None while the device may issue another number now; else the whole seconds until it
    may (at least 1)."""
    issued = [as_utc(at) for at in session.scalars(
        select(col(QueueTicket.issued_at)).where(col(QueueTicket.kiosk_id) == kiosk_id,
                                            col(QueueTicket.issued_at) > now - WINDOW)
        .order_by(col(QueueTicket.issued_at)))]
    if len(issued) < limit:
        return None
    # Once the (len - limit + 1) oldest have left the window, fewer than `limit` remain.
    frees_at = issued[len(issued) - limit] + WINDOW
    return max(1, math.ceil((frees_at - as_utc(now)).total_seconds()))
