"""What the health state needs from the world (tests pass fakes): the device's encrypted
store (`HealthRepository`), the consent ledger and the household (`HealthOnline`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredRecord:
    data: dict[str, Any]
    synced: bool  # the server has it (or it is on its way)
    pending: bool = False  # on its way: in the outbox, not yet confirmed


@dataclass(frozen=True)
class Child:
    """A minor child of the resident, whose record the resident may keep."""

    common_id: str
    name: str
    age: int | None


class HealthRepository(Protocol):
    def available(self) -> bool: ...

    def stamp(self) -> object: ...

    async def records(self) -> list[StoredRecord]: ...

    async def add_record(self, record: dict[str, Any], *, sync: bool) -> None: ...

    async def delete_record(self, record_id: str) -> None: ...

    async def send_unsent(self) -> int: ...

    async def delete_all(self) -> int: ...

    async def device_value(self, key: str) -> Any: ...

    async def set_device_value(self, key: str, value: Any) -> None: ...


class HealthOnline(Protocol):
    async def record_consent(self, version: int, granted: bool, text_sha256: str,
                             on_behalf_of: str | None = None) -> None: ...

    async def children(self) -> list[Child]: ...
