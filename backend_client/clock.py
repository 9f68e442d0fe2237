"""The server's time as the device knows it, learned from the `Date` header of its answers.

A phone's clock can be wrong by hours or days (set by hand, a flat battery, a trip). Times the
backend issues (a token's `iat`/`exp`/`nbf`) are checked against `ServerClock.now()`, the
server's time estimated from the answers the device received, not against the device's own
clock. Before any answer with a usable `Date` arrives, `now()` is the device's clock.

One observation: the server's time is `Date` (whole seconds, so `Date` + 0.5 s on average)
when it answered; the device's time then is taken as the middle of the request (sent,
received). offset = server − device. Samples are smoothed (an exponential average); a
sample far from the estimate means a clock was set (the device's, or the server's), and
replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# A sample this far from the estimate (beyond its own uncertainty) means a clock was set.
JUMP = timedelta(seconds=10)
# Samples from slower round trips than this (half the round trip) only start or reset the
# estimate; they never pull a good one off.
MAX_SMOOTHED_UNCERTAINTY = timedelta(seconds=2)
# Weight of a new sample in the running estimate.
SMOOTHING = 0.25
_HALF_SECOND = timedelta(milliseconds=500)


def local_now() -> datetime:
    """The device's own clock (aware, UTC). Everything device-side reads it through here."""
    return datetime.now(UTC)


def parse_http_date(values: Iterable[str]) -> datetime | None:
    """The first valid RFC 9110 `Date` value among `values` (aware, UTC), else None."""
    for value in values:
        pieces = value.split(",")
        if len(pieces) > 2:  # two Date values joined by a comma (a proxy's doing): the first
            value = ",".join(pieces[:2])
        try:
            parsed = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            continue
        if parsed.tzinfo is None:  # "-0000": UTC, without a known offset
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    return None


class ServerClock:
    """Offset between the server's clock and this device's, and the server-time estimate."""

    def __init__(self, local: Callable[[], datetime] | None = None) -> None:
        self._local = local
        self._offset: timedelta | None = None
        self.samples = 0

    def local_now(self) -> datetime:
        return self._local() if self._local is not None else local_now()

    @property
    def offset(self) -> timedelta | None:
        """Server time − device time; None until an answer with a `Date` arrived."""
        return self._offset

    @property
    def known(self) -> bool:
        return self._offset is not None

    def now(self) -> datetime:
        """The server's time as best known; the device's clock while nothing is known."""
        return self.local_now() + (self._offset or timedelta())

    def observe(self, server_date: datetime | None, sent: datetime,
                received: datetime) -> None:
        """One answer: `server_date` its `Date` (None: none or unreadable), `sent` and
        `received` the device's clock around the request."""
        if server_date is None or received < sent:  # the device clock was set meanwhile
            return
        half_trip = (received - sent) / 2
        sample = (server_date + _HALF_SECOND) - (sent + half_trip)
        uncertainty = _HALF_SECOND + half_trip
        self.samples += 1
        if self._offset is None or abs(sample - self._offset) > JUMP + uncertainty:
            self._offset = sample
        elif half_trip <= MAX_SMOOTHED_UNCERTAINTY:
            self._offset += (sample - self._offset) * SMOOTHING

    def observe_headers(self, date_values: Iterable[str], sent: datetime,
                        received: datetime) -> None:
        self.observe(parse_http_date(date_values), sent, received)
