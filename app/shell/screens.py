"""What the shell shows for each screen: the states of its own screens (My data, Data on this
device), the reads started before a render (`prepare_screen`, never inside a view), the login
gate of tiles that need one, and each screen's title and body.

Views only render; everything that reads, writes or schedules is here or in a tile's
`wiring.py` (`FeatureSpec.prepare`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import flet as ft

from app.account.mydata_state import MyDataState
from app.account.sync_status import SyncStatusState
from app.device.files import save_bytes
from app.shell.context import ViewContext
from app.shell.feature_spec import FeatureSpec, Mode
from app.shell.state import Screen
from app.shell.views.home_view import home_body
from app.shell.views.login_needed_view import login_needed_body
from app.shell.views.mydata_view import mydata_body
from app.shell.views.placeholder_view import placeholder_body
from app.shell.views.settings_view import settings_body
from app.shell.views.sync_view import sync_body

# Screens another part of the app adds (the staff home): kind -> (title message id, prepare,
# body). `Screen.kind` values the shell does not know are looked up here.
ScreenBuilder = Callable[[ViewContext], list[Any]]
EXTRA_SCREENS: dict[str, tuple[str, Callable[[ViewContext], None] | None, ScreenBuilder]] = {}


def mydata_state(ctx: ViewContext) -> MyDataState | None:
    services, account = ctx.services, ctx.account
    if services is None or account is None or not account.signed_in:
        return None
    channel = "kiosk" if ctx.state.mode is Mode.KIOSK else "app"
    return services.feature_state(
        "mydata", lambda: MyDataState(services.backend, account, channel, save_bytes,
                                      shared_device=ctx.kiosk))


def sync_status_state(ctx: ViewContext) -> SyncStatusState | None:
    services, device = ctx.services, ctx.device
    if services is None or device is None or not device.open:
        return None
    describers = [f.describe_change for f in ctx.state.registry
                  if f.describe_change is not None]
    return services.feature_state(
        "sync-status",
        lambda: SyncStatusState(device, describers, lambda: datetime.now(UTC)),
    )


def locked(ctx: ViewContext, feature: FeatureSpec) -> bool:
    """A built tile that needs a login, opened by nobody signed in: the login screen instead.
    (A tile not built yet shows what it will do: there is nothing to protect.)"""
    return feature.built and feature.needs_login and not ctx.signed_in


def prepare_screen(ctx: ViewContext, screen: Screen) -> None:
    """Starts the reads the screen needs before it is rendered (each state claims its read,
    so calling this on every render starts one read per change)."""
    if screen.kind == "mydata":
        mydata = mydata_state(ctx)
        if mydata is not None and mydata.claim_load():
            ctx.run_task(_load_and_refresh, ctx, mydata.load)
    elif screen.kind == "sync":
        status = sync_status_state(ctx)
        if status is not None and status.claim_load():
            ctx.run_task(_load_and_refresh, ctx, status.load)
    elif screen.kind == "feature":
        feature = screen.feature
        if (feature is not None and feature.built and feature.prepare is not None
                and not locked(ctx, feature)):
            feature.prepare(ctx)
    elif screen.kind in EXTRA_SCREENS:
        prepare = EXTRA_SCREENS[screen.kind][1]
        if prepare is not None:
            prepare(ctx)


def screen_content(ctx: ViewContext, screen: Screen, today: date
                   ) -> tuple[str, list[ft.Control]]:
    """The app-bar title and the body of a screen (render only)."""
    t = ctx.t
    if screen.kind == "home":
        return t("Tsuyama Portal"), home_body(ctx, today)
    if screen.kind == "settings":
        return t("Settings"), settings_body(ctx)
    if screen.kind == "mydata":
        return t("My data"), mydata_body(ctx, mydata_state(ctx))
    if screen.kind == "sync":
        return t("Data on this device"), sync_body(ctx, sync_status_state(ctx))
    if screen.kind in EXTRA_SCREENS:
        title, _, body = EXTRA_SCREENS[screen.kind]
        return t(title), body(ctx)
    feature = screen.feature
    if feature is None:  # a kind nobody registered (see EXTRA_SCREENS): the home screen
        return t("Tsuyama Portal"), home_body(ctx, today)
    title = t(feature.title)
    if not feature.built or feature.build_view is None:
        return title, placeholder_body(ctx, feature)
    if locked(ctx, feature):
        return title, login_needed_body(ctx, feature)
    return title, feature.build_view(ctx)


async def _load_and_refresh(ctx: ViewContext, load: Callable[[], Any]) -> None:
    await load()
    ctx.refresh()
