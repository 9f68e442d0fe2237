"""The kiosk's routes of the waiting-number queue (docs/reservations.md §3, "Kiosk numbers
without a login"): a city-hall kiosk hands a number to anyone who walks up, nobody logs in.
The device proves itself with its key in `X-Kiosk-Key` (keys.py); a missing, unknown or
revoked key is 401 `kiosk_key_invalid`.

- `GET /kiosk/queue`: the device's name and its counters (its list, else every counter of
  its municipality), each with the number being served and how many wait;
- `POST /kiosk/queue/{counter}/tickets`: a walk-in's number (channel "kiosk", no person),
  answered as the staff walk-in route answers; a counter not among the device's is 404
  `counter_not_found`; more than `TSUYAMA_KIOSK_TICKETS_PER_MINUTE` numbers of the device
  in a rolling minute is 429 `kiosk_rate_limited` with `Retry-After` (and `retry_after_s`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Security, status
from fastapi.security import APIKeyHeader
from sqlalchemy import Engine, Table, update
from sqlmodel import Session

from backend.api.dependencies import EngineDep, SettingsDep
from backend.db import write_engine
from backend.models import as_utc
from backend.tiles.reservations.kiosks.keys import find_device
from backend.tiles.reservations.kiosks.limit import retry_after_s
from backend.tiles.reservations.kiosks.models import KioskDevice
from backend.tiles.reservations.queue.counters import QueueCounterView, all_counters
from backend.tiles.reservations.queue.refusal import refusal
from backend.tiles.reservations.queue.routes import (
    CounterPath,
    counter_not_found,
    known_counter,
    today_and_now,
)
from backend.tiles.reservations.queue.tickets import (
    CHANNEL_KIOSK,
    queue_place,
    take_ticket,
    ticket_json,
)
from backend.tiles.reservations.settings import reservations_settings

router = APIRouter(tags=["kiosk"])

KEY_HEADER = "X-Kiosk-Key"
KEY_SCHEME = "KioskKey"
# How often a polling kiosk's `last_seen_at` is written at most.
SEEN_EVERY = timedelta(minutes=1)
DEVICE: Table = KioskDevice.__table__  # type: ignore[attr-defined]

kiosk_key_scheme = APIKeyHeader(
    name=KEY_HEADER, scheme_name=KEY_SCHEME, auto_error=False,
    description="The kiosk device's key (`tk1_...`), given once by `python -m backend tile "
                "reservations kiosk-add`")


def kiosk_key_invalid() -> HTTPException:
    refused = refusal(status.HTTP_401_UNAUTHORIZED, "kiosk_key_invalid",
                      "この端末では整理券を発行できません。係員にお知らせください。",
                      "this kiosk's key is missing, unknown or revoked")
    refused.headers = {"WWW-Authenticate": KEY_SCHEME}
    return refused


def kiosk_rate_limited(seconds: int) -> HTTPException:
    refused = refusal(status.HTTP_429_TOO_MANY_REQUESTS, "kiosk_rate_limited",
                      f"整理券の発行が続いています。{seconds}秒後にもう一度お試しください。",
                      f"this kiosk is issuing too many numbers; try again in {seconds} s",
                      retry_after_s=seconds)
    refused.headers = {"Retry-After": str(seconds)}
    return refused


def current_kiosk(key: Annotated[str | None, Security(kiosk_key_scheme)],
                  engine: EngineDep) -> KioskDevice:
    """The device whose key the request carries (401 `kiosk_key_invalid` otherwise)."""
    with Session(engine) as session:
        device = find_device(session, key)
    if device is None:
        raise kiosk_key_invalid()
    return device


KioskDep = Annotated[KioskDevice, Depends(current_kiosk)]


def device_counters(session: Session, device: KioskDevice) -> list[QueueCounterView]:
    """The counters the device issues for, by id (its list, else all of its city's)."""
    listed = set(device.counter_ids())
    return [view for view in all_counters(session, device.municipality_code)
            if not listed or view.id in listed]


def _device_counter(session: Session, device: KioskDevice, counter: str) -> QueueCounterView:
    view = known_counter(session, device.municipality_code, counter)
    listed = device.counter_ids()
    if listed and view.id not in listed:
        raise counter_not_found()
    return view


def _seen(engine: Engine, device: KioskDevice, now: datetime) -> None:
    """Note that the device was seen (at most once per `SEEN_EVERY`, not every poll)."""
    last = device.last_seen_at
    if last is not None and as_utc(last) > now - SEEN_EVERY:
        return
    with engine.begin() as connection:
        connection.execute(update(DEVICE).where(DEVICE.c.id == device.id)
                           .values(last_seen_at=now))


@router.get("/kiosk/queue")
def kiosk_queue(device: KioskDep, engine: EngineDep) -> dict[str, Any]:
    """The kiosk's start screen: its counters with the number served and how many wait."""
    day, now = today_and_now()
    code = device.municipality_code
    with Session(engine) as session:
        counters = []
        for view in device_counters(session, device):
            place = queue_place(session, code, view.id, day, now)
            counters.append({"counter": view.id, "name": view.name, "serving": place.serving,
                             "waiting": len(place.waiting)})
    _seen(engine, device, now)
    return {"kiosk": device.name, "counters": counters, "as_of": as_utc(now).isoformat()}


@router.post("/kiosk/queue/{counter}/tickets", status_code=status.HTTP_201_CREATED)
def kiosk_take(counter: CounterPath, device: KioskDep, engine: EngineDep,
               settings: SettingsDep) -> dict[str, Any]:
    """A number for whoever stands at the kiosk (no person, channel "kiosk")."""
    day, now = today_and_now()
    code = device.municipality_code
    limit = reservations_settings(settings).kiosk_tickets_per_minute
    with Session(write_engine(engine)) as session:
        view = _device_counter(session, device, counter)
        # The device's row, seen now and (PostgreSQL) locked until the commit: its numbers
        # are counted against the limit one request at a time. Revoked meanwhile: 401.
        seen = session.execute(update(DEVICE).where(DEVICE.c.id == device.id,
                                                    DEVICE.c.revoked_at.is_(None))
                               .values(last_seen_at=now))
        if seen.rowcount != 1:  # type: ignore[attr-defined]
            raise kiosk_key_invalid()
        wait = retry_after_s(session, device.id, now, limit)
        if wait is not None:
            raise kiosk_rate_limited(wait)
        ticket, _ = take_ticket(session, code, view.id, day, now, channel=CHANNEL_KIOSK,
                                kiosk_id=device.id)
        session.commit()
        return {**ticket_json(ticket, queue_place(session, code, view.id, day, now)),
                "name": view.name}
