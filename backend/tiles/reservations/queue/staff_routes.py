"""The staff routes of the waiting-number queue (docs/reservations.md §3–§4), for staff of a
department whose resource has the counter (a kiosk signs in as such staff); any other
counter is 404:

- `POST /staff/queue/{counter}/tickets` `{channel?}`: a number for a walk-in (no person);
- `POST /staff/queue/{counter}/call`: call the next (appointments due first); 409 when
  nobody waits; the resident of the ticket gets a personal notice;
- `POST /staff/queue/{counter}/tickets/{number}/skip` and `.../done`;
- `GET /staff/queue/{counter}`: today's tickets (with the name of the kiosk device that
  issued each, if one did) and the call order.

No resident's data is shown (numbers, statuses, the booking numbers of appointments).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, status
from pydantic import BaseModel
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.db import write_engine
from backend.models import as_utc
from backend.tiles.reservations.kiosks.keys import device_names
from backend.tiles.reservations.models import (
    TICKET_DONE,
    TICKET_SKIPPED,
    QueueTicket,
    ReservationBooking,
)
from backend.tiles.reservations.queue.counters import QueueCounterView
from backend.tiles.reservations.queue.refusal import refusal
from backend.tiles.reservations.queue.routes import (
    CounterPath,
    counter_not_found,
    known_counter,
    today_and_now,
)
from backend.tiles.reservations.queue.tickets import (
    CHANNEL_KIOSK,
    QueuePlace,
    TicketNotFound,
    WrongTicketStatus,
    call_next,
    day_tickets,
    find_ticket,
    move_ticket,
    notify_called,
    queue_place,
    take_ticket,
    ticket_json,
)
from backend.tiles.reservations.staff.scope import ClerkDep, ReservationClerk

router = APIRouter(tags=["staff"])

NumberPath = Annotated[str, Path(pattern=r"^[0-9]{1,6}$",
                                 description="The ticket's number (of today)")]


class WalkInIn(BaseModel):
    channel: Literal["kiosk", "counter"] = "kiosk"


def _clerks_counter(session: Session, clerk: ReservationClerk,
                    counter: str) -> QueueCounterView:
    view = known_counter(session, clerk.municipality_code, counter)
    if not clerk.serves(view.departments):
        raise counter_not_found()
    return view


def _staff_ticket_json(ticket: QueueTicket, place: QueuePlace,
                       numbers: dict[str, str]) -> dict[str, Any]:
    return {**ticket_json(ticket, place),
            "booking_number": numbers.get(ticket.booking_id or ""),
            "has_person": ticket.person_id is not None}


def _booking_numbers(session: Session, tickets: list[QueueTicket]) -> dict[str, str]:
    numbers = {}
    for ticket in tickets:
        if ticket.booking_id:
            booking = session.get(ReservationBooking, ticket.booking_id)
            if booking is not None:
                numbers[ticket.booking_id] = booking.number
    return numbers


@router.post("/staff/queue/{counter}/tickets", status_code=status.HTTP_201_CREATED)
def walk_in(counter: CounterPath, clerk: ClerkDep, engine: EngineDep,
            body: WalkInIn | None = None) -> dict[str, Any]:
    """A number for someone without the app (the kiosk's button, or the clerk's)."""
    day, now = today_and_now()
    code = clerk.municipality_code
    channel: str = body.channel if body is not None else CHANNEL_KIOSK
    with Session(write_engine(engine)) as session:
        view = _clerks_counter(session, clerk, counter)
        ticket, _ = take_ticket(session, code, view.id, day, now, channel=channel)
        session.commit()
        return {**ticket_json(ticket, queue_place(session, code, view.id, day, now)),
                "name": view.name}


@router.post("/staff/queue/{counter}/call")
def call(counter: CounterPath, clerk: ClerkDep, engine: EngineDep) -> dict[str, Any]:
    day, now = today_and_now()
    code = clerk.municipality_code
    with Session(write_engine(engine)) as session:
        view = _clerks_counter(session, clerk, counter)
        ticket = call_next(session, code, view.id, day, now, clerk.id)
        if ticket is None:
            raise refusal(status.HTTP_409_CONFLICT, "queue_empty",
                          "お待ちの方はいません。", "nobody is waiting")
        notify_called(session, ticket, view.name)
        session.commit()
        place = queue_place(session, code, view.id, day, now)
        return {"ticket": _staff_ticket_json(ticket, place,
                                             _booking_numbers(session, [ticket])),
                "waiting": len(place.waiting)}


def _move(counter: str, number: str, to_status: str, clerk: ReservationClerk,
          engine: EngineDep) -> dict[str, Any]:
    day, now = today_and_now()
    code = clerk.municipality_code
    with Session(write_engine(engine)) as session:
        view = _clerks_counter(session, clerk, counter)
        try:
            ticket = move_ticket(session, find_ticket(session, code, view.id, day,
                                                      int(number)), to_status, now)
        except TicketNotFound:
            raise refusal(status.HTTP_404_NOT_FOUND, "ticket_not_found",
                          "今日のその番号の整理券はありません。",
                          "no ticket with that number today") from None
        except WrongTicketStatus as exc:
            raise refusal(status.HTTP_409_CONFLICT, "wrong_ticket_status",
                          "この整理券はその操作ができない状態です。",
                          "the ticket is not in a state that allows this",
                          status=exc.ticket.status, to=to_status) from None
        session.commit()
        place = queue_place(session, code, view.id, day, now)
        return _staff_ticket_json(ticket, place, _booking_numbers(session, [ticket]))


@router.post("/staff/queue/{counter}/tickets/{number}/skip")
def skip(counter: CounterPath, number: NumberPath, clerk: ClerkDep,
         engine: EngineDep) -> dict[str, Any]:
    """Pass over a waiting or called ticket (the person did not come)."""
    return _move(counter, number, TICKET_SKIPPED, clerk, engine)


@router.post("/staff/queue/{counter}/tickets/{number}/done")
def done(counter: CounterPath, number: NumberPath, clerk: ClerkDep,
         engine: EngineDep) -> dict[str, Any]:
    """The called person has been served."""
    return _move(counter, number, TICKET_DONE, clerk, engine)


@router.get("/staff/queue/{counter}")
def caller_screen(counter: CounterPath, clerk: ClerkDep, engine: EngineDep) -> dict[str, Any]:
    """Today's tickets by number, and the waiting ones in call order."""
    day, now = today_and_now()
    code = clerk.municipality_code
    with Session(engine) as session:
        view = _clerks_counter(session, clerk, counter)
        tickets = day_tickets(session, code, view.id, day)
        place = queue_place(session, code, view.id, day, now)
        numbers = _booking_numbers(session, tickets)
        kiosks = device_names(session, (t.kiosk_id for t in tickets if t.kiosk_id))
        return {"counter": view.id, "name": view.name, "day": day.isoformat(),
                "serving": place.serving, "waiting": len(place.waiting),
                "call_order": [t.number for t in place.waiting],
                "tickets": [{**_staff_ticket_json(t, place, numbers),
                             "kiosk": kiosks.get(t.kiosk_id or "")} for t in tickets],
                "as_of": as_utc(now).isoformat()}
