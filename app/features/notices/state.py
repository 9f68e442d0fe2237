"""The Notices tile's state and actions in plain Python (testable with a fake source).

The list comes from the device (see repository.py), so it shows at once and offline; it is
read again whenever a sync may have changed it (the source's `stamp`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from app.features.notices.repository import NoticesSource, ShownNotice
from backend_client import BackendError, BackendUnavailable
from offline_store import OfflineStoreError

__all__ = ["NoticesSource", "NoticesState", "ShownNotice", "Status"]

log = logging.getLogger(__name__)


class Status(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


class NoticesState:
    def __init__(self, source: NoticesSource) -> None:
        self._source = source
        self.status = Status.IDLE
        self.notices: list[ShownNotice] = []
        self.language: str | None = None
        self.stamp: object = None  # the source's stamp the list was read at
        self.synced_at: datetime | None = None  # the data's age: when the device received it
        self.local = True
        self.offline = False  # the last failure was the network, not a bad answer
        self.error = ""
        self.expanded: int | None = None  # the notice opened to read in full

    @property
    def never_received(self) -> bool:
        """Nothing on this device yet: the first sync has not arrived."""
        return self.local and self.synced_at is None and not self.notices

    @property
    def can_mark_read(self) -> bool:
        return self._source.can_mark_read

    def needs_load(self, language: str) -> bool:
        """A read is due for a new language or when the stored data may have changed."""
        return self.status is not Status.LOADING and (
            self.status is Status.IDLE or self.language != language
            or self.stamp != self._source.stamp()
        )

    def claim_load(self, language: str) -> bool:
        """Marks a read as started if one is needed; a second render then starts none."""
        if not self.needs_load(language):
            return False
        self.status = Status.LOADING
        return True

    async def load(self, language: str) -> None:
        """Reads the notices; on failure keeps what was shown before and says why."""
        self.status = Status.LOADING
        stamp = self._source.stamp()
        try:
            snapshot = await self._source.snapshot(language)
        except (BackendError, OfflineStoreError) as exc:
            log.warning("notices could not be read: %s", exc)
            self.status = Status.FAILED
            self.offline = isinstance(exc, BackendUnavailable)
            self.error = str(exc)
            if self.language != language:
                self.notices = []
            self.language = language
            self.stamp = stamp
            return
        self.notices = snapshot.notices
        self.synced_at = snapshot.synced_at
        self.local = snapshot.local
        self.language = language
        self.stamp = stamp
        self.status = Status.LOADED
        self.offline = False
        self.error = ""

    async def open_notice(self, notice_id: int) -> None:
        """Shows a notice in full (again: closes it) and marks it read for the resident."""
        self.expanded = None if self.expanded == notice_id else notice_id
        shown = next((s for s in self.notices if s.notice.id == notice_id), None)
        if shown is not None and not shown.read and self.can_mark_read:
            await self._source.mark_read(notice_id)

    @property
    def unread(self) -> int:
        return sum(not s.read for s in self.notices) if self.can_mark_read else 0
