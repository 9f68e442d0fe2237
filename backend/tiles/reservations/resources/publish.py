"""The public collections of the reservations tile (READ_ONLY, public stream;
docs/reservations.md §1):

- `reservation_resources`: key = the resource id; data = the definition fields the app
  shows (`PUBLISHED_FIELDS`); a withdrawn resource is a tombstone.
- `reservation_slots`: key "<resource_id>/<start ISO UTC>"; data {resource_id, start, end,
  day, capacity, booked, waiting, closed, updated_at}, so that devices show the free places
  offline together with how old that count is. Only slots from today (Asia/Tokyo) on are
  published.

`publish_slot` is what the bookings part calls in its own transaction after it changes a
slot's `booked`, `waiting` or `closed_at`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlmodel import Session

from backend.models import as_utc
from backend.services.clock import city_today
from backend.sync.change_log import append_changes
from backend.sync.collections import Collection, Policy
from backend.sync.types import ChangeRow
from backend.tiles.reservations.models import ReservationSlot

RESOURCES_COLLECTION = "reservation_resources"
SLOTS_COLLECTION = "reservation_slots"

# No handlers: the push engine rejects every write with "read_only". Listed by
# backend/tiles/reservations/tile.py.
RESERVATION_RESOURCES = Collection(RESOURCES_COLLECTION, Policy.READ_ONLY)
RESERVATION_SLOTS = Collection(SLOTS_COLLECTION, Policy.READ_ONLY)

PUBLISHED_FIELDS = ("title", "summary", "place", "kind", "categories", "department", "who",
                    "window", "limits", "fee", "waiting_list", "questions", "queue",
                    "version", "demo")


def _connection(db: Session | Connection) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def resource_data(body: Mapping[str, Any]) -> dict[str, Any]:
    """The public row of a definition: the fields the app shows (absent ones as null)."""
    return {name: body.get(name) for name in PUBLISHED_FIELDS}


def publish_resources(db: Session | Connection, municipality_code: str,
                      bodies: Iterable[Mapping[str, Any]], withdrawn: Iterable[str],
                      now: datetime | None = None) -> list[int]:
    """An upsert per definition, a tombstone per withdrawn id; their change-log positions."""
    changes = [ChangeRow(RESOURCES_COLLECTION, str(body["id"]), "upsert",
                         resource_data(body), public=True) for body in bodies]
    changes += [ChangeRow(RESOURCES_COLLECTION, resource_id, "delete", None, public=True)
                for resource_id in withdrawn]
    return append_changes(_connection(db), municipality_code, None, changes, now)


def slot_key(resource_id: str, start: datetime) -> str:
    """"kosodate-counter/2026-12-07T00:00:00+00:00": the resource and the start in UTC."""
    return f"{resource_id}/{as_utc(start).isoformat()}"


class SlotValues(Protocol):
    """What a slot's public row is made of: a `ReservationSlot` or a slot being inserted."""

    @property
    def resource_id(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def day(self) -> date: ...
    @property
    def capacity(self) -> int: ...
    @property
    def booked(self) -> int: ...
    @property
    def waiting(self) -> int: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime: ...


def slot_data(slot: SlotValues) -> dict[str, Any]:
    return {"resource_id": slot.resource_id, "start": as_utc(slot.start).isoformat(),
            "end": as_utc(slot.end).isoformat(), "day": slot.day.isoformat(),
            "capacity": slot.capacity, "booked": slot.booked, "waiting": slot.waiting,
            "closed": slot.closed_at is not None,
            "updated_at": as_utc(slot.updated_at).isoformat()}


def publish_slots(db: Session | Connection, municipality_code: str,
                  slots: Iterable[SlotValues], today: date | None = None) -> list[int]:
    """Upsert the public rows of `slots` whose day is today or later (Asia/Tokyo); their
    change-log positions."""
    first = today or city_today()
    changes = [ChangeRow(SLOTS_COLLECTION, slot_key(slot.resource_id, slot.start), "upsert",
                         slot_data(slot), public=True) for slot in slots if slot.day >= first]
    return append_changes(_connection(db), municipality_code, None, changes)


def publish_slot(db: Session | Connection, municipality_code: str, slot: ReservationSlot,
                 today: date | None = None) -> int | None:
    """Publish one slot as it is now, in the caller's transaction (the bookings part calls
    this after changing `booked`, `waiting` or `closed_at`); its change-log position, None
    for a slot before today (not published). Pass the slot as read back after the
    change."""
    positions = publish_slots(db, municipality_code, [slot], today)
    return positions[0] if positions else None


def unpublish_slots(db: Session | Connection, municipality_code: str,
                    slots: Iterable[ReservationSlot]) -> list[int]:
    """Tombstones for slots that were deleted (a withdrawn resource's free slots)."""
    changes = [ChangeRow(SLOTS_COLLECTION, slot_key(slot.resource_id, slot.start), "delete",
                         None, public=True) for slot in slots]
    return append_changes(_connection(db), municipality_code, None, changes)
