"""The waiting-number queue's caller in plain Python (testable with a fake source): the
counters of the department's resources, the chosen one's tickets of today and the call
order, and the clerk's moves: call the next (appointments due first), skip, done, and a
walk-in number for someone without the app (shown big, to write down or print).

The screen reads the counter again every `REFRESH_SECONDS` while it is open
(`wiring._keep_caller_fresh`), so numbers taken meanwhile appear."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from app.features.reservations.staff.state import (
    CallerScreen,
    QueueTicket,
    Refusal,
    ReservationsStaffSource,
    StaffResource,
    refusal_of,
)
from app.observable import Observable
from backend_client import BackendError

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0


def counters_of(resources: list[StaffResource],
                department: str) -> list[tuple[str, tuple[str, str]]]:
    """(counter, (ja, en) name) of the department's resources that have a queue, once
    each, in the resources' order."""
    seen: dict[str, tuple[str, str]] = {}
    for resource in resources:
        if (resource.department == department and resource.queue_counter
                and not resource.withdrawn and resource.queue_counter not in seen):
            seen[resource.queue_counter] = resource.queue_name or (resource.queue_counter,) * 2
    return list(seen.items())


class CallerState(Observable):
    def __init__(self, source: ReservationsStaffSource, department: str,
                 now: Callable[[], datetime]) -> None:
        super().__init__()
        self._source = source
        self.department = department
        self.now = now
        self.counters: list[tuple[str, tuple[str, str]]] = []
        self.counters_read = False
        self.counter = ""
        self.screen: CallerScreen | None = None
        self.read_at: datetime | None = None
        self.busy = ""
        self.refusal: Refusal | None = None
        self.called: QueueTicket | None = None  # the number just called
        self.walk_in: QueueTicket | None = None  # the walk-in number just issued
        self.refreshing = False  # the loop of `wiring` runs

    async def load_counters(self) -> None:
        try:
            resources = await self._source.resources()
        except BackendError as exc:
            log.warning("queue counters not read: %s", exc)
            self.refusal = refusal_of(exc)
            self._changed()
            return
        self.counters = counters_of(resources, self.department)
        self.counters_read = True
        if self.counter not in dict(self.counters):
            self.counter = self.counters[0][0] if self.counters else ""
        self._changed()

    def choose_counter(self, counter: str) -> None:
        if counter in dict(self.counters) and counter != self.counter:
            self.counter = counter
            self.screen, self.called, self.walk_in, self.refusal = None, None, None, None
            self.read_at = None
            self._changed()

    def due(self, seconds: float = REFRESH_SECONDS) -> bool:
        return bool(self.counter) and (
            self.read_at is None or (self.now() - self.read_at).total_seconds() >= seconds)

    async def load_screen(self) -> bool:
        if not self.counter:
            return False
        counter = self.counter
        self.read_at = self.now()
        try:
            screen = await self._source.caller_screen(counter)
        except BackendError as exc:
            log.info("caller screen %s not read: %s", counter, exc)
            self.refusal = refusal_of(exc)
            self._changed()
            return False
        if counter == self.counter:
            self.screen = screen
        self._changed()
        return True

    @property
    def waiting(self) -> list[QueueTicket]:
        """Today's waiting tickets in call order."""
        if self.screen is None:
            return []
        by_number = {t.number: t for t in self.screen.tickets}
        return [by_number[n] for n in self.screen.call_order if n in by_number]

    @property
    def open_called(self) -> list[QueueTicket]:
        return [t for t in self.screen.tickets if t.status == "called"] if self.screen else []

    async def _act(self, action: str, call: Callable[[], Awaitable[QueueTicket]]) -> bool:
        if self.busy or not self.counter:
            return False
        self.busy = action
        self._changed()
        try:
            ticket = await call()
        except BackendError as exc:
            log.info("queue %s: %s refused: %s", self.counter, action, exc)
            self.refusal = refusal_of(exc)
            return False
        finally:
            self.busy = ""
            self._changed()
        self.refusal = None
        if action == "call":
            self.called = ticket
        elif action == "walk_in":
            self.walk_in = ticket
        elif self.called is not None and self.called.number == ticket.number:
            self.called = None
        await self.load_screen()
        return True

    async def call_next(self) -> bool:
        counter = self.counter

        async def call() -> QueueTicket:
            return (await self._source.call_next(counter)).ticket

        return await self._act("call", call)

    async def skip(self, number: int) -> bool:
        counter = self.counter
        return await self._act(f"skip-{number}", lambda: self._source.skip(counter, number))

    async def done(self, number: int) -> bool:
        counter = self.counter
        return await self._act(f"done-{number}", lambda: self._source.done(counter, number))

    async def issue_walk_in(self) -> bool:
        counter = self.counter
        return await self._act("walk_in", lambda: self._source.walk_in(counter))

    def close_walk_in(self) -> None:
        self.walk_in = None
        self._changed()
