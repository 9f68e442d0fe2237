"""The kiosk's 整理券 screens in plain Python (testable with a fake source and clock).

Screen 1 lists the counters this kiosk may issue numbers for (the number being called, how
many wait, when the list was read); one press on a counter issues its next number at once,
like the paper ticket machine (a second press while the request runs is ignored). Screen 2
shows that number until 「終わる」: how many are ahead of it and, when the counter calls it,
「お呼びしています」. Both read the list again every `POLL_SECONDS` while open and online
(`due`, `poll`; the loop is `wiring._keep_polling`); offline, the last list stays with its age.

Nobody logs in: the kiosk sends its device key (`AppServices.kiosk_key`). Without one, or
when the city refuses it, the screens say to ask the staff. A kiosk reset drops this state
(it lives in `AppServices.feature_state`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from app.observable import Observable
from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.reservations_queue import QueueTicket

__all__ = ["POLL_SECONDS", "ROUTE", "CounterNow", "KioskBoard", "NumbersSource",
           "NumbersState", "parse_ticket_route", "problem_of", "ticket_route"]

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0  # how often an open, online screen reads the list again
ROUTE = "/numbers"
_COUNTER = re.compile(r"[a-z0-9-]{1,64}")

# What went wrong, as the screens say it (views map each to a message).
NO_KEY = "no_key"  # no kiosk key configured, or the city refused it (401)
BUSY = "busy"  # too many numbers from this kiosk just now (429)
GONE = "gone"  # the counter issues no numbers (any more) here (404): the list is read again
FAILED = "failed"  # anything else the city refused
OFFLINE = "offline"  # the city cannot be reached


def ticket_route(counter: str) -> str:
    """Screen 2's own URL (the browser's back returns to the list)."""
    return f"{ROUTE}/{counter}"


def parse_ticket_route(route: str) -> str | None:
    """The counter of a `/numbers/<counter>` route, else None."""
    path = route.split("?", 1)[0].rstrip("/")
    if not path.startswith(f"{ROUTE}/"):
        return None
    counter = path[len(ROUTE) + 1:]
    return counter if _COUNTER.fullmatch(counter) else None


class CounterNow(Protocol):
    """One counter as the kiosk reads it (`backend_client.kiosk_queue.KioskCounter`)."""

    @property
    def counter(self) -> str: ...

    @property
    def name(self) -> tuple[str, str]: ...  # (Japanese, English)

    @property
    def serving(self) -> int | None: ...  # the number called last (None: none today)

    @property
    def waiting(self) -> int: ...


class KioskBoard(Protocol):
    """The counters of this kiosk (`backend_client.kiosk_queue.KioskCounters`)."""

    @property
    def counters(self) -> Sequence[CounterNow]: ...

    @property
    def as_of(self) -> datetime | None: ...  # when the city read them (UTC)


class NumbersSource(Protocol):
    async def counters(self) -> KioskBoard: ...

    async def take(self, counter: str) -> QueueTicket: ...


def problem_of(exc: Exception) -> str:
    """The screens' name for a failed request."""
    if isinstance(exc, BackendUnavailable):
        return OFFLINE
    if isinstance(exc, BackendRejected):
        if exc.code == "kiosk_key_invalid" or exc.status_code == 401:
            return NO_KEY
        if exc.code == "kiosk_rate_limited" or exc.status_code == 429:
            return BUSY
        if exc.code == "counter_not_found" or exc.status_code == 404:
            return GONE
    return FAILED


