"""The time the identity code works with; tests replace it through `app.state.clock`.

The clock governs what the backend stores and checks itself (codes, logins, refresh tokens,
rate limits). JWT timestamps (`iat`, `exp`) always use the real time, because the libraries
that check them do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def utc_now(app: FastAPI) -> datetime:
    """`app.state.clock()` if a test set one, else the system time (aware, UTC)."""
    clock: Clock | None = getattr(app.state, "clock", None)
    return (clock or system_clock)()
