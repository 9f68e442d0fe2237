"""The waiting-number screen's state (`QueueScreenState`) with a fake source and clock:
polling only when due, how many are ahead, "called", offline with the data's age, taking a
number and its refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.features.reservations.queue.state import (
    POLL_SECONDS,
    QueueScreenState,
    parse_queue_route,
    queue_route,
)
from backend_client import BackendRejected, BackendUnavailable
from backend_client.reservations_queue import QueueStatus, QueueTicket

pytestmark = pytest.mark.anyio
DAY = date(2026, 12, 15)
START = datetime(2026, 12, 15, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment


def ticket(number: int, status: str = "waiting", ahead: int | None = 2) -> QueueTicket:
    return QueueTicket("kosodate", DAY, number, status, ahead=ahead)


class FakeQueue:
    def __init__(self) -> None:
        self.statuses: list[QueueStatus | Exception] = []
        self.taken: QueueTicket | Exception = ticket(7)
        self.reads = 0

    async def status(self, counter: str) -> QueueStatus:
        self.reads += 1
        answer = self.statuses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def take(self, counter: str) -> QueueTicket:
        if isinstance(self.taken, Exception):
            raise self.taken
        return self.taken


def status(serving: int | None, waiting: int, mine: QueueTicket | None = None,
           ahead: int | None = None) -> QueueStatus:
    return QueueStatus("kosodate", ("子育て支援課", "Children"), DAY, serving,
                       (serving,) if serving else (), waiting, mine, ahead)


def test_routes_name_the_counter() -> None:
    assert parse_queue_route(queue_route("kosodate")) == "kosodate"
    assert parse_queue_route("/reservations/queue/Bad!") is None
    assert parse_queue_route("/reservations") is None


async def test_take_then_poll_shows_ahead_and_then_called() -> None:
    source, clock = FakeQueue(), Clock()
    state = QueueScreenState(source, "kosodate", clock)
    assert await state.take()
    assert state.ticket is not None and state.ticket.number == 7 and state.due()
    source.statuses = [status(3, 4, ticket(7, ahead=2), 2), status(7, 2, ticket(7, "called",
                                                                                 None))]
    assert await state.poll()
    assert (state.serving, state.waiting, state.ahead, state.called) == (3, 4, 2, False)
    assert not state.due()  # read just now
    clock.moment += timedelta(seconds=POLL_SECONDS)
    assert state.due()
    assert await state.poll()
    assert state.called and state.ahead is None and state.serving == 7


async def test_a_number_no_longer_mine_is_finished() -> None:
    source = FakeQueue()
    state = QueueScreenState(source, "kosodate", Clock())
    await state.take()
    source.statuses = [status(8, 0)]
    await state.poll()
    assert state.finished and not state.called


async def test_offline_keeps_the_last_answer_with_its_age() -> None:
    source, clock = FakeQueue(), Clock()
    state = QueueScreenState(source, "kosodate", clock)
    source.statuses = [status(3, 4), BackendUnavailable("down")]
    await state.poll()
    clock.moment += timedelta(seconds=90)
    assert not await state.poll(online=False)
    assert state.offline and source.reads == 1 and state.age_seconds() == 90
    assert not await state.poll()  # the server unreachable
    assert state.offline and state.serving == 3


async def test_refusals_are_kept() -> None:
    source = FakeQueue()
    source.taken = BackendRejected(404, "no such counter", "counter_not_found")
    state = QueueScreenState(source, "kosodate", Clock())
    assert not await state.take()
    assert state.refusal is not None and state.refusal.code == "counter_not_found"
    assert not await state.take(online=False)
    assert state.refusal is not None and state.refusal.code == "offline"
