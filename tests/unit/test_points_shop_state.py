"""The points tile's shop screen without a page: the state over a fake `ShopSource` (codes,
charges with an idempotency key kept across retries, takings, refunds, refusals), the
customer-code input (a QR picture decoded with OpenCV) and the views (clerks only,
identifiers, the refund asked first)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest
import qrcode  # type: ignore[import-untyped]

from app.features.points.shop.amounts import parse_amount
from app.features.points.shop.qr_input import clean_token, decode_qr_image
from app.features.points.shop.state import DEFAULT_REFUND_REASON, Load, ShopState
from app.features.points.shop.views import shop_body, shop_entry_button
from app.features.points.shop.wiring import with_shop_screen
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec, Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendRejected, BackendUnavailable
from backend_client.points_shop import ClerkShop, ShopCode, ShopTransfer, Takings
from tests.unit.test_views_build import texts
from tests.unit.test_waste_screens import walk

pytestmark = pytest.mark.anyio
TODAY = date(2026, 12, 7)
AT = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
GONGO = ClerkShop("shop-1", "ごんご商店", "和菓子・土産")
STATIC = "000201010211...6304ABCD"


def payment(transfer_id: str, amount: int, refunded: int = 0) -> ShopTransfer:
    return ShopTransfer(transfer_id, "pay", amount, AT, refunded=refunded)


@dataclass
class FakeShops:
    shops: list[ClerkShop] = field(default_factory=lambda: [GONGO])
    fail_next: Exception | None = None
    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    items: list[ShopTransfer] = field(default_factory=list)
    seen_keys: dict[str, ShopTransfer] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: count(1))

    def _maybe_fail(self) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    async def my_shops(self) -> list[ClerkShop]:
        self._maybe_fail()
        return list(self.shops)

    async def code(self, shop_id: str, amount: int | None = None) -> ShopCode:
        self._maybe_fail()
        return ShopCode(f"{shop_id}:{amount}" if amount else STATIC, amount is not None,
                        amount)

    async def charge(self, shop_id: str, *, customer_token: str, amount: int,
                     idempotency_key: str) -> ShopTransfer:
        self.charges.append({"token": customer_token, "amount": amount,
                             "key": idempotency_key})
        self._maybe_fail()
        if idempotency_key in self.seen_keys:  # the server's replay of the first answer
            return self.seen_keys[idempotency_key]
        made = payment(f"t-{next(self.ids)}", amount)
        self.seen_keys[idempotency_key] = made
        self.items.append(made)
        return made

    async def takings(self, shop_id: str, day: date) -> Takings:
        self._maybe_fail()
        net = sum(i.amount - i.refunded for i in self.items)
        return Takings(day, net, len(self.items), tuple(self.items))

    async def refund(self, shop_id: str, *, transfer_id: str, reason: str,
                     idempotency_key: str, amount: int | None = None) -> ShopTransfer:
        self.refunds.append({"transfer_id": transfer_id, "reason": reason,
                             "key": idempotency_key})
        self._maybe_fail()
        paid = next(i for i in self.items if i.id == transfer_id)
        self.items = [payment(i.id, i.amount, i.amount) if i.id == transfer_id else i
                      for i in self.items]
        return ShopTransfer(f"r-{transfer_id}", "refund", paid.amount, AT,
                            refund_of=transfer_id)


def keys() -> Any:
    made = count(1)
    return lambda: f"key-{next(made)}"


async def opened(source: FakeShops) -> ShopState:
    state = ShopState(source, lambda: TODAY, keys())
    assert state.claim_shops_load()
    await state.load_shops()
    state.show(True)
    assert state.claim_code_load()
    await state.load_static_code()
    return state


# --- amounts and the customer's code --------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("500", 500), ("１，２００", 1200), (" 1,000 ", 1000), ("0", None), ("-5", None),
    ("1.5", None), ("", None), ("abc", None), ("1000001", None), ("٣", None)])
def test_amounts_are_whole_positive_points(text: str, expected: int | None) -> None:
    assert parse_amount(text) == expected


def _qr_png(text: str) -> bytes:
    out = io.BytesIO()
    qrcode.make(text).save(out, format="PNG")
    return out.getvalue()


def test_a_picture_of_a_customer_code_is_decoded() -> None:
    assert decode_qr_image(_qr_png("TSPC1.abc-DEF_123.sig")) == "TSPC1.abc-DEF_123.sig"
    assert decode_qr_image(b"not an image") is None
    assert decode_qr_image(b"") is None
    assert clean_token("  TSPC1.abc\n.def ") == "TSPC1.abc.def"
    assert clean_token("   ") == ""


async def test_a_scanned_picture_fills_the_token_and_a_blank_one_is_refused() -> None:
    state = await opened(FakeShops())
    assert state.scanned_image(_qr_png("TSPC1.token"))
    assert state.token_text == "TSPC1.token" and state.charge_refusal is None
    assert not state.scanned_image(b"\x89PNG broken")
    assert state.charge_refusal is not None
    assert state.charge_refusal.code == "unreadable_image"


# --- clerks, codes --------------------------------------------------------------------------


async def test_a_clerk_gets_the_shop_and_its_static_code() -> None:
    state = await opened(FakeShops())
    assert state.is_clerk and state.shop == GONGO
    assert state.static_code is not None and state.static_code.payload == STATIC
    assert not state.claim_code_load()  # read once per shop
    assert not state.claim_shops_load()


async def test_somebody_who_is_no_clerk_gets_no_shop_screen() -> None:
    state = ShopState(FakeShops(shops=[]), lambda: TODAY)
    state.claim_shops_load()
    await state.load_shops()
    assert not state.is_clerk and state.shop is None
    assert shop_entry_button(_ctx(), state) == []


async def test_an_unreachable_server_reads_the_shops_again_later() -> None:
    source = FakeShops(fail_next=BackendUnavailable("down"))
    state = ShopState(source, lambda: TODAY)
    state.claim_shops_load()
    await state.load_shops()
    assert state.shops_load is Load.FAILED and not state.is_clerk
    state.retry_shops()
    assert state.claim_shops_load()
    await state.load_shops()
    assert state.is_clerk


async def test_a_dynamic_code_carries_the_amount_and_a_bad_amount_is_refused() -> None:
    state = await opened(FakeShops())
    state.set_dynamic_amount("abc")
    await state.make_dynamic_code()
    assert state.dynamic_code is None and state.code_refusal is not None
    assert state.code_refusal.code == "invalid_amount"
    state.set_dynamic_amount("1,200")
    await state.make_dynamic_code()
    assert state.dynamic_code == ShopCode("shop-1:1200", True, 1200)
    assert state.code_refusal is None


# --- charges ---------------------------------------------------------------------------------


async def test_a_charge_without_a_token_or_amount_sends_nothing() -> None:
    source = FakeShops()
    state = await opened(source)
    assert not await state.charge()
    assert state.charge_refusal is not None and state.charge_refusal.code == "no_token"
    state.set_token_text("TSPC1.x")
    state.set_charge_amount("0")
    assert not await state.charge()
    assert state.charge_refusal.code == "invalid_amount"
    assert source.charges == []


async def test_a_retry_after_a_lost_answer_sends_the_same_key() -> None:
    source = FakeShops()
    state = await opened(source)
    state.set_token_text("TSPC1.customer")
    state.set_charge_amount("300")
    source.fail_next = BackendUnavailable("timed out")
    assert not await state.charge()
    assert state.charge_refusal is not None and state.charge_refusal.code == "offline"
    assert await state.charge()
    first, second = source.charges
    assert first["key"] == second["key"] == "key-1"
    assert state.receipt is not None and state.receipt.amount == 300
    # Done: the fields are emptied, the takings read again, the next charge has a new key.
    assert state.token_text == "" and state.charge_amount_text == ""
    assert state.claim_takings_load()
    state.set_token_text("TSPC1.next")
    state.set_charge_amount("300")
    assert await state.charge()
    assert source.charges[-1]["key"] == "key-2"


async def test_another_amount_is_another_request_with_its_own_key() -> None:
    state = await opened(FakeShops())
    assert state.charge_key("tok", 100) == state.charge_key("tok", 100) == "key-1"
    assert state.charge_key("tok", 200) == "key-2"
    assert state.charge_key("other", 200) == "key-3"


@pytest.mark.parametrize("code", ["token_expired", "token_used", "insufficient_points",
                                  "bad_token"])
async def test_a_refused_charge_says_why_and_keeps_what_was_typed(code: str) -> None:
    source = FakeShops()
    state = await opened(source)
    state.set_token_text("TSPC1.customer")
    state.set_charge_amount("300")
    source.fail_next = BackendRejected(409, "no", code)
    assert not await state.charge()
    assert state.charge_refusal is not None and state.charge_refusal.code == code
    assert state.token_text == "TSPC1.customer" and state.receipt is None
    shown = " ".join(texts(shop_body(_ctx(), state)))
    assert {"token_expired": "60秒", "token_used": "すでに使われ",
            "insufficient_points": "ポイントが足りません",
            "bad_token": "正しいお客様コードではありません"}[code] in shown


# --- takings and refunds ---------------------------------------------------------------------


async def test_takings_of_today_and_a_refund_asked_first() -> None:
    source = FakeShops()
    state = await opened(source)
    state.set_token_text("TSPC1.customer")
    state.set_charge_amount("450")
    assert await state.charge()
    assert state.claim_takings_load()
    await state.load_takings()
    assert state.takings is not None and state.takings.total == 450
    assert state.takings.count == 1 and state.takings.day == TODAY
    assert not state.claim_takings_load()  # read once per shop and day

    asked: list[Confirmation] = []
    controls = shop_body(_ctx(confirm=asked.append), state)
    paid = state.takings.items[0]
    button = next(c for c in walk(controls)
                  if getattr(c, "identifier", None) == f"shop-refund-{paid.id}")
    button.content.on_click(None)  # type: ignore[union-attr]
    assert len(asked) == 1 and source.refunds == []  # nothing is sent before the answer
    assert asked[0].destructive and "450" in asked[0].title

    assert await state.refund(paid)
    assert source.refunds == [{"transfer_id": paid.id, "reason": DEFAULT_REFUND_REASON,
                               "key": "key-2"}]
    assert state.refunded_last is not None and state.refunded_last.amount == 450
    assert state.claim_takings_load()
    await state.load_takings()
    assert state.takings.total == 0
    assert state.takings.items[0].refundable == 0
    assert not any(getattr(c, "identifier", None) == f"shop-refund-{paid.id}"
                   for c in walk(shop_body(_ctx(), state)))


async def test_a_refund_without_a_reason_or_offline_is_not_done() -> None:
    source = FakeShops(items=[payment("t-9", 100)])
    state = await opened(source)
    state.set_refund_reason("  ")
    assert not await state.refund(source.items[0])
    assert state.refund_refusal is not None and state.refund_refusal.code == "no_reason"
    state.set_refund_reason("品切れ")
    source.fail_next = BackendUnavailable("down")
    assert not await state.refund(source.items[0])
    assert state.refund_refusal.code == "offline"
    assert await state.refund(source.items[0])  # the retry: the same key
    assert source.refunds[0]["key"] == source.refunds[1]["key"]


# --- views and the tile's spec ---------------------------------------------------------------


def _ctx(confirm: Any = None) -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language="ja"))
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None,
                                 confirm=confirm or (lambda c: None))


def _identifiers(controls: Any) -> set[str]:
    return {str(c.identifier) for c in walk(controls) if getattr(c, "identifier", None)}


async def test_the_shop_screen_shows_its_parts_with_identifiers() -> None:
    state = await opened(FakeShops(items=[payment("t-1", 200)]))
    state.claim_takings_load()
    await state.load_takings()
    controls = shop_body(_ctx(), state)
    assert {"shop-jpqr", "shop-scan-image", "shop-charge", "shop-takings",
            "shop-refund-t-1", "shop-close"} <= _identifiers(controls)
    shown = " ".join(texts(controls))
    assert "ごんご商店" in shown and "200 ポイント" in shown
    # The code's text (with the shop's name in Japanese in a real code) is drawn in the
    # app's font: a monospace one has no kana and drew empty boxes.
    payload = [c for c in walk(controls) if isinstance(c, ft.Text) and c.value == STATIC]
    assert payload and all(c.font_family is None for c in payload)
    assert "お店の画面" in " ".join(texts(shop_entry_button(_ctx(), state)))


def _ctx_with(state: ShopState) -> ViewContext:
    account = SimpleNamespace(signed_in=True, me=SimpleNamespace(common_id="c-1"))
    services = SimpleNamespace(account=account, feature_state=lambda key, make: state,
                               backend=SimpleNamespace(server_clock=None))
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language="ja"))
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None,
                                 services=services)  # type: ignore[arg-type]


async def test_the_points_tile_shows_the_shop_entry_to_clerks_only() -> None:
    def resident(ctx: ViewContext) -> list[Any]:
        return [ft.Text("resident", key="resident")]

    spec = with_shop_screen(FeatureSpec(id="points", title="Points", icon="WALLET",
                                        modes=RESIDENT_AND_KIOSK, order=40, built=True,
                                        build_view=resident))
    assert spec.build_view is not None
    clerk = await opened(FakeShops())
    clerk.show(False)
    nobody = ShopState(FakeShops(shops=[]), lambda: TODAY)
    nobody.claim_shops_load()
    await nobody.load_shops()
    assert _identifiers(spec.build_view(_ctx_with(clerk))) == {"points-shop-open"}
    assert _identifiers(spec.build_view(_ctx_with(nobody))) == set()
    clerk.show(True)  # the shop screen replaces the resident screens
    shown = spec.build_view(_ctx_with(clerk))
    assert "shop-jpqr" in _identifiers(shown)
    assert "resident" not in texts(shown)


async def test_the_shop_screen_has_its_own_url_and_back_leads_to_the_points_tile() -> None:
    """/points/shop opens the shop screen (a reload or a bookmark at the till), /points the
    resident screens; back from the shop screen leads to /points; a kiosk never shows it."""
    clerk = await opened(FakeShops())
    ctx = _ctx_with(clerk)
    shell = ctx.state
    registry_spec = shell.registry.get("points")
    assert registry_spec is not None and "shop" in registry_spec.sub_routes

    def resident(ctx: ViewContext) -> list[Any]:
        return [ft.Text("resident", key="resident")]

    spec = with_shop_screen(FeatureSpec(id="points", title="Points", icon="WALLET",
                                        modes=RESIDENT_AND_KIOSK, order=40, built=True,
                                        build_view=resident))
    assert spec.prepare is not None and spec.build_view is not None
    shell.navigate("/points/shop")
    assert shell.route == "/points/shop" and shell.back_route() == "/points"
    spec.prepare(ctx)
    assert clerk.open
    assert "shop-jpqr" in _identifiers(spec.build_view(ctx))
    shell.navigate("/points")
    assert shell.back_route() == "/"
    spec.prepare(ctx)
    assert not clerk.open
    assert "shop-jpqr" not in _identifiers(spec.build_view(ctx))
    shell.navigate("/points/nothing-here")  # an unknown screen below the tile: the tile
    assert shell.route == "/points"
