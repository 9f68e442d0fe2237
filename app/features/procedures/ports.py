"""What the procedures state needs from the world, one Protocol each (tests pass fakes):
the device's stores (`ProceduresRepository`) and the routes that need the network
(`ProceduresOnline`). The form itself is the tile's own engine (forms/), plain Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.features.procedures.catalogue import Entry, Household, Person
from app.features.procedures.records import Draft, Submission


@dataclass(frozen=True)
class CatalogueRead:
    entries: list[Entry]
    synced_at: datetime | None  # the public stream's last sync; None: never on this device
    available: bool = True  # False: the device's public store cannot be opened


@dataclass(frozen=True)
class Uploaded:
    attachment_id: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Handoff:
    code: str
    expires_at: datetime


class ProceduresRepository(Protocol):
    @property
    def signed_in(self) -> bool: ...

    def stamp(self) -> object: ...

    async def catalogue(self) -> CatalogueRead: ...

    async def drafts(self) -> list[Draft]: ...

    async def submissions(self, now: datetime) -> list[Submission]: ...

    async def household(self) -> Household: ...

    def applicant(self) -> Person | None: ...

    async def save_draft(self, draft_id: str, row: dict[str, Any]) -> bool: ...

    async def discard_draft(self, draft_id: str) -> bool: ...

    async def stored_submission(self, submission_id: str) -> dict[str, Any]: ...

    async def write_submission(self, submission_id: str, row: dict[str, Any], name: str,
                               args: dict[str, Any]) -> bool: ...


class ProceduresOnline(Protocol):
    async def upload(self, procedure_id: str, slot: str, name: str, content_type: str,
                     content: bytes) -> Uploaded: ...

    async def handoff(self, submission_id: str) -> Handoff: ...
