"""The kiosk's 整理券 tile (`app/features/numbers/`) with a fake kiosk source and clock: the
counters listed, a number taken with one press (a second press while it runs is ignored),
how many are ahead, 「お呼びしています」 when the counter calls it, offline keeping the last list
with its time, a missing or refused key, 429 and 404, and a kiosk reset dropping it all; the
two screens rendered in Japanese and English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from app.features.numbers.state import (
    BUSY,
    GONE,
    POLL_SECONDS,
    NumbersState,
    parse_ticket_route,
    ticket_route,
)
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendRejected, BackendUnavailable
from backend_client.reservations_queue import QueueTicket
from tests.unit.test_views_build import texts

pytestmark = pytest.mark.anyio
DAY = date(2026, 12, 15)
START = datetime(2026, 12, 15, 1, 0, tzinfo=UTC)  # 10:00 in Tsuyama
KOSODATE = ("子育て支援課", "Child Support Division")
SHIMIN = ("市民課", "Citizens Division")


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Counter:  # the shape of backend_client.kiosk_queue.KioskCounter
    counter: str
    name: tuple[str, str]
    serving: int | None
    waiting: int


@dataclass(frozen=True)
class Board:  # the shape of backend_client.kiosk_queue.KioskCounters
    kiosk: str
    counters: tuple[Counter, ...]
    as_of: datetime | None


def board(kosodate_serving: int | None = None, kosodate_waiting: int = 0, *,
          shimin: bool = True, as_of: datetime | None = START) -> Board:
    counters = [Counter("kosodate", KOSODATE, kosodate_serving, kosodate_waiting)]
    if shimin:
        counters.append(Counter("shimin", SHIMIN, 4, 2))
    return Board("開発用キオスク", tuple(counters), as_of)


def ticket(number: int, ahead: int | None, counter: str = "kosodate") -> QueueTicket:
    return QueueTicket(counter, DAY, number, "waiting", channel="kiosk", ahead=ahead,
                       issued_at=START, name=KOSODATE if counter == "kosodate" else SHIMIN)


def rejected(status: int, code: str) -> BackendRejected:
    return BackendRejected(status, code, code)


class FakeKiosk:
    """Answers in order; `hold_reads` / `hold_takes` keep a request running until set."""

    def __init__(self) -> None:
        self.boards: list[Board | Exception] = []
        self.tickets: list[QueueTicket | Exception] = []
        self.reads = 0
        self.takes: list[str] = []
        self.hold_reads: anyio.Event | None = None
        self.hold_takes: anyio.Event | None = None

    async def counters(self) -> Board:
        self.reads += 1
        if self.hold_reads is not None:
            await self.hold_reads.wait()
        answer = self.boards.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def take(self, counter: str) -> QueueTicket:
        self.takes.append(counter)
        if self.hold_takes is not None:
            await self.hold_takes.wait()
        answer = self.tickets.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def make() -> tuple[NumbersState, FakeKiosk, Clock]:
    source, clock = FakeKiosk(), Clock()
    return NumbersState(source, clock), source, clock


# --- the state ----------------------------------------------------------------------------
async def test_the_list_is_read_when_due_and_every_poll_interval():
    state, source, clock = make()
    assert state.due() and state.board is None
    source.boards.append(board(3, 2))
    assert await state.poll()
    assert [c.counter for c in state.counters] == ["kosodate", "shimin"]
    kosodate = state.counter("kosodate")
    assert kosodate is not None and kosodate.serving == 3 and kosodate.waiting == 2
    assert state.as_of == START and not state.offline
    assert not state.due()
    clock.advance(POLL_SECONDS - 1)
    assert not state.due()
    clock.advance(1)
    assert state.due()


async def test_the_list_time_is_the_kiosk_read_time_when_the_city_sends_none():
    state, source, clock = make()
    clock.advance(30)
    source.boards.append(board(as_of=None))
    await state.poll()
    assert state.as_of == START + timedelta(seconds=30)


async def test_one_press_takes_a_number_and_the_list_is_read_again_at_once():
    state, source, _ = make()
    source.boards.append(board(None, 1))
    await state.poll()
    source.tickets.append(ticket(2, ahead=1))
    assert await state.take("kosodate")
    assert source.takes == ["kosodate"]
    assert state.ticket is not None and state.ticket.number == 2
    assert state.ahead == 1 and not state.called and state.taking is None
    assert state.ticket_name() == KOSODATE
    assert state.due()  # read at once: the number called, how many wait
    # The first number is called: only this one still waits, none ahead of it.
    source.boards.append(board(1, 1))
    await state.poll()
    assert state.ahead == 0 and not state.called


async def test_a_second_press_while_the_number_is_issued_is_ignored():
    state, source, _ = make()
    source.hold_takes = anyio.Event()
    source.tickets.append(ticket(1, ahead=0))
    results: list[bool] = []

    async def press() -> None:
        results.append(await state.take("kosodate"))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(press)
        await anyio.wait_all_tasks_blocked()
        assert state.taking == "kosodate"
        assert not await state.take("kosodate")  # the same counter again
        assert not await state.take("shimin")  # or another: one number at a time
        source.hold_takes.set()
    assert results == [True]
    assert source.takes == ["kosodate"]
    assert state.ticket is not None and state.ticket.number == 1


async def test_a_read_that_began_before_the_number_was_issued_does_not_lower_ahead():
    state, source, _ = make()
    source.hold_reads = anyio.Event()
    source.boards.append(board(None, 1))  # read before the number: one waiting, not us
    source.tickets.append(ticket(2, ahead=1))
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(state.poll)
        await anyio.wait_all_tasks_blocked()
        assert await state.take("kosodate")
        source.hold_reads.set()
    assert state.board is not None and state.ahead == 1


async def test_called_when_the_counter_serves_the_number_then_called_before():
    state, source, _ = make()
    source.tickets.append(ticket(5, ahead=0))
    await state.take("kosodate")
    source.boards.append(board(5, 0))
    await state.poll()
    assert state.called and state.was_called and state.ahead is None
    # The clerk moves on (or finishes it): the number is no longer the one called.
    source.boards.append(board(6, 0))
    await state.poll()
    assert not state.called and state.was_called and state.ahead is None
    state.finish()
    assert state.ticket is None and not state.was_called and not state.called


async def test_offline_keeps_the_last_list_and_its_time_and_says_so():
    state, source, clock = make()
    source.boards.append(board(3, 2))
    await state.poll()
    clock.advance(POLL_SECONDS)
    source.boards.append(BackendUnavailable("down"))
    assert not await state.poll()
    assert state.offline and state.board is not None and state.as_of == START
    assert state.counter("kosodate") is not None
    # The shell knows the link is down: nothing is asked.
    reads = source.reads
    assert not await state.poll(online=False)
    assert source.reads == reads and state.offline
    # A press offline issues nothing and says so.
    assert not await state.take("kosodate", online=False)
    assert source.takes == [] and state.offline
    source.tickets.append(BackendUnavailable("down"))
    assert not await state.take("kosodate")
    assert state.offline and state.ticket is None and state.problem is None
    # Back online: the list again, the message gone.
    clock.advance(POLL_SECONDS)
    source.boards.append(board(4, 1))
    assert await state.poll()
    assert not state.offline and state.as_of == START


async def test_without_a_key_nothing_is_asked():
    clock = Clock()
    state = NumbersState(None, clock)
    assert state.key_refused and not state.due()
    assert not await state.poll()
    assert not await state.take("kosodate")
    assert state.board is None and state.ticket is None


async def test_a_refused_key_stops_the_reads_and_says_so():
    state, source, clock = make()
    source.boards.append(rejected(401, "kiosk_key_invalid"))
    assert not await state.poll()
    assert state.key_refused and not state.offline
    clock.advance(POLL_SECONDS * 3)
    assert not state.due()
    assert not await state.take("kosodate")
    assert source.reads == 1 and source.takes == []


async def test_a_key_refused_when_taking_says_the_same():
    state, source, _ = make()
    source.tickets.append(rejected(401, "kiosk_key_invalid"))
    assert not await state.take("kosodate")
    assert state.key_refused and state.ticket is None


async def test_too_many_numbers_just_now_asks_to_wait_and_the_next_press_works():
    state, source, _ = make()
    source.tickets.append(rejected(429, "kiosk_rate_limited"))
    assert not await state.take("kosodate")
    assert state.problem == BUSY and state.ticket is None and state.taking is None
    source.tickets.append(ticket(3, ahead=2))
    assert await state.take("kosodate")
    assert state.problem is None and state.ticket is not None


async def test_a_counter_gone_reloads_the_list():
    state, source, _ = make()
    source.boards.append(board(None, 0))
    await state.poll()
    source.tickets.append(rejected(404, "counter_not_found"))
    source.boards.append(board(None, 0, shimin=False))  # the city no longer lists 市民課
    assert not await state.take("shimin")
    assert state.problem == GONE and state.ticket is None
    assert source.reads == 2 and state.counter("shimin") is None


async def test_another_refusal_is_a_failure_not_a_crash():
    state, source, _ = make()
    source.tickets.append(rejected(422, "invalid"))
    assert not await state.take("kosodate")
    assert state.problem == "failed" and state.ticket is None and not state.key_refused


def test_screen_routes():
    assert ticket_route("kosodate") == "/numbers/kosodate"
    assert parse_ticket_route("/numbers/kosodate") == "kosodate"
    assert parse_ticket_route("/numbers/kosodate/") == "kosodate"
    assert parse_ticket_route("/numbers") is None
    assert parse_ticket_route("/numbers/Bad_Id") is None
    assert parse_ticket_route("/reservations/queue/kosodate") is None


# --- the session: a kiosk reset drops it ---------------------------------------------------
def kiosk_ctx(route: str = "/numbers", key: str = "", language: str = "ja",
              scheduled: list | None = None, went: list[str] | None = None) -> ViewContext:
    from app.account.account_state import AccountState
    from app.account.device_data import DeviceData
    from app.account.token_store import MemoryTokenStore
    from app.device.public_content import PublicContent
    from app.services import AppServices
    from backend_client import BackendClient

    state = ShellState(FeatureRegistry.load(), Mode.KIOSK, Settings(language=language))
    state.navigate(route)
    backend = BackendClient("http://127.0.0.1:9")
    public = PublicContent(Path("/nonexistent"), backend)
    services = AppServices(backend, "http://127.0.0.1:9",
                           AccountState(backend, MemoryTokenStore()),
                           DeviceData(Path("/nonexistent"), backend, kiosk=True, public=public),
                           public, kiosk_key=key)
    sink = scheduled if scheduled is not None else []
    routes = went if went is not None else []
    return ViewContext.for_state(state, routes.append, lambda *a: sink.append(a), services)


def seed(ctx: ViewContext, source: FakeKiosk | NumbersState) -> NumbersState:
    """The session's tile state, made before the tile makes its own (over a fake city)."""
    from app.features.numbers.wiring import STATE_KEY

    assert ctx.services is not None
    made = source if isinstance(source, NumbersState) else NumbersState(source, Clock())
    return ctx.services.feature_state(STATE_KEY, lambda: made)


