"""The Notices tile's state and actions in plain Python (testable with a fake source)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from app.features.notices.repository import NoticesSource
from backend_client import BackendError, BackendUnavailable, Notice


class Status(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


class NoticesState:
    def __init__(self, source: NoticesSource, clock: Callable[[], datetime] | None = None) -> None:
        self._source = source
        self._clock = clock or (lambda: datetime.now(UTC))
        self.status = Status.IDLE
        self.notices: list[Notice] = []
        self.language: str | None = None
        self.audience: str | None = None  # the common ID the list was loaded for, if any
        self.loaded_at: datetime | None = None
        self.offline = False  # the last failure was the network, not a bad answer
        self.error = ""

    def needs_load(self, language: str, audience: str | None = None) -> bool:
        """A load is due for a new language or a new reader (login, logout)."""
        return self.status is not Status.LOADING and (
            self.status is Status.IDLE or self.language != language
            or self.audience != audience
        )

    def claim_load(self, language: str, audience: str | None = None) -> bool:
        """Marks a load as started if one is needed; a second render then starts none."""
        if not self.needs_load(language, audience):
            return False
        self.status = Status.LOADING
        self.audience = audience
        return True

    async def load(self, language: str) -> None:
        """Fetches the newest notices; on failure keeps what was shown before."""
        self.status = Status.LOADING
        try:
            notices = await self._source.latest(language)
        except BackendError as exc:
            self.status = Status.FAILED
            self.offline = isinstance(exc, BackendUnavailable)
            self.error = str(exc)
            if self.language != language:
                self.notices = []
            self.language = language
            return
        self.notices = notices
        self.language = language
        self.loaded_at = self._clock()
        self.status = Status.LOADED
        self.offline = False
        self.error = ""
