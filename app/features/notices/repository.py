"""Where the notices come from: this device's stores first.

The city's public notices are in the device's public store, notices for the resident's
household (an audience stream) in their own store; both arrive by sync and stay readable
offline. Read marks are the resident's preferences (`notices.read.<id>`), written locally and
sent by sync, so a notice read on the phone is read on the tablet too. Only when the device
has no public store (its file could not be opened) are the notices fetched from the backend.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.account.account_state import AccountState
from app.account.device_data import DeviceData, stores_stamp
from app.account.synced_preferences import read_preference, value_of, write_preference
from app.device.public_content import PUBLIC_STREAM, PublicContent
from backend_client import BackendClient, Notice
from offline_store import LocalRow

log = logging.getLogger(__name__)

# The backend keeps notices in Japanese and English; visitors reading Chinese or Korean get
# the English text until the city publishes those languages.
BACKEND_LANGUAGES = ("ja", "en")
COLLECTION = "notices"
READ_PREFIX = "notices.read."


def content_language(ui_language: str) -> str:
    return ui_language if ui_language in BACKEND_LANGUAGES else "en"


@dataclass(frozen=True)
class ShownNotice:
    notice: Notice
    for_household: bool = False  # came with an audience ("parents", "age75plus")
    read: bool = False
    read_pending: bool = False  # marked read on this device, not yet confirmed by the city
    for_you: bool = False  # written for this resident alone (an application's new status)


@dataclass(frozen=True)
class NoticesSnapshot:
    notices: list[ShownNotice]
    synced_at: datetime | None  # when this device last received notices; None: never
    local: bool = True  # False: fetched from the backend (no public store on this device)


class NoticesSource(Protocol):
    def stamp(self) -> object:
        """Changes whenever the stored notices or read marks may have changed."""
        ...

    @property
    def can_mark_read(self) -> bool: ...

    async def snapshot(self, language: str) -> NoticesSnapshot: ...

    async def mark_read(self, notice_id: int) -> None: ...


def notice_from_row(data: Any, language: str) -> Notice | None:
    """A stored notice in `language` (Japanese when that text is missing); None if malformed."""
    if not isinstance(data, Mapping):
        return None
    lang = content_language(language)
    try:
        title = data.get(f"title_{lang}") or data["title_ja"]
        body = data.get(f"body_{lang}") or data["body_ja"]
        return Notice(
            id=int(data["id"]),
            category=str(data["category"]),
            published_at=datetime.fromisoformat(str(data["published_at"])),
            title=str(title),
            body=str(body),
            is_demo=bool(data.get("is_demo", False)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def describe_change(entry: Any) -> tuple[str, dict[str, str]] | None:
    """How "Data on this device" names a read mark waiting to be sent."""
    if entry.collection == "preferences" and str(entry.key).startswith(READ_PREFIX):
        return "A notice marked as read", {}
    return None


def read_marks(rows: Iterable[LocalRow]) -> tuple[set[int], set[int]]:
    """Ids marked read, and those whose mark is still waiting to be sent."""
    read: set[int] = set()
    pending: set[int] = set()
    for row in rows:
        if not row.key.startswith(READ_PREFIX) or value_of(row) is not True:
            continue
        try:
            notice_id = int(row.key.removeprefix(READ_PREFIX))
        except ValueError:
            continue
        read.add(notice_id)
        if row.pending:
            pending.add(notice_id)
    return read, pending


def merge(public_rows: Iterable[LocalRow], own_rows: Iterable[LocalRow],
          marks: tuple[set[int], set[int]], language: str, limit: int) -> list[ShownNotice]:
    """Newest first; a notice in both stores is shown once (the household's copy)."""
    read, pending = marks
    by_id: dict[int, ShownNotice] = {}
    for rows, for_household in ((public_rows, False), (own_rows, True)):
        for row in rows:
            notice = notice_from_row(row.data, language)
            if notice is None:
                log.warning("skipping a malformed stored notice %s", row.key)
                continue
            personal = isinstance(row.data, Mapping) and row.data.get("personal") is True
            by_id[notice.id] = ShownNotice(notice, for_household and not personal,
                                           notice.id in read, notice.id in pending,
                                           for_you=personal)
    shown = sorted(by_id.values(), key=lambda s: (s.notice.published_at, s.notice.id),
                   reverse=True)
    return shown[:limit]


class LocalNotices:
    def __init__(self, public: PublicContent, device: DeviceData, client: BackendClient,
                 account: AccountState | None = None, limit: int = 50) -> None:
        self._public = public
        self._device = device
        self._client = client
        self._account = account
        self._limit = limit

    def stamp(self) -> object:
        return stores_stamp(self._public, self._device)

    @property
    def can_mark_read(self) -> bool:
        return self._device.store is not None

    async def snapshot(self, language: str) -> NoticesSnapshot:
        public_store = self._public.store
        if public_store is None:
            return await self._from_backend(language)
        own_store = self._device.store

        def read() -> NoticesSnapshot:
            public_rows = public_store.list(COLLECTION)
            own_rows = own_store.list(COLLECTION) if own_store is not None else []
            marks = (read_marks(own_store.list("preferences")) if own_store is not None
                     else (set(), set()))
            synced_at = public_store.cursor(PUBLIC_STREAM).last_synced_at
            return NoticesSnapshot(merge(public_rows, own_rows, marks, language, self._limit),
                                   synced_at)

        # A locked or damaged store raises its own `OfflineStoreError`; the state says so.
        return await asyncio.to_thread(read)

    async def mark_read(self, notice_id: int) -> None:
        store = self._device.store
        if store is None:
            return
        key = f"{READ_PREFIX}{notice_id}"
        if await read_preference(store, key) is True:
            return  # already read (here or on another device): no second mutation
        await write_preference(store, key, True)
        await self._device.changed_locally()

    async def _from_backend(self, language: str) -> NoticesSnapshot:
        token = None
        if self._account is not None and self._account.signed_in:
            token = await self._account.access_token()  # adds the household's own notices
        notices = await self._client.list_notices(content_language(language), self._limit,
                                                  token)
        return NoticesSnapshot([ShownNotice(n) for n in notices], None, local=False)