def test_the_tile_is_the_kiosks_first_and_nowhere_else():
    registry = FeatureRegistry.load()
    spec = registry.get("numbers")
    assert spec is not None and spec.modes == frozenset({Mode.KIOSK})
    assert not spec.needs_login and spec.built
    assert registry.for_mode(Mode.KIOSK)[0].id == "numbers"
    assert all(s.id != "numbers" for s in registry.for_mode(Mode.RESIDENT))
    assert all(s.id != "numbers" for s in registry.for_mode(Mode.VISITOR))
    resident = ShellState(registry, Mode.RESIDENT, Settings())
    assert resident.resolve("/numbers").kind == "home"
    kiosk = ShellState(registry, Mode.KIOSK, Settings())
    assert kiosk.resolve("/numbers/kosodate").route == "/numbers/kosodate"
    kiosk.navigate("/numbers/kosodate")
    assert kiosk.back_route() == "/numbers"


def test_prepare_starts_one_loop_and_a_kiosk_reset_drops_the_state():
    from app.features.numbers.wiring import numbers_state, prepare

    scheduled: list = []
    ctx = kiosk_ctx(key="tk1_test", scheduled=scheduled)
    prepare(ctx)
    prepare(ctx)  # a second render starts no second loop
    assert len(scheduled) == 1
    first = numbers_state(ctx)
    assert not first.key_refused and first.polling
    first.ticket = ticket(1, ahead=0)
    assert ctx.services is not None
    ctx.services.reset_for_next_user()
    second = numbers_state(ctx)
    assert second is not first and second.ticket is None and not second.polling


