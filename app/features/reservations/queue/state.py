"""The waiting-number screen in plain Python (testable with a fake source and clock): one
counter's state as last read (the number served, how many wait, my ticket and how many are
ahead of it), when it was read, whether the device is offline, and "my number was called".

The screen reads the counter every `POLL_SECONDS` while it is open and online
(`due`, `poll`; the loop is `wiring._keep_polling`). Offline, the last answer stays on
screen with its age (`age_seconds`) and nothing is asked of the server."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from app.observable import Observable
from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.reservations_queue import QueueStatus, QueueTicket

__all__ = ["POLL_SECONDS", "QueueScreenState", "QueueSource", "QueueStatus", "QueueTicket",
           "Refusal", "parse_queue_route", "queue_route"]

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0  # how often an open, online screen reads the counter again
QUEUE_PREFIX = "/reservations/queue/"
_COUNTER = re.compile(r"[a-z0-9-]{1,64}")


def queue_route(counter: str) -> str:
    return f"{QUEUE_PREFIX}{counter}"


def parse_queue_route(route: str) -> str | None:
    """The counter of a `/reservations/queue/<counter>` route, else None."""
    path = route.split("?", 1)[0].rstrip("/")
    if not path.startswith(QUEUE_PREFIX):
        return None
    counter = path[len(QUEUE_PREFIX):]
    return counter if _COUNTER.fullmatch(counter) else None


class QueueSource(Protocol):
    async def status(self, counter: str) -> QueueStatus: ...

    async def take(self, counter: str) -> QueueTicket: ...


@dataclass(frozen=True)
class Refusal:
    """Why something was not done: the backend's code (`counter_not_found`, ...) or the
    screen's own (`offline`, `failed`)."""

    code: str
    detail: str = ""


def refusal_of(exc: Exception) -> Refusal:
    if isinstance(exc, BackendRejected):
        return Refusal(exc.code or ("counter_not_found" if exc.status_code == 404
                                    else "failed"), exc.detail)
    if isinstance(exc, BackendUnavailable):
        return Refusal("offline", str(exc))
    return Refusal("failed", str(exc))


class QueueScreenState(Observable):
    def __init__(self, source: QueueSource, counter: str,
                 now: Callable[[], datetime]) -> None:
        super().__init__()
        self._source = source
        self.counter = counter
        self.now = now
        self.status: QueueStatus | None = None
        self.ticket: QueueTicket | None = None  # my ticket of today (open or just closed)
        self.read_at: datetime | None = None  # when `status` was read
        self.tried_at: datetime | None = None  # the last read asked, answered or not
        self.offline = False
        self.refusal: Refusal | None = None  # the last read's or take's
        self.taking = False
        self.polling = False  # the loop of `wiring` runs

    # --- what the screen shows ------------------------------------------------------------
    @property
    def name(self) -> tuple[str, str]:
        return self.status.name if self.status is not None else (self.counter, self.counter)

    @property
    def serving(self) -> int | None:
        return self.status.serving if self.status is not None else None

    @property
    def waiting(self) -> int | None:
        return self.status.waiting if self.status is not None else None

    @property
    def ahead(self) -> int | None:
        """How many are called before my number (None: no number waiting)."""
        if self.ticket is None or self.ticket.status != "waiting":
            return None
        if self.status is not None and self.status.mine is not None:
            return self.status.ahead if self.status.ahead is not None else self.ticket.ahead
        return self.ticket.ahead

    @property
    def called(self) -> bool:
        """My number is being called: come to the counter."""
        return self.ticket is not None and self.ticket.status == "called"

    @property
    def finished(self) -> bool:
        """My number was served or passed over (it no longer appears as mine)."""
        return self.ticket is not None and not self.ticket.open

    def age_seconds(self) -> int | None:
        """How old the shown data is (None: nothing read yet)."""
        if self.read_at is None:
            return None
        return max(int((self.now() - self.read_at).total_seconds()), 0)

    # --- reading --------------------------------------------------------------------------
    def due(self) -> bool:
        """Whether the counter should be read again now."""
        if self.tried_at is None:
            return True
        return (self.now() - self.tried_at).total_seconds() >= POLL_SECONDS

    def went_offline(self) -> None:
        if not self.offline:
            self.offline = True
            self._changed()

    async def poll(self, online: bool = True) -> bool:
        """Reads the counter (offline: keeps the last answer and says so)."""
        if not online:
            self.went_offline()
            return False
        self.tried_at = self.now()
        try:
            status = await self._source.status(self.counter)
        except BackendUnavailable as exc:
            log.info("queue %s not read: %s", self.counter, exc)
            self.offline = True
            self._changed()
            return False
        except BackendError as exc:
            log.info("queue %s refused: %s", self.counter, exc)
            self.offline = False
            self.refusal = refusal_of(exc)
            self._changed()
            return False
        self._read(status)
        return True

    def _read(self, status: QueueStatus) -> None:
        self.status = status
        self.read_at = self.now()
        self.offline = False
        self.refusal = None
        if status.mine is not None:
            self.ticket = status.mine
        elif self.ticket is not None and self.ticket.open and self.ticket.day == status.day:
            # Not open any more: served (done) or passed over; the server says no more.
            self.ticket = _closed(self.ticket)
        elif self.ticket is not None and self.ticket.day != status.day:
            self.ticket = None  # yesterday's number
        self._changed()

    # --- taking a number ------------------------------------------------------------------
    async def take(self, online: bool = True) -> bool:
        """「整理券を取る」: today's next number (the one I hold if I have one)."""
        if self.taking:
            return False
        if not online:
            self.refusal = Refusal("offline")
            self._changed()
            return False
        self.taking = True
        self._changed()
        try:
            ticket = await self._source.take(self.counter)
        except BackendError as exc:
            log.info("no number taken at %s: %s", self.counter, exc)
            self.refusal = refusal_of(exc)
            self.offline = isinstance(exc, BackendUnavailable)
            return False
        finally:
            self.taking = False
            self._changed()
        self.ticket = ticket
        self.refusal = None
        self.offline = False
        self.tried_at = None  # read the counter at once: the number served, how many wait
        self._changed()
        return True


def _closed(ticket: QueueTicket) -> QueueTicket:
    return replace(ticket, status="done", ahead=None)
