"""What the waste tile's states need from their repositories, as protocols: the states depend
on these, so they can be tested with fakes; `repository.py` and `bulky_repository.py` are the
implementations over the device's stores."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from app.features.waste.bulky import Booking
from app.features.waste.repository import WasteChoice, WasteContent


class WasteSource(Protocol):
    """The city's waste content and the resident's district and reminder switches."""

    def stamp(self) -> object:
        """Changes whenever the stored content or the resident's choice may have changed."""
        ...

    async def content(self, language: str) -> WasteContent: ...

    async def choice(self) -> WasteChoice: ...

    async def save_choice(self, choice: WasteChoice, before: WasteChoice) -> None: ...


class BulkyRepository(Protocol):
    """Remaining places per district and day, and the resident's bookings on this device."""

    @property
    def signed_in(self) -> bool:
        """The resident's own store is open: bookings can be read and made."""
        ...

    def stamp(self) -> object:
        """Changes whenever slots or bookings on this device may have changed."""
        ...

    async def slot_rows(self) -> list[dict[str, Any]] | None:
        """The public `bulky_slots` rows; None when there is no public store."""
        ...

    async def bookings(self, now: datetime, items: Mapping[str, Mapping[str, Any]],
                       areas: Mapping[str, Mapping[str, Any]]) -> list[Booking]:
        """The resident's bookings, confirmed, waiting and recently refused ([] signed out)."""
        ...

    async def stored(self, booking_id: str) -> dict[str, Any]:
        """The booking row as stored on this device ({} when there is none)."""
        ...

    async def write(self, booking_id: str, data: dict[str, Any], name: str,
                    args: dict[str, Any]) -> bool:
        """Writes the row and its outbox entry (`name`, `args`) in one transaction and tells
        the sync; False when nobody is signed in."""
        ...