def test_without_a_key_the_screen_says_to_ask_the_staff():
    from app.features.numbers.wiring import build_view, numbers_state

    ctx = kiosk_ctx(key="")
    assert numbers_state(ctx).key_refused
    shown = texts(build_view(ctx))
    assert "この端末では整理券を発行できません。職員にお声がけください。" in shown


# --- the screens ---------------------------------------------------------------------------
async def test_the_list_screen_in_japanese_and_english():
    from app.features.numbers.wiring import build_view, numbers_state

    ctx = kiosk_ctx(key="tk1_test")
    source = FakeKiosk()
    state = seed(ctx, source)
    assert numbers_state(ctx) is state
    assert "読み込んでいます…" in texts(build_view(ctx))
    source.boards.append(board(None, 0))
    await state.poll()
    shown = texts(build_view(ctx))
    assert "子育て支援課" in shown and "市民課" in shown
    assert "呼出中の番号はありません" in shown and "お待ち 0人" in shown
    assert "呼出中 4番" in shown and "お待ち 2人" in shown
    assert "10:00 現在" in shown
    assert "Child Support Division" not in shown
    assert "通信できません。職員にお声がけください。" not in shown

    english = kiosk_ctx(key="tk1_test", language="en")
    seed(english, state)
    shown = texts(build_view(english))
    assert "Child Support Division" in shown and "子育て支援課" not in shown
    assert "Now calling: No. 4" in shown and "Waiting: 2" in shown
    assert any(s.startswith("Numbers as of 10:00") for s in shown)

    # Offline: the last list with its time, and what to do.
    state.offline = True
    shown = texts(build_view(ctx))
    assert "通信できません。職員にお声がけください。" in shown
    assert "子育て支援課" in shown and "10:00 現在" in shown
    state.offline = False
    state.problem = BUSY
    assert "少しお待ちください" in texts(build_view(ctx))


