"""Puts the shop screen into the points tile for one session.

The shop screen is the points tile's own screen at `/points/shop` (`FeatureSpec.sub_routes`:
a reload or a bookmark at the till opens it again, back leads to the resident screens):
`with_shop_screen` wraps the tile's `build_view` and `prepare`. A clerk (someone
`GET /points/shops/mine` lists shops for) gets 「お店の画面」 above the resident screens; at
`/points/shop` the shop screen replaces them (for anyone else that route shows the
resident screens)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.features.points.shop import views
from app.features.points.shop.repository import BackendShopSource
from app.features.points.shop.routes import SHOP_ROUTE, SHOP_SUB_ROUTE
from app.features.points.shop.state import ShopState
from app.i18n.formatting import city_today
from app.services import AppServices
from app.shell.context import ViewContext
from app.shell.feature_spec import FeatureSpec


def _services(ctx: ViewContext) -> AppServices | None:
    services = ctx.services
    if services is None or not services.account.signed_in:
        return None
    return services


def shop_state(ctx: ViewContext) -> ShopState | None:
    """The signed-in person's shop state (a later login on this tab starts afresh); None
    when nobody is signed in."""
    services = _services(ctx)
    if services is None:
        return None
    me = services.account.me
    owner = me.common_id if me is not None else ""
    clock = services.backend.server_clock
    return services.feature_state(
        f"points-shop:{owner}",
        lambda: ShopState(BackendShopSource(services.backend, services.account.access_token),
                          lambda: city_today(clock.now())))


async def _run(ctx: ViewContext, load: Any) -> None:
    await load()
    ctx.refresh()


def prepare(ctx: ViewContext) -> None:
    """The reads of the shop part: whether the caller is a clerk (once), then, while the shop
    screen is open, the shop's static code and today's takings."""
    state = shop_state(ctx)
    if state is None or ctx.kiosk:  # a shared kiosk is no shop's till
        return
    if state.claim_shops_load():
        ctx.run_task(_run, ctx, state.load_shops)
    if state.claim_code_load():
        ctx.run_task(_run, ctx, state.load_static_code)
    if state.claim_takings_load():
        ctx.run_task(_run, ctx, state.load_takings)


def with_shop_screen(feature: FeatureSpec) -> FeatureSpec:
    """The points tile's spec with the shop screen in it (see the module's docstring)."""
    resident_view, resident_prepare = feature.build_view, feature.prepare
    if resident_view is None:
        return feature

    def build_view(ctx: ViewContext) -> list[Any]:
        state = None if ctx.kiosk else shop_state(ctx)
        if state is not None and state.open and state.is_clerk:
            return views.shop_body(ctx, state)
        entry = views.shop_entry_button(ctx, state) if state is not None else []
        return [*entry, *resident_view(ctx)]

    def prepare_all(ctx: ViewContext) -> None:
        state = shop_state(ctx)
        if state is not None:
            state.show(ctx.state.route == SHOP_ROUTE and not ctx.kiosk)
        prepare(ctx)
        if resident_prepare is not None and (state is None or not state.open):
            resident_prepare(ctx)

    return replace(feature, build_view=build_view, prepare=prepare_all,
                   sub_routes=(*feature.sub_routes, SHOP_SUB_ROUTE))
