"""The kiosk's idle timer: plain Python with an injectable clock, so it is testable."""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_KIOSK_IDLE_SECONDS = 90.0


class IdleTimer:
    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if timeout_s <= 0:
            raise ValueError("the idle timeout must be positive")
        self.timeout_s = timeout_s
        self._clock = clock
        self._last_activity = clock()

    def touch(self) -> None:
        """Records user activity (a tap, a key, a route change)."""
        self._last_activity = self._clock()

    def idle_for(self) -> float:
        return self._clock() - self._last_activity

    def remaining(self) -> float:
        return max(0.0, self.timeout_s - (self._clock() - self._last_activity))

    def expired(self) -> bool:
        return self.remaining() == 0.0