async def test_the_number_screen_and_the_call():
    from app.features.numbers.wiring import build_view

    ctx = kiosk_ctx("/numbers/kosodate", key="tk1_test")
    source = FakeKiosk()
    state = seed(ctx, source)
    # No number taken (a reload of the address): the list, not an empty number screen.
    assert "あなたの受付番号" not in texts(build_view(ctx))
    source.tickets.append(ticket(12, ahead=3))
    await state.take("kosodate")
    shown = texts(build_view(ctx))
    assert "子育て支援課" in shown and "12" in shown
    assert "あなたの受付番号は12番です" in shown
    assert "あなたの前に 3人" in shown
    assert "番号が呼ばれたら窓口へお越しください" in shown
    assert "発行 10:00" in shown and "終わる" in shown
    assert "お呼びしています。窓口へお越しください" not in shown

    source.boards.append(board(12, 0))
    await state.poll()
    shown = texts(build_view(ctx))
    assert "お呼びしています。窓口へお越しください" in shown
    assert not any(s.startswith("あなたの前に") for s in shown)

    # Another counter's address shows the list (the number belongs to 子育て支援課).
    other = kiosk_ctx("/numbers/shimin", key="tk1_test")
    seed(other, state)
    assert "お呼びしています。窓口へお越しください" not in texts(build_view(other))


def find_by_identifier(controls, identifier: str):
    """The control of a tree with this semantics identifier."""
    import flet as ft

    stack = list(controls)
    while stack:
        control = stack.pop()
        if isinstance(control, ft.Semantics) and control.identifier == identifier:
            return control
        for attr in ("content", "controls"):
            child = getattr(control, attr, None)
            if isinstance(child, list):
                stack.extend(child)
            elif isinstance(child, ft.BaseControl):
                stack.append(child)
    raise AssertionError(f"no control {identifier!r}")


async def test_two_taps_on_a_counter_issue_one_number_and_open_it():
    from app.features.numbers.wiring import build_view

    scheduled: list = []
    went: list[str] = []
    ctx = kiosk_ctx(key="tk1_test", scheduled=scheduled, went=went)
    source = FakeKiosk()
    state = seed(ctx, source)
    source.boards.append(board(None, 0))
    await state.poll()
    button = find_by_identifier(build_view(ctx), "numbers-counter-kosodate")
    source.hold_takes = anyio.Event()
    source.tickets.append(ticket(1, ahead=0))
    button.on_tap(None)
    button.on_tap(None)  # the walk-in presses again while the number is issued
    assert len(scheduled) == 2
    async with anyio.create_task_group() as tasks:
        for job in scheduled:
            tasks.start_soon(job[0])
        await anyio.wait_all_tasks_blocked()
        source.hold_takes.set()
    assert source.takes == ["kosodate"] and went == ["/numbers/kosodate"]


async def test_a_number_issued_after_a_kiosk_reset_opens_nothing():
    from app.features.numbers.wiring import build_view

    scheduled: list = []
    went: list[str] = []
    ctx = kiosk_ctx(key="tk1_test", scheduled=scheduled, went=went)
    source = FakeKiosk()
    state = seed(ctx, source)
    source.boards.append(board(None, 0))
    await state.poll()
    find_by_identifier(build_view(ctx), "numbers-counter-kosodate").on_tap(None)
    source.tickets.append(ticket(1, ahead=0))
    ctx.state.navigate("/")  # the idle reset went home before the answer came
    await scheduled[0][0]()
    assert went == []