class NumbersState(Observable):
    """`source` None: this kiosk has no key (nothing is asked of the city)."""

    def __init__(self, source: NumbersSource | None, now: Callable[[], datetime]) -> None:
        super().__init__()
        self._source = source
        self.now = now
        self.board: KioskBoard | None = None  # the list as last read
        self.read_at: datetime | None = None  # when `board` was read (the `now` clock)
        self.tried_at: datetime | None = None  # the last read asked, answered or not
        self.offline = False  # the last request did not reach the city
        self.key_refused = source is None
        self.problem: str | None = None  # the last press's: BUSY, GONE or FAILED
        self.taking: str | None = None  # the counter whose number is being issued
        self.ticket: QueueTicket | None = None  # the number on screen 2
        self.was_called = False  # the ticket's number was seen being called
        self._ahead: int | None = None
        self.polling = False  # the loop of `wiring` runs

    # --- what the screens show ------------------------------------------------------------
    @property
    def counters(self) -> Sequence[CounterNow]:
        return self.board.counters if self.board is not None else ()

    def counter(self, counter: str) -> CounterNow | None:
        return next((c for c in self.counters if c.counter == counter), None)

    @property
    def as_of(self) -> datetime | None:
        """The list's time: the city's, else when this kiosk read it."""
        if self.board is not None and self.board.as_of is not None:
            return self.board.as_of
        return self.read_at

    def ticket_name(self) -> tuple[str, str]:
        """The (Japanese, English) name of the ticket's counter."""
        if self.ticket is None:
            return ("", "")
        if self.ticket.name is not None:
            return self.ticket.name
        now = self.counter(self.ticket.counter)
        return now.name if now is not None else (self.ticket.counter, self.ticket.counter)

    @property
    def called(self) -> bool:
        """The counter calls the ticket's number now."""
        if self.ticket is None:
            return False
        now = self.counter(self.ticket.counter)
        return now is not None and now.serving == self.ticket.number

    @property
    def ahead(self) -> int | None:
        """How many are called before the ticket (None: it is being or was called). The
        city's count when issued, then never more than the others still waiting."""
        if self.ticket is None or self.called or self.was_called:
            return None
        return self._ahead

    # --- reading the list -----------------------------------------------------------------
    def due(self) -> bool:
        """Whether the list should be read again now (never with a refused key)."""
        if self.key_refused:
            return False
        if self.tried_at is None:
            return True
        return (self.now() - self.tried_at).total_seconds() >= POLL_SECONDS

    async def poll(self, online: bool = True) -> bool:
        """Reads the list (offline: keeps the last one and says so)."""
        if self._source is None or self.key_refused:
            return False
        if not online:
            if not self.offline:
                self.offline = True
                self._changed()
            return False
        self.tried_at = self.now()
        ticket = self.ticket
        try:
            board = await self._source.counters()
        except BackendError as exc:
            log.info("kiosk counters not read: %s", exc)
            if problem_of(exc) == NO_KEY:
                self.key_refused = True
            else:
                self.offline = True  # the screens say: cannot connect, ask the staff
            self._changed()
            return False
        self.board = board
        self.read_at = self.now()
        self.offline = False
        if self.ticket is not None and self.ticket is ticket:  # not issued meanwhile
            self._follow_ticket()
        self._changed()
        return True

    def _follow_ticket(self) -> None:
        assert self.ticket is not None
        if self.called:
            self.was_called = True
            return
        now = self.counter(self.ticket.counter)
        if now is None or self.was_called:
            return
        others = max(now.waiting - 1, 0)  # everyone ahead waits, and so does this number
        self._ahead = others if self._ahead is None else min(self._ahead, others)

    # --- taking a number ------------------------------------------------------------------
    async def take(self, counter: str, online: bool = True) -> bool:
        """One press on a counter: its next number (a press while one is issued: nothing)."""
        if self.taking is not None or self._source is None or self.key_refused:
            return False
        if not online:
            self.offline = True
            self._changed()
            return False
        self.taking = counter
        self.problem = None
        self._changed()
        try:
            ticket = await self._source.take(counter)
        except BackendError as exc:
            log.info("no number issued at %s: %s", counter, exc)
            problem = problem_of(exc)
            if problem == NO_KEY:
                self.key_refused = True
            elif problem == OFFLINE:
                self.offline = True
            else:
                self.problem = problem
            self.taking = None
            self._changed()
            if problem == GONE:
                await self.poll()  # the list as the city has it now
            return False
        self.taking = None
        self.ticket = ticket
        self.was_called = False
        self._ahead = ticket.ahead
        self.offline = False
        self.tried_at = None  # read the list at once: the number called, how many wait
        self._changed()
        return True

    def finish(self) -> None:
        """「終わる」: the number leaves the screen (the next person never sees it)."""
        self.ticket = None
        self.was_called = False
        self._ahead = None
        self.problem = None
        self._changed()
