"""Binds `ShellState` to a Flet page: routing, rendering, settings storage, the connection
monitor and the kiosk idle timer. The only shell module that touches the page."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import flet as ft

from app.account.account_state import AccountState, LoginStatus
from app.account.logout_flow import run_logout, send_before_reset
from app.design.theme import build_theme, fonts_for
from app.i18n.formatting import city_today
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import InputMemory
from app.shell.idle_timer import IdleTimer
from app.shell.login_bridge import start_login
from app.shell.screens import prepare_screen, screen_content
from app.shell.settings import Settings, SettingsStore
from app.shell.state import HOME, Screen, ShellState
from app.shell.views.common import app_bar, banner_if_offline
from app.shell.views.confirm_dialog import confirm_dialog, done_snack_bar
from backend_client import BackendError

if TYPE_CHECKING:
    from app.services import AppServices

log = logging.getLogger(__name__)

KIOSK_SEND_TIMEOUT_S = 8.0

# How long a kiosk waits for a login started at the login page before giving up on it (the
# same as the backend's and Flet's 10-minute login state lifetime).
LOGIN_GRACE_S = 600.0

# TESTS ONLY (off unless set): re-render every this many seconds, so browser tests can press
# and type while background re-renders land (tests/e2e/test_render_keeps_place.py).
RENDER_HEARTBEAT_ENV = "TSUYAMA_TEST_RENDER_HEARTBEAT_S"


def render_heartbeat_s() -> float | None:
    try:
        period = float(os.environ.get(RENDER_HEARTBEAT_ENV, ""))
    except ValueError:
        return None
    return period if period > 0 else None


class PortalShell:
    def __init__(
        self,
        page: ft.Page,
        state: ShellState,
        services: AppServices,
        store: SettingsStore,
        idle_timer: IdleTimer | None = None,
        today: Callable[[], date] = city_today,
    ) -> None:
        self.page = page
        self.state = state
        self.services = services
        self.store = store
        self.idle_timer = idle_timer
        self.today = today
        self._saved_settings: Settings | None = None
        self._wake_connection = asyncio.Event()
        self._closed = False
        self._fields = InputMemory()  # inputs as the client last reported them (ADR 0021)

    # --- start and stop ----------------------------------------------------------------
    async def start(self) -> None:
        page = self.page
        page.title = "つやまポータル Tsuyama Portal"
        page.theme_mode = ft.ThemeMode.LIGHT
        page.on_route_change = self._on_route_change
        page.on_view_pop = self._on_view_pop
        page.on_keyboard_event = lambda _: self._touch()

        raw = await self.store.load()
        if raw:
            self.state.apply_stored_settings(Settings.from_json(raw, self.state.default_settings))
        self._saved_settings = self.state.settings
        self.state.navigate(page.route or HOME)
        self.state.subscribe(self._on_state_change)
        self.account.subscribe(self._on_account_change)
        self.services.device.subscribe(self.render)
        self.services.public.subscribe(self.render)
        self.render()
        page.run_task(self.services.public.start)
        page.run_task(self.account.restore)
        for feature in self.state.registry.for_mode(self.state.mode):
            if feature.background is not None:
                page.run_task(feature.background, self.context())
        page.run_task(self._connection_loop)
        if self.idle_timer is not None:
            page.run_task(self._idle_loop)
        heartbeat = render_heartbeat_s()
        if heartbeat is not None:
            log.warning("%s is set: re-rendering every %s s (for tests only)",
                        RENDER_HEARTBEAT_ENV, heartbeat)
            page.run_task(self._heartbeat_loop, heartbeat)

    def close(self) -> None:
        self._closed = True
        self._wake_connection.set()

    # --- events ------------------------------------------------------------------------
    def _touch(self) -> None:
        if self.idle_timer is not None:
            self.idle_timer.touch()

    def navigate(self, route: str) -> None:
        self._touch()
        self.page.navigate(route)

    async def _on_route_change(self, e: ft.RouteChangeEvent) -> None:
        self._touch()
        self.state.navigate(e.route)

    async def _on_view_pop(self, e: ft.ViewPopEvent) -> None:
        self.navigate(HOME)

    def _on_state_change(self) -> None:
        self._touch()
        if self.state.settings != self._saved_settings:
            self._saved_settings = self.state.settings
            self.page.run_task(self.store.save, self.state.settings.to_json())
        self.render()

    @property
    def account(self) -> AccountState:
        return self.services.account

    def _on_account_change(self) -> None:
        self._touch()
        me = self.account.me if self.account.signed_in else None
        # The household's profile puts its tiles first (a parent sees 学校 first).
        self.state.set_tile_preference(me.tile_order if me else ())
        device = self.services.device
        if me is not None and not device.open:
            self.page.run_task(self._open_device_data, me.common_id)
        elif me is None and device.open:
            self.page.run_task(device.stop)
        self.render()

    async def _open_device_data(self, common_id: str) -> None:
        try:
            await self.services.device.start(common_id, await self.account.device_id(),
                                             self.account.access_token)
        except Exception:  # the store must not take the app down; the tiles still work online
            log.exception("the local data store could not be opened")

    def logout(self, choice: str = "ask") -> None:
        """Logout, asking first when changes made on this device have not been sent yet."""
        self._touch()
        self.page.run_task(self._logout, choice)

    async def _logout(self, choice: str) -> None:
        was_signed_in = self.account.signed_in
        self.state.logout_question = await run_logout(choice, self.services.device,
                                                      self.account)
        if was_signed_in and not self.account.signed_in:
            self.navigate(HOME)
        self.render()

    def login(self, email: bool = False) -> None:
        """Card login (the national provider); `email` for a visitor's email-only account."""
        self._touch()
        self.page.run_task(self._login, "email" if email else None)

    async def _login(self, acr_values: str | None) -> None:
        # The login page is the backend's: the browser goes there directly, past the client's
        # gate, so first make sure an embedded backend still starting has answered (its
        # requests wait at the gate; app/backend_gate.py). A backend that does not answer is
        # left to the login flow as before.
        with contextlib.suppress(BackendError):
            await self.services.backend.health()
        await start_login(self.page, self.account, self.services.backend_url,
                          self.state.settings.language, acr_values)

    def retry_connection(self, _: Any = None) -> None:
        self._touch()
        self._wake_connection.set()

    def confirm(self, confirmation: Confirmation) -> None:
        """Shows `confirmation` as a modal dialog; its action runs only after "yes"."""
        self._touch()
        self.close_dialogs()
        ctx = self.context()

        def answer(yes: bool) -> None:
            self._touch()
            self.close_dialogs()
            if yes:
                self.page.run_task(self._run_confirmed, confirmation)

        self.page.show_dialog(confirm_dialog(confirmation, ctx.t("Keep"), ctx.metrics,
                                             ctx.palette, answer))

    async def _run_confirmed(self, confirmation: Confirmation) -> None:
        try:
            result = confirmation.on_confirm()
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("a confirmed action failed")
            return
        if confirmation.done_message:
            self.notify(confirmation.done_message)

    def notify(self, message: str) -> None:
        """A short message after something done, shown for a few seconds."""
        if self._closed or not message:
            return
        ctx = self.context()
        self.page.show_dialog(done_snack_bar(message, ctx.metrics, ctx.palette))

    def close_dialogs(self) -> None:
        """Closes every open dialog (an unanswered question, a message)."""
        for _ in range(8):
            if self.page.pop_dialog() is None:
                return

    def run_task(self, handler: Callable[..., Any], *args: Any) -> Any:
        """Runs a view's coroutine on the page's loop; a failure is logged, never silent."""

        async def guarded() -> None:
            try:
                await handler(*args)
            except Exception:
                log.exception("%s failed", getattr(handler, "__qualname__", handler))

        return self.page.run_task(guarded)

    # --- rendering ---------------------------------------------------------------------
    def context(self) -> ViewContext:
        return ViewContext.for_state(
            self.state, self.navigate, self.run_task, self.services, self.render,
            self.login, self.logout, self._fields, self.confirm, self.notify,
        )

    def render(self) -> None:
        """Builds the views from the state and lets Flet send the difference.

        Each `ft.View` has its route as key, so Flet matches it with the view on screen and
        compares the two trees (ADR 0021): controls keep their identity on the client (the
        scroll position, a finger on a button, the focus and cursor of a field) and only what
        changed is sent. The reads a screen needs are started before, never while building."""
        if self._closed:
            return
        ctx = self.context()
        page = self.page
        language = ctx.state.settings.language
        fonts = fonts_for(language)  # a Korean font only once someone reads Korean
        if not fonts.keys() <= (page.fonts or {}).keys():
            page.fonts = {**(page.fonts or {}), **fonts}
        page.theme = build_theme(ctx.palette, ctx.metrics, language)
        screen = self.state.resolve(self.state.route)
        prepare_screen(ctx, screen)
        views = [self._view(ctx, Screen("home", HOME))]
        if screen.kind != "home":
            views.append(self._view(ctx, screen))
        page.views.clear()
        page.views.extend(views)
        page.update()

    def _view(self, ctx: ViewContext, screen: Screen) -> ft.View:
        title, body = screen_content(ctx, screen, self.today())
        return ft.View(
            key=f"view:{screen.route}",
            route=screen.route,
            appbar=app_bar(ctx, title, back=screen.kind != "home"),
            # The banner comes and goes: keyed, so the controls below keep their places.
            controls=[*banner_if_offline(ctx, self.retry_connection), *body],
            bgcolor=ctx.palette.background,
            padding=ft.Padding.all(ctx.metrics.body_size),
            spacing=ctx.metrics.body_size,
            scroll=ft.ScrollMode.AUTO,
        )

    # --- background loops --------------------------------------------------------------
    async def check_connection(self) -> None:
        try:
            await self.services.backend.health()
        except BackendError as exc:
            log.info("backend unreachable: %s", exc)
            self.state.set_connection(False, str(exc))
        else:
            was_offline = self.state.connection.offline
            self.state.set_connection(True)
            if was_offline:
                self.services.device.sync_now()  # back online: send what was queued
                self.services.public.sync_now()

    async def _connection_loop(self) -> None:
        while not self._closed:
            await self.check_connection()
            self._wake_connection.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake_connection.wait(), self.state.connection.next_check_in()
                )

    async def _idle_loop(self) -> None:
        assert self.idle_timer is not None
        poll = min(1.0, self.idle_timer.timeout_s / 4)
        while not self._closed:
            await asyncio.sleep(poll)
            if not self.idle_timer.expired():
                continue
            if (self.account.status is LoginStatus.SIGNING_IN
                    and self.idle_timer.idle_for() < LOGIN_GRACE_S):
                continue  # the resident is at the login page (reading their card)
            self.idle_timer.touch()
            if self._at_start_screen():
                continue
            log.info("kiosk idle: resetting for the next person")
            self.close_dialogs()
            self.state.logout_question = ""
            if self.services.device.open:
                await send_before_reset(self.services.device, KIOSK_SEND_TIMEOUT_S)
            await self.services.device.stop(wipe=True)
            await self.account.logout()
            await self.store.clear()
            self._fields.clear()
            self.state.reset_for_next_user()
            self.page.navigate(HOME)

    async def _heartbeat_loop(self, period: float) -> None:
        while not self._closed:
            await asyncio.sleep(period)
            self.render()

    def _at_start_screen(self) -> bool:
        s = self.state
        return (s.route == HOME and s.kiosk_page == 0 and s.settings == s.default_settings
                and self.account.status is LoginStatus.SIGNED_OUT)


