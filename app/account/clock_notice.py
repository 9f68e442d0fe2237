"""What "Data on this device" says about the device's clock, in plain Python.

The backend's answers tell the device the server's time (`BackendClient.server_clock`). Login
and sync go by it, so they work with a wrong device clock; but what the device decides on its
own (the collection calendar, reminders, times shown) follows its own clock. When the two
differ by more than `NOTICE_THRESHOLD`, the screen says so, roughly: "about 1 day ahead".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from babel.dates import format_timedelta

NOTICE_THRESHOLD = timedelta(minutes=5)

AHEAD = "This device's clock is about {amount} ahead of the city's server."
BEHIND = "This device's clock is about {amount} behind the city's server."
ADVICE = ("Login and sync still work, but collection days and reminders follow this device's "
          "clock. To fix it, turn on automatic date and time in the device's settings.")
MESSAGES = (AHEAD, BEHIND, ADVICE)


class Translate(Protocol):
    """What this module needs of `app.i18n.Translator`."""

    def __call__(self, message: str, **values: object) -> str: ...

    def has(self, message: str) -> bool: ...

    @property
    def babel_locale(self) -> str: ...


@dataclass(frozen=True)
class ClockSkew:
    ahead: bool  # True: the device's clock is later than the server's
    amount: timedelta  # how far, always positive


def clock_skew(offset: timedelta | None,
               threshold: timedelta = NOTICE_THRESHOLD) -> ClockSkew | None:
    """`offset` is server time − device time (`ServerClock.offset`); None when it is not
    known or small enough to say nothing."""
    if offset is None or abs(offset) <= threshold:
        return None
    return ClockSkew(ahead=offset < timedelta(), amount=abs(offset))


def format_amount(amount: timedelta, locale: str) -> str:
    """A rounded duration by Babel: "1 day", "3 hours"; Japanese without the space CLDR puts
    between number and unit (約1日, not 約1 日)."""
    text = format_timedelta(amount, threshold=0.85, format="long", locale=locale)
    if locale.startswith("ja"):
        text = text.replace("\u00a0", "").replace(" ", "")
    return text


def clock_notice(offset: timedelta | None, t: Translate) -> list[str]:
    """The lines to show (the difference, then the advice); none when the clock is fine."""
    skew = clock_skew(offset)
    if skew is None:
        return []
    message = AHEAD if skew.ahead else BEHIND
    # A language without this message shows the English sentence: the amount in English too.
    locale = t.babel_locale if t.has(message) else "en_US"
    return [t(message, amount=format_amount(skew.amount, locale)), t(ADVICE)]
