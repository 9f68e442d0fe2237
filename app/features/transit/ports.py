"""What the transit state needs from the device and the city (tests pass fakes)."""

from __future__ import annotations

from typing import Any, Protocol

from app.features.transit.repository import SavedTimetable
from backend_client.transit import Progress, Realtime, TransitFeed


class TimetableSource(Protocol):
    async def saved(self) -> list[SavedTimetable]: ...

    async def published(self) -> list[TransitFeed]: ...

    async def download(self, feed: TransitFeed, saved: SavedTimetable | None,
                       progress: Progress) -> SavedTimetable: ...

    async def forget(self, feed_ids: set[str]) -> None: ...

    async def realtime(self, feed_id: str) -> Realtime: ...


class FavouriteStore(Protocol):
    """The resident's favourite stops: synced preferences when signed in, else this
    device's settings (a kiosk's memory)."""

    async def load(self) -> list[dict[str, Any]]: ...

    async def save(self, favourites: list[dict[str, Any]]) -> None: ...
