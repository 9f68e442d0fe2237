"""The kiosk's idle timer: plain Python with an injectable clock, so it is testable.

A kiosk goes back to its start screen (forgetting the person) after `timeout_s` without a
touch or a key. During the last `countdown_s` of it the shell shows a count-down with
「続ける」 (ADR 0026): any touch, key or that button starts the timeout again."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

DEFAULT_KIOSK_IDLE_SECONDS = 90.0
# The count-down lasts at most this long, and at most a third of the timeout (so a short
# timeout still leaves two thirds of it without any interruption).
MAX_COUNTDOWN_SECONDS = 30.0
COUNTDOWN_SHARE = 1 / 3


def countdown_for(timeout_s: float) -> float:
    """How many of the last seconds of `timeout_s` the count-down is shown."""
    return min(MAX_COUNTDOWN_SECONDS, timeout_s * COUNTDOWN_SHARE)


class IdleTimer:
    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.monotonic,
                 countdown_s: float | None = None) -> None:
        if timeout_s <= 0:
            raise ValueError("the idle timeout must be positive")
        self.timeout_s = timeout_s
        self.countdown_s = countdown_for(timeout_s) if countdown_s is None else countdown_s
        if not 0 <= self.countdown_s <= timeout_s:
            raise ValueError("the count-down must be within the idle timeout")
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

    def counting_down(self) -> bool:
        """Within the last `countdown_s` before the reset (and not past it)."""
        remaining = self.remaining()
        return 0.0 < remaining <= self.countdown_s

    def seconds_left(self) -> int:
        """Whole seconds left before the reset, as the count-down shows them (rounded up)."""
        return math.ceil(self.remaining())
