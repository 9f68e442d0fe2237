"""What the reservations state needs from the world, one Protocol each (tests pass fakes):
the device's stores (`ReservationsRepository`) and the routes that need the network
(`ReservationsOnline`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from app.features.procedures.api import Household, Person
from app.features.reservations.catalogue import ResourceEntry, Slot
from app.features.reservations.records import Booking


@dataclass(frozen=True)
class PublicRead:
    resources: list[ResourceEntry]
    slots: list[Slot]
    synced_at: datetime | None  # the public stream's last sync; None: never on this device
    available: bool = True  # False: the device's public store cannot be opened
    holidays: frozenset[date] = frozenset()  # national holidays, for booking deadlines


class ReservationsRepository(Protocol):
    @property
    def signed_in(self) -> bool: ...

    def stamp(self) -> object: ...

    def me(self) -> Person | None: ...

    async def public(self) -> PublicRead: ...

    async def bookings(self, now: datetime, language: str) -> list[Booking]: ...

    async def household(self) -> Household: ...

    async def stored_booking(self, booking_id: str) -> dict[str, Any]: ...

    async def write_booking(self, booking_id: str, row: dict[str, Any], name: str,
                            args: dict[str, Any]) -> bool: ...


class ReservationsOnline(Protocol):
    async def calendar(self, booking_id: str, language: str) -> tuple[str, bytes]: ...

    async def checkin_code(self, booking_id: str) -> str: ...
