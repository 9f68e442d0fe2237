"""What a tile's repository needs of the session's two device stores (`AppServices.public`
and `AppServices.device`): the store when it is open, a version that changes with its
content, and for the resident's own store a way to say a local write is waiting to sync."""

from __future__ import annotations

from typing import Protocol

from offline_store import PublicStore, UserStore


class PublicSide(Protocol):
    @property
    def store(self) -> PublicStore | None: ...

    @property
    def version(self) -> int: ...


class DeviceSide(Protocol):
    @property
    def store(self) -> UserStore | None: ...

    @property
    def version(self) -> int: ...

    async def changed_locally(self) -> None: ...
