"""The reservations tile's data on this device (the `ReservationsRepository` of ports.py) and
its network routes (`BackendReservations`).

- What can be booked: the public `reservation_resources` and `reservation_slots` rows (the
  public store; their age is the public stream's last sync).
- Bookings (`reservations`): the resident's own rows and their outbox entries; every write is
  `UserStore.apply_local` (row and outbox entry in one transaction).
- Whom the resident may book for: the procedures tile's household reading (minor children,
  delegators), with the delegations of scope `reservations` (or all).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from app.features.procedures.api import (
    Household,
    PeopleSource,
    Person,
    applicant_from,
    household_from,
)
from app.features.reservations.catalogue import (
    HOLIDAYS,
    RESOURCES,
    SLOTS,
    holiday_dates,
    resources_from,
    slots_from,
)
from app.features.reservations.ports import PublicRead
from app.features.reservations.records import BOOKINGS, Booking, bookings_from
from app.store_sides import DeviceSide, PublicSide
from backend_client import BackendClient, BackendError
from backend_client.reservations import ReservationsClient

log = logging.getLogger(__name__)

PUBLIC_STREAM = "public"
DELEGATION_SCOPES = frozenset({"reservations", "all"})




def reservation_delegations(delegations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The delegations that cover reservations, in the form `household_from` reads (it
    keeps the procedures' scopes: a reservations one is passed on as covering all)."""
    return [{**d, "scope": "all"} for d in delegations if d.get("scope") in DELEGATION_SCOPES]


class BackendPeople:
    """The household and delegations, read once per session while online."""

    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]],
                 age: Callable[[], int | None]) -> None:
        self._client = client
        self._token = token
        self._age = age
        self._read: Household | None = None

    async def household(self) -> Household:
        if self._read is not None:
            return self._read
        try:
            token = await self._token()
            answer = await self._client.my_household(token)
            delegations = await self._client.my_delegations(token)
        except BackendError as exc:
            log.info("household not read (booking for others waits for the network): %s", exc)
            return Household(age=self._age())
        household = answer.get("household")
        self._read = household_from(self._age(),
                                    household if isinstance(household, Mapping) else None,
                                    reservation_delegations(delegations))
        return self._read


class LocalReservations:
    def __init__(self, public: PublicSide, device: DeviceSide, people: PeopleSource,
                 profile: Callable[[], Mapping[str, Any] | None]) -> None:
        self._public = public
        self._device = device
        self._people = people
        self._profile = profile

    @property
    def signed_in(self) -> bool:
        return self._device.store is not None and self.me() is not None

    def stamp(self) -> object:
        store = self._device.store
        return (self._public.version, self._device.version, id(store) if store else None)

    def me(self) -> Person | None:
        return applicant_from(self._profile())

    async def public(self) -> PublicRead:
        store = self._public.store
        if store is None:
            return PublicRead([], [], None, available=False)

        def read() -> PublicRead:
            resources = resources_from((r.key, r.data) for r in store.list(RESOURCES))
            slots = slots_from(r.data for r in store.list(SLOTS))
            holidays = holiday_dates(r.data for r in store.list(HOLIDAYS))
            return PublicRead(resources, slots, store.cursor(PUBLIC_STREAM).last_synced_at,
                              holidays=holidays)

        return await asyncio.to_thread(read)

    async def bookings(self, now: datetime, language: str) -> list[Booking]:
        store = self._device.store
        if store is None:
            return []
        rows = await asyncio.to_thread(store.list, BOOKINGS)
        outbox = await asyncio.to_thread(store.outbox, ("pending", "sending", "rejected"))
        return bookings_from(rows, outbox, now, language)

    async def household(self) -> Household:
        if self._device.store is None:
            return Household()
        return await self._people.household()

    async def stored_booking(self, booking_id: str) -> dict[str, Any]:
        store = self._device.store
        if store is None:
            return {}
        row = await asyncio.to_thread(store.read, BOOKINGS, booking_id)
        return dict(row.data) if row is not None and isinstance(row.data, Mapping) else {}

    async def write_booking(self, booking_id: str, row: dict[str, Any], name: str,
                            args: dict[str, Any]) -> bool:
        store = self._device.store
        if store is None:
            return False
        await asyncio.to_thread(store.apply_local, BOOKINGS, booking_id, row, name, args)
        await self._device.changed_locally()
        return True


class BackendReservations:
    """The routes that need the network: the .ics file, the check-in code."""

    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]]) -> None:
        self._client = ReservationsClient(client)
        self._token = token

    async def calendar(self, booking_id: str, language: str) -> tuple[str, bytes]:
        done = await self._client.calendar(await self._token(), booking_id, language)
        return done.name, done.content

    async def checkin_code(self, booking_id: str) -> str:
        return (await self._client.checkin_code(await self._token(), booking_id)).code


def describe_change(entry: Any) -> tuple[str, dict[str, str]] | None:
    """How "Data on this device" names the reservations tile's own changes."""
    if entry.collection != BOOKINGS:
        return None
    return {"book": ("A booking sent", {}),
            "wait": ("A waiting-list request sent", {}),
            "change": ("A booking change sent", {}),
            "cancel": ("A cancellation sent", {}),
            "accept": ("An offered place accepted", {}),
            "decline": ("An offered place declined", {})}.get(
                entry.name, ("A booking changed", {}))
