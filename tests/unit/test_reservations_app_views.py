"""The reservations screens render what the state holds (no page): categories and the age of
the counts, a resource's days with 満員 and the waiting-list button, a pending and a booked
booking with its actions, the check-in QR code drawn big."""

from __future__ import annotations

from typing import Any

import flet as ft
import pytest

from app.features.points.api import FeePayment
from app.features.reservations.views import reservations_body
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from tests.unit.test_reservations_app_state import (
    MONDAY,
    FakeOnline,
    FakeRepo,
    make_state,
    server_row,
)

pytestmark = pytest.mark.anyio


class NoBulky:
    async def pay_bulky_fee(self, number: str, *, pin: str,
                            idempotency_key: str) -> dict[str, Any]:
        raise AssertionError("not a bulky-waste fee")


async def paid(booking_id: str, pin: str, key: str) -> dict[str, Any]:
    return {"amount": -500, "balance_after": 100, "transfer_id": "t1"}


def screen(route: str, language: str = "ja") -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language=language))
    shell.navigate(route)
    assert shell.route == route  # the tile's own URLs are kept (sub_routes "*")
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


def controls_of(tree: Any) -> list[Any]:
    found: list[Any] = []

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 60 or obj is None:
            return
        if isinstance(obj, list | tuple):
            for item in obj:
                walk(item, depth + 1)
            return
        if not isinstance(obj, ft.BaseControl):
            return
        found.append(obj)
        for attr in ("content", "controls", "label"):
            walk(getattr(obj, attr, None), depth + 1)

    walk(tree)
    return found


def words(tree: Any) -> str:
    return " ".join(str(v) for c in controls_of(tree) for v in (
        getattr(c, "value", None), getattr(c, "label", None)) if isinstance(v, str))


@pytest.mark.parametrize(("language", "expected"), [
    ("ja", ("窓口", "子育て支援課 窓口予約", "更新")),
    ("en", ("Counter appointments", "Childcare counter", "Updated"))])
async def test_the_browse_screen_shows_categories_and_the_counts_age(
        language: str, expected: tuple[str, ...]) -> None:
    st = make_state()
    st.language = language
    await st.load()
    text = words(reservations_body(screen("/reservations", language), st))
    assert all(word in text for word in expected), text


async def test_a_resource_shows_full_slots_and_the_waiting_list_button() -> None:
    st = make_state()
    await st.load()
    text = words(reservations_body(screen("/reservations/kosodate"), st))
    assert "満員" in text and "空き2" in text and "この時間で予約する" in text
    assert "料金" in text and "開庁日前" in text
    st.choose_slot(st.days("kosodate")[0].slots[1])
    text = words(reservations_body(screen("/reservations/kosodate"), st))
    assert "キャンセル待ちに登録する" in text


async def test_a_booking_screen_from_pending_to_booked_with_its_qr_code() -> None:
    repo = FakeRepo()
    st = make_state(repo, FakeOnline())
    await st.load()
    entry = st.resource("kosodate")
    assert entry is not None
    st.choose_slot(st.days("kosodate")[0].slots[0])
    booking_id = await st.book(entry)
    assert booking_id is not None
    await st.load()
    route = f"/reservations/bookings/{booking_id}"
    assert "未送信" in words(reservations_body(screen(route), st))
    repo.server_answers(booking_id, server_row(booking_id, "booked", MONDAY))
    await st.load()
    text = words(reservations_body(screen(route), st))
    assert "予約番号：R-2026-000001" in text and "取り消す" in text
    assert "日時を変更する" in text and "手数料は窓口でお支払いください" in text
    fees = FeePayment(NoBulky(), pay=paid)
    assert "ポイントで支払う" in words(reservations_body(screen(route), st, fees))
    # 「ポイントで支払う」 opens the PIN field (the points tile's controls); a PIN refused
    # offline says why; the field stays for another try.
    fees.start(booking_id)
    text = words(reservations_body(screen(route), st, fees))
    assert "ポイントで支払う" not in text and "支払う" in text and "暗証番号" in text
    fees.set_pin(booking_id, "2580")
    assert not await fees.pay(booking_id, online=False)
    text = words(reservations_body(screen(route), st, fees))
    assert "インターネット" in text or "オンライン" in text, text
    booking = st.booking(booking_id)
    assert booking is not None
    await st.show_checkin(booking, online=True)
    tree = reservations_body(screen(route), st)
    images = [c for c in controls_of(tree) if isinstance(c, ft.Image)]
    assert len(images) == 1 and isinstance(images[0].src, bytes)
    assert images[0].src.startswith(b"\x89PNG")
