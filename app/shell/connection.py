"""The backend connection as the shell sees it: online, offline (with why), or not yet known."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Link(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True)
class ConnectionStatus:
    link: Link = Link.UNKNOWN
    detail: str = ""  # the technical reason, for logs and the banner's details
    failures: int = 0  # consecutive failed checks, drives the retry backoff

    @property
    def offline(self) -> bool:
        return self.link is Link.OFFLINE

    def next_check_in(self, online_interval_s: float = 30.0, max_backoff_s: float = 5.0) -> float:
        """Seconds until the next health check: steady when online; short while offline
        (2, 4, then every 5 s), so the banner goes soon after the link returns. A check is
        cheap (`/healthz`), and any tap, key or the tab coming back checks at once too."""
        if self.link is not Link.OFFLINE:
            return online_interval_s
        return min(max_backoff_s, 2.0 ** min(self.failures, 6))
