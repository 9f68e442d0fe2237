"""Waiting numbers (整理券) of one counter and Tokyo day (docs/reservations.md §3).

- Numbers come from `queue_counter_day` (`next_in_sequence`), so they restart each day and
  two concurrent takers never get the same one.
- A person has at most one open ticket (waiting or called) per counter and day: taking again
  answers that ticket.
- The call order: appointments checked in (tickets with a `booking_id`) whose slot starts
  within `APPOINTMENT_LEAD` or has started go first, by slot start; then every other waiting
  ticket by number. A call is one conditional UPDATE (`status = 'waiting'`), so two clerks
  pressing "next" at once call two different tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, select, update
from sqlmodel import Session, col

from backend.models import Person, as_utc
from backend.services.counters import next_in_sequence
from backend.tiles.notices import api as notices_api
from backend.tiles.reservations.models import (
    TICKET_CALLED,
    TICKET_DONE,
    TICKET_SKIPPED,
    TICKET_WAITING,
    QueueCounterDay,
    QueueTicket,
    ReservationBooking,
)

APPOINTMENT_LEAD = timedelta(minutes=15)
OPEN_TICKET = (TICKET_WAITING, TICKET_CALLED)
CHANNEL_APP = "app"
CHANNEL_KIOSK = "kiosk"
CHANNEL_COUNTER = "counter"
SEQUENCE: Table = QueueCounterDay.__table__  # type: ignore[attr-defined]
TICKET: Table = QueueTicket.__table__  # type: ignore[attr-defined]

# Which moves a clerk may make, from which statuses.
MOVES = {TICKET_SKIPPED: (TICKET_WAITING, TICKET_CALLED), TICKET_DONE: (TICKET_CALLED,)}


@dataclass(frozen=True)
class QueuePlace:
    """Where a counter's day stands: the waiting tickets in call order, the called ones."""

    waiting: tuple[QueueTicket, ...]
    called: tuple[QueueTicket, ...]

    @property
    def serving(self) -> int | None:
        """The number called last (what the display shows)."""
        return self.called[-1].number if self.called else None

    def ahead_of(self, ticket: QueueTicket) -> int | None:
        """How many will be called before `ticket` (None when it no longer waits)."""
        for index, waiting in enumerate(self.waiting):
            if waiting.id == ticket.id:
                return index
        return None


class TicketNotFound(LookupError):
    pass


class WrongTicketStatus(ValueError):
    def __init__(self, ticket: QueueTicket, to_status: str) -> None:
        super().__init__(f"ticket {ticket.number} is {ticket.status}; it cannot become "
                         f"{to_status}")
        self.ticket = ticket
        self.to_status = to_status


def day_tickets(session: Session, code: str, counter: str, day: date,
                statuses: Sequence[str] | None = None) -> list[QueueTicket]:
    conditions = [col(QueueTicket.municipality_code) == code,
                  col(QueueTicket.counter) == counter, col(QueueTicket.day) == day]
    if statuses is not None:
        conditions.append(col(QueueTicket.status).in_(list(statuses)))
    return list(session.scalars(select(QueueTicket).where(*conditions)
                                .order_by(col(QueueTicket.number))))


def open_ticket_of(session: Session, code: str, counter: str, day: date,
                   person_id: str) -> QueueTicket | None:
    return session.scalars(select(QueueTicket).where(
        col(QueueTicket.municipality_code) == code, col(QueueTicket.counter) == counter,
        col(QueueTicket.day) == day, col(QueueTicket.person_id) == person_id,
        col(QueueTicket.status).in_(OPEN_TICKET)).order_by(col(QueueTicket.number))).first()


def ticket_of_booking(session: Session, code: str, counter: str, day: date,
                      booking_id: str) -> QueueTicket | None:
    return session.scalars(select(QueueTicket).where(
        col(QueueTicket.municipality_code) == code, col(QueueTicket.counter) == counter,
        col(QueueTicket.day) == day, col(QueueTicket.booking_id) == booking_id)).first()


def take_ticket(session: Session, code: str, counter: str, day: date, now: datetime, *,
                channel: str, person_id: str | None = None,
                booking_id: str | None = None,
                kiosk_id: str | None = None) -> tuple[QueueTicket, bool]:
    """The next number of the counter's day, or the person's open ticket there (the
    bool says whether it is new); `kiosk_id`: the kiosk device issuing it. The caller
    commits."""
    if person_id is not None:
        held = open_ticket_of(session, code, counter, day, person_id)
        if held is not None:
            return held, False
    number = next_in_sequence(session, SEQUENCE,
                              {"municipality_code": code, "counter": counter, "day": day})
    if person_id is not None:  # under the sequence's row lock: a twin request committed?
        held = open_ticket_of(session, code, counter, day, person_id)
        if held is not None:
            return held, False  # (the number drawn is left unused)
    ticket = QueueTicket(municipality_code=code, counter=counter, day=day, number=number,
                         person_id=person_id, booking_id=booking_id, channel=channel,
                         status=TICKET_WAITING, issued_at=now, kiosk_id=kiosk_id)
    session.add(ticket)
    session.flush()
    return ticket, True


