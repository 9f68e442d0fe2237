"""The points staff screens without a page: form checks, the state over a fake source
(shops, totals, a resident's history with its purpose, earn codes, district weights, the
expiry run, corrections with a key kept across retries) and the views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from app.features.points.staff.state import (
    Load,
    Part,
    PointsStaffState,
    code_window,
    parse_kg,
    parse_merchant_id,
    parse_period,
    parse_postal_code,
)
from app.features.points.staff.views import REFUSALS, codes_body, residents_body, shops_body
from app.features.points.staff.wiring import STAFF_SCREENS
from app.i18n.translator import load_translator
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendRejected, BackendUnavailable
from backend_client.points_staff import (
    EarningRule,
    HistoryLine,
    PointsShop,
    PointsTotals,
    StaffDistrict,
)
from tests.unit.test_views_build import texts
from tests.unit.test_waste_screens import walk

pytestmark = pytest.mark.anyio
TODAY = date(2026, 12, 7)
AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@dataclass
class FakeStaff:
    fail_next: Exception | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: count(1))

    def _call(self, call: str, /, **args: Any) -> None:
        self.calls.append((call, args))
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    async def rules(self) -> list[EarningRule]:
        self._call("rules")
        return [EarningRule("event-checkin", "event", "イベント参加", "Event check-in", 50,
                            ("code",)),
                EarningRule("health-check", "health", "特定健診の受診", "Health check", 300,
                            ("staff",))]

    async def shops(self) -> list[PointsShop]:
        self._call("shops")
        return [PointsShop("s-1", "ごんご商店", "4912345678901", "和菓子・土産", "708-0022")]

    async def register_shop(self, **args: str) -> PointsShop:
        self._call("register_shop", **args)
        return PointsShop(f"s-{next(self.ids) + 1}", args["name"], args["merchant_id"],
                          args["category"], args["postal_code"])

    async def set_clerk(self, shop_id: str, person_id: str, clerk: bool) -> None:
        self._call("set_clerk", shop_id=shop_id, person_id=person_id, clerk=clerk)

    async def totals(self) -> PointsTotals:
        self._call("totals")
        return PointsTotals(12000, 3000, 500, 200, 8700, 40, 3)

    async def resident_history(self, person_id: str, purpose: str) -> list[HistoryLine]:
        self._call("history", person_id=person_id, purpose=purpose)
        return [HistoryLine("t-1", "earn", "recycling", 100, AT),
                HistoryLine("t-2", "pay", "shop_payment", -40, AT, "ごんご商店")]

    async def earn_code(self, **args: Any) -> str:
        self._call("earn_code", **args)
        return "TSPT1.payload.signature"

    async def districts(self, period: str) -> list[StaffDistrict]:
        self._call("districts", period=period)
        recorded = 52.5 if any(name == "record_weight" for name, _ in self.calls) else None
        return [StaffDistrict("chuo-1", "津山中央", "Tsuyama-chuo", 50.0, 100, recorded,
                              recorded is not None),
                StaffDistrict("hayashida", "林田", "Hayashida", 30.0, 100, None, False)]

    async def record_weight(self, **args: Any) -> dict[str, Any]:
        self._call("record_weight", **args)
        return {"reached": True}

    async def run_expiry(self) -> dict[str, Any]:
        self._call("run_expiry")
        return {"expired": 1500}

    async def correct(self, **args: Any) -> dict[str, Any]:
        self._call("correct", **args)
        return {"id": "c-1"}

    async def grant(self, **args: Any) -> dict[str, Any]:
        self._call("grant", **args)
        return {"claim_id": "g-1", "transfer": {"id": "t-9", "amount": 300},
                "replayed": False, "person_id": args["person_id"]}


def keys() -> Any:
    made = count(1)
    return lambda: f"key-{next(made)}"


def fresh(source: FakeStaff | None = None) -> PointsStaffState:
    return PointsStaffState(source or FakeStaff(), lambda: TODAY, keys())


def _ctx(confirm: Any = None) -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language="ja"))
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None,
                                 confirm=confirm or (lambda c: None))


def _identifiers(controls: Any) -> set[str]:
    return {str(c.identifier) for c in walk(controls) if getattr(c, "identifier", None)}


# --- form checks -----------------------------------------------------------------------------


def test_merchant_ids_postal_codes_periods_and_weights() -> None:
    assert parse_merchant_id("4912345678901") == "4912345678901"
    assert parse_merchant_id("４９１２３４５６７８９０１") == "4912345678901"
    assert parse_merchant_id("491234567890") is None
    assert parse_merchant_id("49123456789012") is None
    assert parse_merchant_id("49123456789AB") is None
    assert parse_postal_code("7080022") == parse_postal_code("708-0022") == "708-0022"
    assert parse_postal_code("７０８－００２２") == "708-0022"
    assert parse_postal_code("70-80022") is None
    assert parse_period("2026-11") == "2026-11"
    assert parse_period("2026-13") is None and parse_period("202611") is None
    assert parse_kg("52.5") == 52.5 and parse_kg("0") == 0
    assert parse_kg("-1") is None and parse_kg("nan") is None and parse_kg("") is None


def test_an_earn_code_runs_from_the_first_to_the_end_of_the_last_day_city_time() -> None:
    start, end = code_window(date(2026, 12, 5), date(2026, 12, 6))
    assert start.isoformat() == "2026-12-05T00:00:00+09:00"
    assert end - start == timedelta(days=2)


# --- shops and totals ------------------------------------------------------------------------


async def test_shops_and_totals_are_read_once_and_a_shop_is_registered() -> None:
    source = FakeStaff()
    state = fresh(source)
    assert state.claim_shops_load() and state.claim_totals_load()
    await state.load_shops()
    await state.load_totals()
    assert not state.claim_shops_load()
    assert state.totals is not None and state.totals.outstanding == 8700

    state.set_field("shop_name", "作州珈琲")
    state.set_field("merchant_id", "123456789012")  # 12 digits
    state.set_field("category", "飲食")
    state.set_field("postal_code", "708-0841")
    assert not await state.register_shop()
    assert state.refusals[Part.REGISTER].code == "invalid_merchant_id"
    assert [c for c, _ in source.calls] == ["shops", "totals"]  # nothing sent
    state.set_field("merchant_id", "1234567890123")
    assert await state.register_shop()
    assert source.calls[-1] == ("register_shop", {
        "name": "作州珈琲", "merchant_id": "1234567890123", "category": "飲食",
        "postal_code": "708-0841"})
    assert [s.name for s in state.shops] == ["ごんご商店", "作州珈琲"]
    assert state.typed("shop_name") == ""  # the form is emptied
    assert state.claim_totals_load()  # the number of shops changed


async def test_a_taken_merchant_id_is_refused_with_the_citys_reason() -> None:
    source = FakeStaff(fail_next=BackendRejected(409, "taken", "merchant_id_taken"))
    state = fresh(source)
    for name, text in (("shop_name", "A"), ("merchant_id", "1234567890123"),
                       ("category", "飲食"), ("postal_code", "7080841")):
        state.set_field(name, text)
    assert not await state.register_shop()
    assert state.refusals[Part.REGISTER].code == "merchant_id_taken"
    assert state.typed("shop_name") == "A"  # kept for another try
    assert "すでに登録" in " ".join(texts(shops_body(_ctx(), state)))


async def test_a_clerk_is_named_for_a_known_shop_only() -> None:
    source = FakeStaff()
    state = fresh(source)
    state.claim_shops_load()
    await state.load_shops()
    state.set_field("clerk_shop", "s-unknown")
    state.set_field("clerk_person", "p-1")
    assert not await state.set_clerk(True)
    assert state.refusals[Part.CLERK].code == "no_shop"
    state.set_field("clerk_shop", "s-1")
    assert await state.set_clerk(True)
    assert source.calls[-1] == ("set_clerk", {"shop_id": "s-1", "person_id": "p-1",
                                              "clerk": True})


# --- a resident's history and corrections -----------------------------------------------------


async def test_a_history_needs_a_stated_purpose() -> None:
    source = FakeStaff()
    state = fresh(source)
    state.set_field("history_person", "p-42")
    state.set_field("history_purpose", " a ")
    assert not await state.look_up_history()
    assert state.refusals[Part.HISTORY].code == "no_purpose"
    assert source.calls == []
    state.set_field("history_purpose", "問い合わせ対応（窓口）")
    assert await state.look_up_history()
    assert source.calls[-1] == ("history", {"person_id": "p-42",
                                            "purpose": "問い合わせ対応（窓口）"})
    assert state.history is not None and len(state.history) == 2
    shown = " ".join(texts(residents_body(_ctx(), state)))
    assert "100 ポイント" in shown and "40 ポイント" in shown


async def test_a_correction_is_asked_first_and_retried_with_the_same_key() -> None:
    source = FakeStaff()
    state = fresh(source)
    asked: list[Confirmation] = []
    state.set_field("correct_transfer", "t-1")
    state.set_field("correct_reason", "二重付与の取消")
    controls = residents_body(_ctx(confirm=asked.append), state)
    button = next(c for c in walk(controls)
                  if getattr(c, "identifier", None) == "staff-points-correct")
    button.content.on_click(None)  # type: ignore[union-attr]
    assert len(asked) == 1 and asked[0].destructive and source.calls == []

    source.fail_next = BackendUnavailable("down")
    assert not await state.correct()
    assert state.refusals[Part.CORRECTION].code == "offline"
    assert await state.correct()
    first, second = (args for name, args in source.calls if name == "correct")
    assert first["idempotency_key"] == second["idempotency_key"] == "key-1"
    assert state.typed("correct_transfer") == ""


async def test_a_correction_without_a_reason_is_not_asked() -> None:
    state = fresh()
    asked: list[Confirmation] = []
    state.set_field("correct_transfer", "t-1")
    controls = residents_body(_ctx(confirm=asked.append), state)
    button = next(c for c in walk(controls)
                  if getattr(c, "identifier", None) == "staff-points-correct")
    button.content.on_click(None)  # type: ignore[union-attr]
    assert asked == [] and state.refusals[Part.CORRECTION].code == "no_reason"


# --- codes, weights, expiry -------------------------------------------------------------------


async def test_an_earn_code_is_made_for_a_rule_and_shown_as_a_qr() -> None:
    source = FakeStaff()
    state = fresh(source)
    state.claim_rules_load()
    await state.load_rules()
    state.set_field("code_label", "秋まつり 受付")
    assert not await state.make_earn_code()
    assert state.refusals[Part.CODE].code == "no_rule"
    state.set_field("code_rule", "event-checkin")
    state.set_field("code_from", "2026-12-10")
    state.set_field("code_until", "2026-12-09")
    assert not await state.make_earn_code()
    assert state.refusals[Part.CODE].code == "invalid_days"
    state.set_field("code_until", "2026-12-11")
    assert await state.make_earn_code()
    name, args = source.calls[-1]
    assert name == "earn_code" and args["rule_id"] == "event-checkin"
    assert args["valid_from"].isoformat() == "2026-12-10T00:00:00+09:00"
    assert args["valid_until"].isoformat() == "2026-12-12T00:00:00+09:00"
    controls = codes_body(_ctx(), state)
    assert "staff-points-code-qr" in _identifiers(controls)
    assert "TSPT1.payload.signature" in texts(controls)


async def test_a_district_chosen_from_the_list_its_weight_and_the_expiry_run() -> None:
    source = FakeStaff()
    state = fresh(source)
    assert state.claim_districts_load() and not state.claim_districts_load()
    await state.load_districts()
    assert source.calls[-1] == ("districts", {"period": "2026-12"})  # this month by default
    choice = next(c for c in walk(codes_body(_ctx(), state))
                  if getattr(c, "key", None) == "staff-points-weight-district")
    assert [o.text for o in choice.options] == [  # type: ignore[attr-defined]
        "津山中央（目標 50 kg・記録なし）", "林田（目標 30 kg・記録なし）"]
    assert not await state.record_weight()  # no district chosen
    assert state.refusals[Part.WEIGHT].code == "invalid_district"
    state.set_field("weight_district", "chuo-1")
    state.set_field("weight_period", "2026-11")
    state.set_field("weight_kg", "abc")
    assert not await state.record_weight()
    assert state.refusals[Part.WEIGHT].code == "invalid_kg"
    state.set_field("weight_kg", "52.5")
    assert await state.record_weight()
    assert source.calls[-1] == ("record_weight", {"district_id": "chuo-1",
                                                  "period": "2026-11", "kg": 52.5})
    assert "津山中央 の 2026-11 の重さ 52.5 kg を記録しました。" in texts(
        codes_body(_ctx(), state))
    assert state.claim_districts_load()  # the typed month's recordings are read again
    await state.load_districts()
    assert source.calls[-1] == ("districts", {"period": "2026-11"})
    choice = next(c for c in walk(codes_body(_ctx(), state))
                  if getattr(c, "key", None) == "staff-points-weight-district")
    assert choice.options[0].text == "津山中央（目標 50 kg・記録 52.5 kg）"  # type: ignore[attr-defined]

    asked: list[Confirmation] = []
    controls = codes_body(_ctx(confirm=asked.append), state)
    button = next(c for c in walk(controls)
                  if getattr(c, "identifier", None) == "staff-points-expiry")
    button.content.on_click(None)  # type: ignore[union-attr]
    assert len(asked) == 1 and ("run_expiry", {}) not in source.calls
    assert await state.run_expiry()
    assert "1,500 ポイント" in " ".join(texts(codes_body(_ctx(), state)))


async def test_staff_of_another_department_are_told_plainly() -> None:
    source = FakeStaff(fail_next=BackendRejected(403, "no", "outside_staff_scope"))
    state = fresh(source)
    state.claim_totals_load()
    await state.load_totals()
    assert state.totals_load is Load.FAILED
    assert "地域振興課" in " ".join(texts(shops_body(_ctx(), state)))


def test_the_screens_are_listed_for_the_points_department_and_translated() -> None:
    assert {s.department for s in STAFF_SCREENS} == {"points"}
    t = load_translator("ja")
    for message in [*REFUSALS.values(), *(s.title for s in STAFF_SCREENS),
                    *(s.description for s in STAFF_SCREENS)]:
        assert t.has(message), message


async def test_staff_grant_only_rules_staff_may_grant_and_keep_the_key_across_a_retry(
) -> None:
    source = FakeStaff()
    state = fresh(source)
    await state.load_rules()
    assert [r.id for r in state.grantable_rules()] == ["health-check"]
    rule_choice = next(c for c in walk(residents_body(_ctx(), state))
                       if getattr(c, "key", None) == "staff-points-grant-rule")
    # a rule earned by a code is not offered
    assert [o.key for o in rule_choice.options] == ["health-check"]  # type: ignore[attr-defined]

    state.set_field("grant_rule", "event-checkin")  # earned by a code only
    state.set_field("grant_person", "p-1")
    state.set_field("grant_reason", "11月20日 特定健診受診")
    assert not await state.grant() and state.refusals[Part.GRANT].code == "no_rule"
    state.set_field("grant_rule", "health-check")
    state.set_field("grant_person", "p 1")
    assert not await state.grant() and state.refusals[Part.GRANT].code == "invalid_person"
    state.set_field("grant_person", "ｐ-1".replace("ｐ", "p"))
    state.set_field("grant_reason", "健診")
    assert not await state.grant() and state.refusals[Part.GRANT].code == "no_reason"
    assert [name for name, _ in source.calls if name == "grant"] == []

    state.set_field("grant_reason", "11月20日 特定健診受診")
    source.fail_next = BackendUnavailable("down")  # the answer is lost
    assert not await state.grant() and state.refusals[Part.GRANT].code == "offline"
    assert await state.grant()
    first, second = (args for name, args in source.calls if name == "grant")
    assert first == second == {"person_id": "p-1", "rule_id": "health-check",
                               "reason": "11月20日 特定健診受診", "idempotency_key": "key-1"}
    assert state.typed("grant_reason") == "" and state.typed("grant_person") == ""
    shown = " ".join(texts(residents_body(_ctx(), state)))
    assert "p-1 に 300 ポイント" in shown

    # A refusal (the rule's cap) is shown; the next grant gets a new key.
    state.set_field("grant_person", "p-1")
    state.set_field("grant_reason", "11月20日 特定健診受診")
    source.fail_next = BackendRejected(409, "cap reached", code="cap_reached")
    assert not await state.grant() and state.refusals[Part.GRANT].code == "cap_reached"
    shown = " ".join(texts(residents_body(_ctx(), state)))
    assert "上限" in shown
    assert await state.grant()
    assert [args["idempotency_key"] for name, args in source.calls
            if name == "grant"][-1] == "key-3"
