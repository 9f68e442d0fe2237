"""The resident and public routes of the waiting-number queue (docs/reservations.md §3):

- `POST /queue/{counter}/tickets`: a logged-in resident takes the next number of today
  (201), or gets back the open ticket they already hold there today (200);
- `GET /queue/{counter}`: public: the counter's name, the number being served and how many
  wait; with a login also the caller's open ticket and how many are ahead of it;
- `GET /queue/{counter}/tickets/mine`: the caller's open ticket of today (404 without one).

A counter is the `queue` of a resource that is not withdrawn; any other is 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlmodel import Session

from backend.api.dependencies import EngineDep, SettingsDep
from backend.api.optional_caller import OptionalPerson
from backend.db import write_engine
from backend.identity.dependencies import CurrentPerson
from backend.services import clock
from backend.tiles.reservations.queue.counters import QueueCounterView, find_counter
from backend.tiles.reservations.queue.refusal import refusal
from backend.tiles.reservations.queue.tickets import (
    CHANNEL_APP,
    open_ticket_of,
    queue_place,
    take_ticket,
    ticket_json,
)

router = APIRouter(tags=["reservations"])

COUNTER_PATTERN = r"^[a-z0-9-]{1,64}$"
CounterPath = Annotated[str, Path(pattern=COUNTER_PATTERN, description="The counter's id")]


def counter_not_found() -> HTTPException:
    return refusal(status.HTTP_404_NOT_FOUND, "counter_not_found",
                   "この窓口の整理券はありません。", "no such counter")


def known_counter(session: Session, code: str, counter_id: str) -> QueueCounterView:
    counter = find_counter(session, code, counter_id)
    if counter is None:
        raise counter_not_found()
    return counter


def today_and_now() -> tuple[date, datetime]:
    now = clock.utc_now()
    return clock.city_today(now), now


@router.post("/queue/{counter}/tickets", status_code=status.HTTP_201_CREATED)
def take(counter: CounterPath, person: CurrentPerson, engine: EngineDep,
         response: Response) -> dict[str, Any]:
    """Take a waiting number (one open ticket per person, counter and day)."""
    day, now = today_and_now()
    code = person.municipality_code
    with Session(write_engine(engine)) as session:
        view = known_counter(session, code, counter)
        ticket, new = take_ticket(session, code, view.id, day, now, channel=CHANNEL_APP,
                                  person_id=person.id)
        session.commit()
        answer = ticket_json(ticket, queue_place(session, code, view.id, day, now))
    if not new:
        response.status_code = status.HTTP_200_OK
    return {**answer, "name": view.name}


@router.get("/queue/{counter}")
def counter_state(counter: CounterPath, caller: OptionalPerson, engine: EngineDep,
                  settings: SettingsDep) -> dict[str, Any]:
    """What the counter's screen shows (polled while open and online)."""
    day, now = today_and_now()
    code = settings.municipality_code
    with Session(engine) as session:
        view = known_counter(session, code, counter)
        place = queue_place(session, code, view.id, day, now)
        mine = (open_ticket_of(session, code, view.id, day, caller.id)
                if caller is not None else None)
        return {"counter": view.id, "name": view.name, "day": day.isoformat(),
                "serving": place.serving, "called": [t.number for t in place.called],
                "waiting": len(place.waiting),
                "mine": ticket_json(mine, place) if mine is not None else None,
                "ahead": place.ahead_of(mine) if mine is not None else None}


@router.get("/queue/{counter}/tickets/mine")
def my_ticket(counter: CounterPath, person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    day, now = today_and_now()
    code = person.municipality_code
    with Session(engine) as session:
        view = known_counter(session, code, counter)
        mine = open_ticket_of(session, code, view.id, day, person.id)
        if mine is None:
            raise refusal(status.HTTP_404_NOT_FOUND, "no_ticket",
                          "今日のこの窓口の整理券はありません。",
                          "you hold no waiting number of this counter today")
        return {**ticket_json(mine, queue_place(session, code, view.id, day, now)),
                "name": view.name}