def _appointment_starts(session: Session, tickets: Sequence[QueueTicket]) -> dict[str, datetime]:
    ids = [t.booking_id for t in tickets if t.booking_id]
    if not ids:
        return {}
    rows = session.scalars(select(ReservationBooking)
                           .where(col(ReservationBooking.id).in_(ids)))
    return {row.id: as_utc(row.slot_start) for row in rows}


def call_order(tickets: Sequence[QueueTicket], slot_starts: dict[str, datetime],
               now: datetime) -> list[QueueTicket]:
    """Waiting tickets in the order they are called (see the module's docstring)."""
    due_by = now + APPOINTMENT_LEAD

    def key(ticket: QueueTicket) -> tuple[int, datetime, int]:
        start = slot_starts.get(ticket.booking_id or "")
        if start is not None and start <= due_by:
            return (0, start, ticket.number)
        return (1, now, ticket.number)

    return sorted((t for t in tickets if t.status == TICKET_WAITING), key=key)


def queue_place(session: Session, code: str, counter: str, day: date,
                now: datetime) -> QueuePlace:
    tickets = day_tickets(session, code, counter, day, OPEN_TICKET)
    waiting = call_order(tickets, _appointment_starts(session, tickets), now)
    called = sorted((t for t in tickets if t.status == TICKET_CALLED),
                    key=lambda t: (as_utc(t.called_at) if t.called_at else now, t.number))
    return QueuePlace(tuple(waiting), tuple(called))


def call_next(session: Session, code: str, counter: str, day: date, now: datetime,
              clerk_id: str) -> QueueTicket | None:
    """Call the first waiting ticket in call order (None when nobody waits); a ticket
    another clerk called meanwhile is passed over. The caller commits."""
    for ticket in queue_place(session, code, counter, day, now).waiting:
        moved = session.execute(
            update(TICKET).where(TICKET.c.id == ticket.id, TICKET.c.status == TICKET_WAITING)
            .values(status=TICKET_CALLED, called_at=now, called_by=clerk_id))
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            session.refresh(ticket)
            return ticket
    return None


def find_ticket(session: Session, code: str, counter: str, day: date,
                number: int) -> QueueTicket:
    ticket = session.scalars(select(QueueTicket).where(
        col(QueueTicket.municipality_code) == code, col(QueueTicket.counter) == counter,
        col(QueueTicket.day) == day, col(QueueTicket.number) == number)).first()
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


def move_ticket(session: Session, ticket: QueueTicket, to_status: str,
                now: datetime) -> QueueTicket:
    """Skip (waiting or called) or finish (called) a ticket, with one conditional UPDATE."""
    allowed = MOVES[to_status]
    moved = session.execute(
        update(TICKET).where(TICKET.c.id == ticket.id, TICKET.c.status.in_(allowed))
        .values(status=to_status, done_at=now))
    session.refresh(ticket)
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise WrongTicketStatus(ticket, to_status)
    return ticket


def notify_called(session: Session, ticket: QueueTicket, counter_name: dict[str, str]) -> None:
    """The resident whose ticket was called gets a personal notice (app and inbox)."""
    if ticket.person_id is None:
        return
    person = session.get(Person, ticket.person_id)
    if person is None or not person.active:
        return
    name_ja = counter_name.get("ja") or next(iter(counter_name.values()), "")
    name_en = counter_name.get("en") or name_ja
    notices_api.notify_person(
        session, person,
        f"整理券 {ticket.number} 番が呼ばれました（{name_ja}）",
        f"Your number {ticket.number} has been called ({name_en})",
        f"{name_ja}の窓口へお越しください。",
        f"Please come to the {name_en} counter.")


def ticket_json(ticket: QueueTicket, place: QueuePlace | None = None) -> dict[str, Any]:
    return {
        "counter": ticket.counter,
        "day": ticket.day.isoformat(),
        "number": ticket.number,
        "status": ticket.status,
        "channel": ticket.channel,
        "appointment": ticket.booking_id is not None,
        "issued_at": as_utc(ticket.issued_at).isoformat(),
        "called_at": as_utc(ticket.called_at).isoformat() if ticket.called_at else None,
        "done_at": as_utc(ticket.done_at).isoformat() if ticket.done_at else None,
        "ahead": place.ahead_of(ticket) if place is not None else None,
    }


def queue_appointment(session: Session, code: str, counter: str, day: date, now: datetime,
                      booking: ReservationBooking, channel: str) -> QueueTicket:
    """The ticket of a checked-in appointment: its existing one, else the booker's open
    walk-in ticket now marked as the appointment's, else a new number."""
    existing = ticket_of_booking(session, code, counter, day, booking.id)
    if existing is not None:
        return existing
    held = open_ticket_of(session, code, counter, day, booking.booker_person_id)
    if held is not None and held.booking_id is None:
        held.booking_id = booking.id
        session.add(held)
        session.flush()
        return held
    ticket, _ = take_ticket(session, code, counter, day, now, channel=channel,
                            booking_id=booking.id)
    ticket.person_id = booking.booker_person_id  # (told when called, as any resident)
    session.add(ticket)
    session.flush()
    return ticket
