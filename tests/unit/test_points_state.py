"""The points tile's states with fakes of its ports: the balance read from the device, the
payment flow (offline, static and dynamic codes, refusals, a lost answer sent again with the
same key), earning online and offline, the customer code's countdown, the PIN form; every
screen builds; every message has its Japanese translation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import flet as ft
import pytest

from app.features.points import problems
from app.features.points.earning import NO_CODE as EARN_NO_CODE
from app.features.points.earning import NOT_SIGNED_IN, QUEUED
from app.features.points.payment import NO_AMOUNT, NO_PIN
from app.features.points.payment import NO_CODE as PAY_NO_CODE
from app.features.points.pin_form import MISMATCH, NO_CURRENT, SAME, SAVED
from app.features.points.pin_rules import digits_only, pin_acceptable
from app.features.points.state import PayStep, PointsState, Screen
from app.features.points.views import points_body
from app.features.points.views.actions import NO_CODE_IN_PICTURE
from app.features.points.views.earn import CLAIM_STATES
from app.features.points.views.text import KIND_LABELS, PURPOSE_LABELS
from app.features.points.wallet_rows import ClaimItem, FamilyMember, WalletSnapshot
from app.i18n.translator import load_translator
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendRejected, BackendUnavailable
from backend_client.points_dto import (
    ClaimResult,
    CustomerCode,
    ExpiringPoints,
    HistoryPage,
    PaymentPreview,
    PointsTransfer,
    Receipt,
    ShopRef,
)

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
SHOP = ShopRef("s1", "津山商店", "food")
LINES = [PointsTransfer("t2", "pay", "shop_payment", -120, NOW - timedelta(days=1), "津山商店"),
         PointsTransfer("t1", "earn", "event", 300, NOW - timedelta(days=40))]


def receipt(amount: int = 120) -> Receipt:
    return Receipt("r1", "pay", amount, "shop_payment", NOW, SHOP, balance_after=180)


class FakeStore:
    def __init__(self) -> None:
        self.snap = WalletSnapshot(300, (ExpiringPoints(100, NOW.date()),), list(LINES), NOW)
        self.queued: list[tuple[str, str]] = []
        self.open = True
        self.version = 0

    @property
    def signed_in(self) -> bool:
        return self.open

    def stamp(self) -> object:
        return self.version

    async def snapshot(self) -> WalletSnapshot | None:
        return self.snap if self.open else None

    async def claims(self, now: datetime) -> list[ClaimItem]:
        return [ClaimItem(cid, now, "waiting") for cid, _ in self.queued]

    async def queue_claim(self, claim_id: str, code: str, scanned_at: datetime) -> bool:
        if not self.open:
            return False
        self.queued.append((claim_id, code))
        self.version += 1
        return True


@dataclass
class FakeServer:
    calls: list[tuple[str, Any]] = field(default_factory=list)
    fail: Exception | None = None  # raised by the next call
    preview_answer: PaymentPreview = field(
        default_factory=lambda: PaymentPreview(SHOP, False, None, "JPY"))
    changes: int = 0

    def _call(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if self.fail is not None:
            fail, self.fail = self.fail, None
            raise fail

    async def wallet(self, person_id: str | None = None) -> WalletSnapshot:
        self._call("wallet", person_id)
        return WalletSnapshot(50 if person_id else 300, (), [], None, local=False,
                              pin_set=True)

    async def history(self, person_id: str | None, kind: str | None, month: str | None,
                      offset: int = 0) -> HistoryPage:
        self._call("history", person_id, kind, month)
        return HistoryPage([LINES[1]], None)

    async def receipt(self, transfer_id: str) -> Receipt:
        self._call("receipt", transfer_id)
        return receipt()

    async def set_pin(self, pin: str, current_pin: str | None) -> None:
        self._call("set_pin", pin, current_pin)

    async def preview(self, qr_payload: str) -> PaymentPreview:
        self._call("preview", qr_payload)
        return self.preview_answer

    async def pay(self, qr_payload: str, amount: int | None, pin: str,
                  idempotency_key: str) -> Receipt:
        self._call("pay", qr_payload, amount, pin, idempotency_key)
        return receipt(amount or 0)

    async def customer_code(self, pin: str) -> CustomerCode:
        self._call("customer_code", pin)
        return CustomerCode("token-1", NOW + timedelta(seconds=60))

    async def claim(self, code: str, idempotency_key: str) -> ClaimResult:
        self._call("claim", code, idempotency_key)
        return ClaimResult(Receipt("g1", "earn", 50, "event", NOW), {"id": "r"})

    async def family(self) -> list[FamilyMember]:
        self._call("family")
        return [FamilyMember("p-child", "津山 花")]

    def changed(self) -> None:
        self.changes += 1


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def make(offline: bool = False) -> tuple[PointsState, FakeStore, FakeServer, Clock, list[bool]]:
    store, server, clock, link = FakeStore(), FakeServer(), Clock(), [offline]
    state = PointsState(store, server, clock, clock, lambda: link[0])
    return state, store, server, clock, link


def rejected(status: int, code: str | None, **info: object) -> BackendRejected:
    return BackendRejected(status, code or "refused", code, {"code": code, **info})


# --- balance and history ------------------------------------------------------------------
async def test_offline_the_balance_comes_from_the_device_and_nothing_is_asked() -> None:
    state, _store, server, _clock, _link = make(offline=True)
    assert state.claim_load()
    assert not state.claim_load()  # one read at a time
    await state.load()
    assert state.shown is not None and state.shown.balance == 300
    assert server.calls == []
    assert state.pin_set is None  # not known offline
    state.filter_by(kind="earn")
    assert [t.id for t in state.history()] == ["t1"]
    state.filter_by(month="2026-11")
    assert [t.id for t in state.history()] == ["t2"]
    with pytest.raises(ValueError):
        state.filter_by(kind="steal")


async def test_online_the_pin_status_and_the_family_are_read_once() -> None:
    state, _store, server, _clock, _link = make()
    await state.load()
    await state.load()
    assert state.pin_set is True
    assert [n for n, _ in server.calls].count("family") == 1
    assert state.act_for(state.family[0])
    await state.load_other()
    assert state.shown is not None and state.shown.balance == 50
    assert [t.id for t in state.history()] == ["t1"]
    state.open(Screen.PAY)
    assert state.screen is Screen.HOME  # paying is the resident's own
    state.act_for(None)
    assert state.shown is not None and state.shown.balance == 300


async def test_a_receipt_is_fetched_online_and_the_line_stands_for_it_offline() -> None:
    state, _store, server, _clock, link = make()
    await state.open_receipt(LINES[0])
    assert state.receipt is not None and state.receipt.balance_after == 180
    link[0] = True
    await state.open_receipt(LINES[1])
    assert state.receipt is None and state.receipt_of == LINES[1]
    assert [n for n, _ in server.calls] == ["receipt"]


# --- paying -------------------------------------------------------------------------------
async def test_offline_a_payment_is_not_attempted() -> None:
    state, _store, server, _clock, _link = make(offline=True)
    state.payment.set_payload_text("000201...")
    assert not await state.payment.read_code()
    assert state.payment.problem is not None and state.payment.problem.code == "offline"
    assert server.calls == []


async def test_a_static_code_asks_for_the_amount_then_the_pin() -> None:
    state, _store, server, _clock, _link = make()
    flow = state.payment
    assert not await flow.read_code()
    assert flow.problem is not None
    flow.scanned(" 000201static ")
    assert await flow.read_code()
    assert flow.step is PayStep.CONFIRM and not flow.can_pay
    assert not await flow.pay()
    assert flow.problem is not None and flow.problem.message == NO_AMOUNT
    flow.set_amount("５００")  # full-width digits typed on a Japanese keyboard
    assert flow.amount == 500
    assert not await flow.pay()
    assert flow.problem is not None and flow.problem.message == NO_PIN
    flow.set_pin("4821")
    assert await flow.pay()
    name, (payload, amount, pin, key) = server.calls[-1]
    assert (name, payload, amount, pin) == ("pay", "000201static", 500, "4821")
    assert key.startswith("pay:") and flow.step is PayStep.DONE and flow.pin == ""
    assert server.changes == 1


async def test_a_dynamic_code_pays_its_own_amount() -> None:
    state, _store, server, _clock, _link = make()
    server.preview_answer = PaymentPreview(SHOP, True, 777, "JPY")
    flow = state.payment
    flow.scanned("000201dynamic")
    await flow.read_code()
    flow.set_amount("1")  # ignored: the code has the amount
    flow.set_pin("4821")
    assert await flow.pay()
    assert server.calls[-1][1][1] is None  # the server takes the code's amount


async def test_a_wrong_pin_says_how_many_tries_are_left_and_the_next_try_is_new() -> None:
    state, _store, server, _clock, _link = make()
    flow = state.payment
    flow.scanned("000201static")
    await flow.read_code()
    flow.set_amount("100")
    flow.set_pin("1111")
    server.fail = rejected(403, "pin_wrong", attempts_left=2)
    assert not await flow.pay()
    assert flow.problem is not None and flow.problem.attempts_left == 2
    assert flow.problem.message == problems.MESSAGES["pin_wrong"]
    first_key = server.calls[-1][1][3]
    flow.set_pin("4821")
    assert await flow.pay()
    assert server.calls[-1][1][3] != first_key


async def test_a_lost_answer_is_sent_again_exactly_with_the_same_key() -> None:
    state, _store, server, _clock, _link = make()
    flow = state.payment
    flow.scanned("000201static")
    await flow.read_code()
    flow.set_amount("100")
    flow.set_pin("4821")
    server.fail = BackendUnavailable("timed out")
    assert not await flow.pay()
    assert flow.unsure is not None and flow.can_pay
    flow.restart()
    assert flow.step is PayStep.CONFIRM  # cannot walk away from an unknown payment
    flow.set_amount("999")
    assert await flow.pay()
    first, again = server.calls[-2][1], server.calls[-1][1]
    assert first == again and flow.unsure is None


@pytest.mark.parametrize("code", ["malformed", "crc_mismatch", "not_jpqr", "foreign_code",
                                  "unknown_merchant"])
async def test_a_refused_code_is_explained(code: str) -> None:
    state, _store, server, _clock, _link = make()
    server.fail = rejected(422, code)
    state.payment.scanned("000201bad")
    assert not await state.payment.read_code()
    assert state.payment.problem == problems.Problem(problems.MESSAGES[code], code=code)
    assert state.payment.step is PayStep.SCAN


def test_a_locked_pin_says_until_when() -> None:
    problem = problems.problem_for(rejected(423, "pin_locked",
                                            locked_until="2026-11-24T12:30:00+09:00"))
    assert problem.locked_until == datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    assert problems.problem_for(BackendRejected(403, "card")).message == problems.CARD_REQUIRED
    daily = problems.problem_for(rejected(409, "cap_reached", cap="daily"))
    assert daily.message == problems.MESSAGES["cap_reached_daily"]
    assert problems.problem_for(rejected(409, "new_code")).message == problems.UNKNOWN


# --- earning ------------------------------------------------------------------------------
async def test_online_a_code_is_granted_at_once() -> None:
    state, store, server, _clock, _link = make()
    state.earn.scanned("EVENT-1")
    assert await state.earn.claim()
    assert state.earn.result is not None and store.queued == []
    assert server.calls[-1][1][0] == "EVENT-1" and state.earn.code_text == ""


async def test_offline_or_unreachable_a_code_is_queued_for_the_sync() -> None:
    state, store, server, _clock, link = make(offline=True)
    state.earn.set_code_text("EVENT-1")
    assert await state.earn.claim()
    assert state.earn.queued and store.queued[0][1] == "EVENT-1" and server.calls == []
    link[0] = False
    server.fail = BackendUnavailable("no route")
    state.earn.set_code_text("EVENT-2")
    assert await state.earn.claim()
    assert [c for _, c in store.queued] == ["EVENT-1", "EVENT-2"]
    server.fail = rejected(409, "already_claimed")
    state.earn.set_code_text("EVENT-3")
    assert not await state.earn.claim()  # a refusal is not queued
    assert len(store.queued) == 2
    store.open = False
    link[0] = True
    state.earn.set_code_text("EVENT-4")
    assert not await state.earn.claim()
    assert state.earn.problem is not None and state.earn.problem.message == NOT_SIGNED_IN


# --- my code ------------------------------------------------------------------------------
async def test_the_customer_code_counts_down_by_the_servers_clock() -> None:
    state, _store, server, clock, _link = make()
    code = state.code
    assert not await code.make()  # no PIN yet
    code.set_pin("4821")
    assert await code.make()
    assert code.seconds_left() == 60 and code.pin == ""
    clock.now += timedelta(seconds=59, milliseconds=500)
    assert code.seconds_left() == 1 and not code.expired
    clock.now += timedelta(seconds=1)
    assert code.expired
    assert await code.make()  # a new one without typing the PIN again
    assert [a for n, a in server.calls if n == "customer_code"] == [("4821",), ("4821",)]
    state.open(Screen.MY_CODE)
    state.open(Screen.HOME)  # leaving forgets the code and the PIN
    assert code.code is None
    assert not await code.make()


# --- the PIN ------------------------------------------------------------------------------
def test_pin_rules() -> None:
    assert pin_acceptable("4821") and pin_acceptable("482193")
    assert not pin_acceptable("1111") and not pin_acceptable("123")
    assert not pin_acceptable("1234567") and not pin_acceptable("12a4")
    assert digits_only("１２-34 56 78") == "123456"


async def test_the_pin_form_checks_before_it_sends() -> None:
    state, _store, server, _clock, _link = make()
    form = state.pin
    form.set_field("new", "4821")
    form.set_field("again", "4822")
    assert not await form.save(changing=False)
    assert form.problem is not None and form.problem.message == MISMATCH
    assert not await form.save(changing=True)
    assert form.problem is not None and form.problem.message == NO_CURRENT
    form.set_field("new", "7777")
    assert form.check(False) is not None
    form.set_field("current", "4821")
    form.set_field("new", "4821")
    form.set_field("again", "4821")
    assert form.check(True) == problems.Problem(SAME)
    form.set_field("new", "5930")
    form.set_field("again", "5930")
    assert await form.save(changing=True)
    assert server.calls[-1] == ("set_pin", ("5930", "4821")) and form.new == ""


# --- screens and words --------------------------------------------------------------------
def ctx_for(language: str, offline: bool = False) -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language=language))
    if offline:
        shell.set_connection(False, "down")
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


def texts(controls: Any) -> list[str]:
    found: list[str] = []

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 40 or obj is None:
            return
        if isinstance(obj, list | tuple):
            for item in obj:
                walk(item, depth + 1)
            return
        if not isinstance(obj, ft.BaseControl):
            return
        for attr in ("value", "label"):
            value = getattr(obj, attr, None)
            if isinstance(value, str):
                found.append(value)
        for attr in ("content", "controls"):
            walk(getattr(obj, attr, None), depth + 1)

    walk(controls)
    return found


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_every_screen_builds(language: str) -> None:
    state, _store, _server, _clock, _link = make()
    await state.load()
    ctx = ctx_for(language)
    home = texts(points_body(ctx, state))
    if language == "ja":
        assert "300 ポイント" in home and "−120 ポイント" in " ".join(home)
    for screen in Screen:
        state.open(screen)
        assert points_body(ctx, state)
    state.open(Screen.PAY)
    state.payment.scanned("000201")
    await state.payment.read_code()
    assert points_body(ctx, state)
    state.open(Screen.MY_CODE)
    state.code.set_pin("4821")
    await state.code.make()
    assert points_body(ctx, state)


async def test_offline_the_pay_screen_says_it_needs_the_network() -> None:
    state, _store, _server, _clock, _link = make(offline=True)
    await state.load()
    state.open(Screen.PAY)
    shown = " ".join(texts(points_body(ctx_for("ja", offline=True), state)))
    assert "インターネット" in shown


def test_every_points_message_has_a_japanese_translation() -> None:
    t = load_translator("ja")
    ids = {*problems.MESSAGES.values(), problems.OFFLINE, problems.UNKNOWN,
           problems.CARD_REQUIRED, NO_AMOUNT, NO_PIN, EARN_NO_CODE, QUEUED, NOT_SIGNED_IN,
           MISMATCH, NO_CURRENT, SAME, SAVED, NO_CODE_IN_PICTURE, PAY_NO_CODE,
           "The connection was lost, so it is not known whether you paid. Send it again: "
           "you will not be charged twice.", "The points on this device could not be read.",
           "Points for a scanned code",
           *KIND_LABELS.values(), *PURPOSE_LABELS.values(), *CLAIM_STATES.values()}
    assert sorted(m for m in ids if not t.has(m)) == []


async def test_online_a_device_without_the_balance_shows_the_servers() -> None:
    """A device that has not received the balance yet (no `wallet` rows, never synced)
    shows the city's answer online instead of "appears once online"."""
    state, store, _server, _clock, _link = make()
    store.snap = WalletSnapshot(None, (), [], None)
    assert state.claim_load()
    await state.load()
    assert state.shown is not None and state.shown.balance == 300
    assert not state.never_received
