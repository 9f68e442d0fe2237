"""The shop screen and the three points staff screens build their control trees, empty and
loaded, in Japanese and English, at every text size (they render only: no page needed)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from app.design.tokens import TextSize
from app.features.points.shop import views as shop_views
from app.features.points.shop.state import ShopState
from app.features.points.staff import views as staff_views
from app.features.points.staff.state import PointsStaffState
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from tests.unit.test_points_shop_state import FakeShops
from tests.unit.test_points_staff_state import FakeStaff
from tests.unit.test_views_build import texts

TODAY = date(2026, 12, 3)


def ctx_for(language: str, size: TextSize) -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language=language))
    shell.apply_stored_settings(Settings(language, size, False))
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("size", list(TextSize))
def test_the_staff_screens_build_empty_and_loaded(language: str, size: TextSize) -> None:
    ctx = ctx_for(language, size)
    state = PointsStaffState(FakeStaff(), lambda: TODAY)
    for body in (staff_views.shops_body, staff_views.residents_body, staff_views.codes_body):
        assert texts(body(ctx, state))
    asyncio.run(state.load_rules())
    asyncio.run(state.load_shops())
    asyncio.run(state.load_totals())
    shown = texts(staff_views.codes_body(ctx, state)) + texts(staff_views.shops_body(ctx, state))
    assert any("ごんご商店" in s for s in shown), shown
    assert any("8,700" in s for s in shown), shown  # the outstanding total


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("size", list(TextSize))
def test_the_shop_screen_builds_empty_and_loaded(language: str, size: TextSize) -> None:
    ctx = ctx_for(language, size)
    state = ShopState(FakeShops(), lambda: TODAY)
    assert texts(shop_views.shop_body(ctx, state)) is not None
    asyncio.run(state.load_shops())
    state.show(True)
    asyncio.run(state.load_static_code())
    asyncio.run(state.load_takings())
    shown = texts(shop_views.shop_body(ctx, state))
    assert any("ごんご商店" in s for s in shown), shown
