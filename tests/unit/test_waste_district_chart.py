"""The waste tile's use of points: the district goal chart (geometry, bars and goal line as
plain containers, the numbers as text) and paying a bulky-waste fee with points (PIN, the
receipt, offline refused at once, a retry with the same key), through the points tile's
api."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

import flet as ft
import pytest

from app.features.points.api import (
    FEE_REFUSALS,
    DistrictProgress,
    DistrictProgressState,
    FeePayment,
    ProgressLoad,
    valid_pin,
)
from app.features.waste.bulky import Booking
from app.features.waste.bulky_views import points_payment
from app.features.waste.district_chart import chart_of, format_kg, month_label
from app.features.waste.views import district_chart
from app.i18n.translator import load_translator
from backend_client import BackendRejected, BackendUnavailable
from tests.unit.test_views_build import texts
from tests.unit.test_waste_screens import ctx_for, walk

pytestmark = pytest.mark.anyio

PROGRESS = {
    "district": "中央地区", "goal_kg": 50, "opted_in": True,
    "periods": [
        {"period": "2026-09", "kg": 20, "goal_kg": 50, "reached": False, "granted": False},
        {"period": "2026-11", "kg": 62.5, "goal_kg": 50, "reached": True, "granted": True},
        {"period": "2026-10", "kg": 50, "goal_kg": 50, "reached": True, "granted": False},
        {"kg": 3},  # no period: skipped
    ],
}


class Progress:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer

    async def district_progress(self) -> dict[str, Any]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def loaded(answer: dict[str, Any] | Exception) -> DistrictProgressState:
    state = DistrictProgressState(Progress(answer))
    assert state.claim_load()
    await state.load()
    assert not state.claim_load()  # once per session
    return state


# --- geometry ---------------------------------------------------------------------------------


def test_bars_are_in_month_order_and_scaled_with_the_goal_line() -> None:
    chart = chart_of(DistrictProgress.from_json(PROGRESS))
    assert [b.period for b in chart.bars] == ["2026-09", "2026-10", "2026-11"]
    top = 62.5 * 1.15
    assert chart.goal_height == pytest.approx(50 / top)
    assert [b.height for b in chart.bars] == pytest.approx([20 / top, 50 / top, 62.5 / top])
    assert all(0 <= b.height <= 1 for b in chart.bars)
    assert [b.reached for b in chart.bars] == [False, True, True]


def test_a_goal_above_every_bar_still_fits_and_only_the_last_months_are_shown() -> None:
    periods = [{"period": f"2026-{m:02d}", "kg": m} for m in range(1, 13)]
    chart = chart_of(DistrictProgress.from_json({"goal_kg": 100, "periods": periods}))
    assert [b.period for b in chart.bars] == [f"2026-{m:02d}" for m in range(7, 13)]
    assert chart.goal_height == pytest.approx(1 / 1.15)
    assert not any(b.reached for b in chart.bars)
    empty = chart_of(DistrictProgress.from_json({"goal_kg": 0, "periods": []}))
    assert empty.empty and empty.goal_height == 0


def test_labels_and_bad_numbers() -> None:
    assert month_label("2026-09") == "9" and format_kg(52.0) == "52"
    assert format_kg(52.4) == "52.4"
    odd = DistrictProgress.from_json({"goal_kg": -5, "periods": [
        {"period": "2026-01", "kg": True}, {"period": "2026-02", "kg": "12"}]})
    assert odd.goal_kg == 0 and [p.kg for p in odd.periods] == [0, 0]


# --- the chart on the waste screen -----------------------------------------------------------


async def test_the_chart_draws_bars_and_a_goal_line_and_says_the_numbers() -> None:
    state = await loaded(PROGRESS)
    controls = district_chart(ctx_for(), state)
    shown = " ".join(texts(controls))
    assert "わが地区の資源回収目標" in shown
    assert "2026-11：62.5 kg（目標 50 kg）" in shown and "目標達成" in shown
    assert "ポイント付与済み" in shown
    chart = next(c for c in walk(controls) if getattr(c, "identifier", None)
                 == "district-goal-chart")
    assert "中央地区" in str(chart.label) and "2026-09：20 kg" in str(chart.label)
    bars = [c for c in walk(controls) if isinstance(c, ft.Column)
            and str(getattr(c, "key", "")).startswith("bar-")]
    assert [b.key for b in bars] == ["bar-2026-09", "bar-2026-10", "bar-2026-11"]
    heights = [b.controls[1].height for b in bars]
    assert heights[0] < heights[1] < heights[2]
    stack = next(c for c in walk(controls) if isinstance(c, ft.Stack))
    line = stack.controls[1]
    assert line.height == 2 and line.bottom is not None and line.bottom > 0


async def test_offline_and_no_goal_are_said_plainly() -> None:
    offline = await loaded(BackendUnavailable("down"))
    assert offline.load_state is ProgressLoad.FAILED and offline.problem == "offline"
    assert "オンライン" in " ".join(texts(district_chart(ctx_for(), offline)))
    none = await loaded(BackendRejected(404, "no district", "no_district"))
    assert none.problem == "no_district"
    assert "設定されていません" in " ".join(texts(district_chart(ctx_for(), none)))
    out = await loaded({**PROGRESS, "opted_in": False})
    assert "まだ参加していません" in " ".join(texts(district_chart(ctx_for(), out)))


# --- paying the fee with points ------------------------------------------------------------


class Fees:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.fail: Exception | None = None

    async def pay_bulky_fee(self, number: str, *, pin: str,
                            idempotency_key: str) -> dict[str, Any]:
        self.calls.append((number, pin, idempotency_key))
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        return {"booking_number": number, "transfer_id": "t-1", "amount": 800,
                "balance_after": 200, "created_at": "2026-12-07T10:00:00+09:00"}


def booking(number: str = "S2612-0001", fee: int = 800,
            payment: dict[str, Any] | None = None) -> Booking:
    return Booking(booking_id="b-1", day=date(2026, 12, 15), area_name="中央", items=[],
                   total_fee=fee, status="booked", number=number,
                   payment=payment or {"method": "sticker"})


def keys() -> Any:
    made = count(1)
    return lambda: f"key-{next(made)}"


def test_pins_are_four_to_six_digits() -> None:
    assert valid_pin("2580") == "2580" and valid_pin("２５８０１２") == "258012"
    assert valid_pin("258") is None and valid_pin("2580123") is None
    assert valid_pin("25a0") is None


async def test_a_fee_is_paid_after_the_pin_and_the_receipt_is_shown() -> None:
    source = Fees()
    fees = FeePayment(source, keys())
    ctx = ctx_for()
    shown = points_payment(ctx, booking(), fees)
    assert "ポイントで支払う" in texts(shown)
    assert [c.identifier for c in walk(shown) if getattr(c, "identifier", None)] == [
        "bulky-S2612-0001-pay-points"]
    fees.start("S2612-0001")
    pin_form = points_payment(ctx, booking(), fees)
    pin = next(c for c in walk(pin_form) if isinstance(c, ft.TextField))
    assert pin.password and "4〜6桁" in str(pin.label)
    fees.set_pin("S2612-0001", "12")
    assert not await fees.pay("S2612-0001", online=True)
    assert fees.refusals["S2612-0001"].code == "invalid_pin" and source.calls == []
    fees.set_pin("S2612-0001", "2580")
    source.fail = BackendUnavailable("timed out")
    assert not await fees.pay("S2612-0001", online=True)
    assert "支払いはされていません" in " ".join(texts(points_payment(ctx, booking(), fees)))
    fees.set_pin("S2612-0001", "2580")
    assert await fees.pay("S2612-0001", online=True)
    assert [key for _, _, key in source.calls] == ["key-1", "key-1"]  # the same request
    assert fees.pin_text == {}  # the PIN is not kept
    receipt = " ".join(texts(points_payment(ctx, booking(), fees)))
    assert "ポイントで支払い済み：800 ポイント" in receipt and "残りのポイント：200" in receipt


async def test_offline_a_payment_is_refused_at_once() -> None:
    source = Fees()
    fees = FeePayment(source, keys())
    fees.set_pin("S2612-0001", "2580")
    assert not await fees.pay("S2612-0001", online=False)
    assert source.calls == [] and fees.refusals["S2612-0001"].code == "needs_network"
    assert "ネットワークが必要" in " ".join(texts(points_payment(ctx_for(), booking(), fees)))


async def test_a_wrong_pin_says_the_attempts_left_and_a_new_try_gets_a_new_key() -> None:
    source = Fees()
    fees = FeePayment(source, keys())
    fees.set_pin("S2612-0001", "1111")
    source.fail = BackendRejected(403, "wrong PIN", "pin_wrong", {"attempts_left": 3})
    assert not await fees.pay("S2612-0001", online=True)
    assert "あと3回" in " ".join(texts(points_payment(ctx_for(), booking(), fees)))
    fees.set_pin("S2612-0001", "2580")
    assert await fees.pay("S2612-0001", online=True)
    assert [key for _, _, key in source.calls] == ["key-1", "key-2"]


def test_no_button_without_a_number_or_fee_and_a_paid_booking_says_so() -> None:
    fees = FeePayment(Fees())
    assert points_payment(ctx_for(), booking(number=""), fees) == []
    assert points_payment(ctx_for(), booking(fee=0), fees) == []
    paid = points_payment(ctx_for(), booking(payment={"method": "points"}), fees)
    assert "ポイントで支払い済み：800 ポイント。" in texts(paid)


def test_every_fee_refusal_is_translated() -> None:
    t = load_translator("ja")
    assert all(t.has(message) for message in FEE_REFUSALS.values())

