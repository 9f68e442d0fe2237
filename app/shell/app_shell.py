"""Binds `ShellState` to a Flet page: routing, rendering, settings storage, the connection
monitor and the kiosk idle timer. The only shell module that touches the page."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
from collections.abc import Callable, Hashable
from datetime import date
from typing import TYPE_CHECKING, Any

import flet as ft
import flet_camera as fc

from app.account.account_state import AccountState, LoginError, LoginNotice, LoginStatus
from app.account.logout_flow import DISCARD, run_logout, send_before_reset
from app.design.theme import build_theme, fonts_for
from app.device.qr_camera import ScanStatus, scan_for_code
from app.i18n.formatting import city_today
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import InputMemory
from app.shell.idle_timer import IdleTimer
from app.shell.login_bridge import start_login
from app.shell.screens import prepare_screen, screen_content
from app.shell.settings import Settings, SettingsStore
from app.shell.state import HOME, Screen, ShellState
from app.shell.views.camera_dialog import (
    STATUS_TEXT,
    camera_control,
    camera_dialog,
    status_line,
)
from app.shell.views.common import app_bar, banner_if_offline
from app.shell.views.confirm_dialog import confirm_dialog, done_snack_bar
from app.shell.views.idle_countdown import idle_countdown_bar
from backend_client import BackendError

if TYPE_CHECKING:
    from app.services import AppServices

log = logging.getLogger(__name__)

KIOSK_SEND_TIMEOUT_S = 8.0

# A login whose answer (the callback) has not come back this long after the login page
# opened ends with 「ログインが完了しませんでした」 (ADR 0027).
LOGIN_TIMEOUT_S = 180.0
# Before sending the browser to the login page, the backend must answer within this long
# (otherwise 「オフラインのためログインできません」, and the tab stays in the app) ...
LOGIN_HEALTH_TIMEOUT_S = 5.0
# ... or this long while the embedded backend is still starting (app/backend_gate.py).
LOGIN_HEALTH_TIMEOUT_STARTING_S = 60.0
# Back in the app (a reload, Back from the login page) with a login open: its answer comes
# at once when there is one (Flet resumes the session with it); without one, it is over.
LOGIN_RESUME_GRACE_S = 2.0
# A logout choice of the shell's own: the account was deleted, log out discarding local data.
LOGOUT_AFTER_DELETION = "deleted"

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
        # Inputs as the client last reported them (ADR 0021); every change counts as activity.
        self._fields: InputMemory = _ActivityInputMemory(self._touch)
        self._countdown_shown: int | None = None  # the seconds the kiosk count-down shows
        self._visited = False  # a kiosk: someone opened a screen since the last reset
        self._backgrounds: list[Any] = []  # the tiles' session-long tasks (futures)

    # --- start and stop ----------------------------------------------------------------
    async def start(self) -> None:
        page = self.page
        page.title = "つやまポータル Tsuyama Portal"
        page.theme_mode = ft.ThemeMode.LIGHT
        page.on_route_change = self._on_route_change
        page.on_view_pop = self._on_view_pop
        page.on_keyboard_event = lambda _: self._touch()
        page.on_connect = self._on_connect
        page.on_app_lifecycle_state_change = self._on_lifecycle

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
        self._start_backgrounds()
        page.run_task(self._connection_loop)
        if self.idle_timer is not None:
            page.run_task(self._idle_loop)
        heartbeat = render_heartbeat_s()
        if heartbeat is not None:
            log.warning("%s is set: re-rendering every %s s (for tests only)",
                        RENDER_HEARTBEAT_ENV, heartbeat)
            page.run_task(self._heartbeat_loop, heartbeat)

    def _start_backgrounds(self) -> None:
        """Each tile's session-long task (reminders…), over fresh states."""
        for feature in self.state.registry.for_mode(self.state.mode):
            if feature.background is not None:
                self._backgrounds.append(
                    self.page.run_task(feature.background, self.context(active=False)))

    def _forget_the_last_person(self) -> None:
        """After a logout: what the last person typed and every tile's state of them
        (loaded records, search text, a district from their address) go, so whoever logs in
        next in this browser or app sees none of it; the tiles' background tasks, which held
        those states, start again."""
        self._fields.clear()
        self.services.reset_for_next_user()
        self._restart_backgrounds()

    def _restart_backgrounds(self) -> None:
        """After a kiosk reset or a logout: the tasks held the last person's states; new
        ones start."""
        for task in self._backgrounds:
            task.cancel()
        self._backgrounds.clear()
        self._start_backgrounds()

    def close(self) -> None:
        self._closed = True
        self._wake_connection.set()

    # --- events ------------------------------------------------------------------------
    def _touch(self, _: Any = None) -> None:
        """Someone is here: a touch, a key, a change (ADR 0026). Ends a count-down."""
        if self.idle_timer is None:
            return
        self.idle_timer.touch()
        if self._countdown_shown is not None:
            self._countdown_shown = None
            self.render()
        if self.state.connection.offline:
            self._wake_connection.set()  # the resident is here: check the link now

    def _on_lifecycle(self, e: ft.AppLifecycleStateChangeEvent) -> None:
        if e.state in (ft.AppLifecycleState.SHOW, ft.AppLifecycleState.RESUME):
            self._touch()  # the tab is visible again: a stale banner must not wait

    def navigate(self, route: str) -> None:
        self._touch()
        self.page.navigate(route)

    async def _on_route_change(self, e: ft.RouteChangeEvent) -> None:
        self._touch()
        self.state.navigate(e.route)

    async def _on_view_pop(self, e: ft.ViewPopEvent) -> None:
        self.navigate(self.state.back_route())

    def _on_state_change(self) -> None:
        self._touch()
        if self.state.route != HOME:
            self._visited = True
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
        deleted = choice == LOGOUT_AFTER_DELETION
        self.state.logout_question = await run_logout(DISCARD if deleted else choice,
                                                      self.services.device, self.account)
        if was_signed_in and not self.account.signed_in:
            self._forget_the_last_person()
            self.navigate(HOME)
            t = self.context().t
            self.notify(t("Your account was deleted. You are logged out.") if deleted
                        else t("You are logged out."))
        self.render()

    def login(self, email: bool = False) -> None:
        """Card login (the national provider); `email` for a visitor's email-only account."""
        self._touch()
        self.page.run_task(self._login, "email" if email else None)

    async def _login(self, acr_values: str | None) -> None:
        """SIGNING_IN at once (with 「ログインをやめる」), then: the backend must answer (the
        login page is the backend's and the browser goes there directly, past the client's
        gate: an embedded backend still starting is waited for), else the resident stays in
        the app and reads 「オフラインのためログインできません」; then the login page, for at
        most LOGIN_TIMEOUT_S (ADR 0027)."""
        account = self.account
        if account.status is LoginStatus.SIGNING_IN or account.signed_in:
            return  # a second tap on ログイン
        attempt = account.start_attempt()
        if not await self._backend_answers():
            account.cancel_login(LoginNotice.OFFLINE, attempt)
            return
        if not account.is_current(attempt):
            return  # cancelled while the backend was asked
        try:
            await start_login(self.page, account, self.services.backend_url,
                              self.state.settings.language, acr_values, attempt)
        except LoginError:
            return  # cancelled meanwhile
        except Exception:
            log.exception("the login page could not be opened")
            account.cancel_login(LoginNotice.NOT_COMPLETED, attempt)
            return
        self.page.run_task(self._expire_login, attempt)

    async def _backend_answers(self) -> bool:
        timeout = (LOGIN_HEALTH_TIMEOUT_STARTING_S if self.services.backend_starting()
                   else LOGIN_HEALTH_TIMEOUT_S)
        try:
            await asyncio.wait_for(self.services.backend.health(), timeout)
        except (BackendError, TimeoutError) as exc:
            log.info("login: the backend does not answer: %s", exc)
            self.state.set_connection(False, str(exc) or "timeout")
            return False
        return True

    async def _expire_login(self, attempt: int) -> None:
        await asyncio.sleep(LOGIN_TIMEOUT_S)
        if self.account.cancel_login(LoginNotice.TIMED_OUT, attempt):
            log.info("login: no answer from the login page in time; cancelled")

    async def _on_connect(self, _: Any = None) -> None:
        """The browser came back to the app (a reload, Back from the login page). A login
        answer comes with the reconnection; a login still waiting for one after a moment was
        abandoned: it must not stay 「ログインしています…」 for ever."""
        account = self.account
        if not self.page.web or not account.awaiting_answer:
            return
        attempt = account.attempt
        await asyncio.sleep(LOGIN_RESUME_GRACE_S)
        if account.awaiting_answer and account.cancel_login(LoginNotice.NOT_COMPLETED,
                                                            attempt):
            log.info("login: back in the app without an answer; cancelled")

    def retry_connection(self, _: Any = None) -> None:
        self._touch()
        # The resident is in the app, so no login page is open: a login still waiting for
        # its answer is over (ADR 0027).
        if self.account.awaiting_answer:
            self.account.cancel_login(LoginNotice.NOT_COMPLETED)
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

    async def scan_code(self, decode: Callable[[bytes], str]) -> str | None:
        """Reads a QR code with the live camera in a modal dialog (ADR 0036): the text of the
        first code `decode` reads, or None. When the camera cannot be used, or nothing was
        found in time, the dialog closes and a message says so (read from a picture)."""
        self._touch()
        self.close_dialogs()
        ctx = self.context()
        camera = camera_control(ctx.metrics)
        status = status_line(ctx.t, ScanStatus.STARTING, ctx.metrics, ctx.palette)
        cancelled = asyncio.Event()

        def stop(_: Any) -> None:
            self._touch()
            cancelled.set()

        def show(state: ScanStatus) -> None:
            self._touch()  # a resident holding a code to the camera is here (ADR 0026)
            status.value = ctx.t(STATUS_TEXT[state]) if STATUS_TEXT[state] else ""
            with contextlib.suppress(RuntimeError):  # the dialog is already gone
                status.update()

        self.page.show_dialog(camera_dialog(ctx.t, camera, status, ctx.metrics, ctx.palette,
                                            stop))
        await asyncio.sleep(0)  # the dialog (and the camera control) reach the client first
        try:
            outcome, text = await scan_for_code(
                camera, decode, resolution=fc.ResolutionPreset.MEDIUM, on_status=show,
                cancelled=cancelled)
        finally:
            self.close_dialogs()
        if outcome not in (ScanStatus.FOUND, ScanStatus.CANCELLED):
            self.notify(ctx.t(STATUS_TEXT[outcome]))
        return text

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
    def context(self, active: bool = True) -> ViewContext:
        """The views' context. `active`: what the views call (a tap's handler running a task
        or re-rendering) counts as someone being here (ADR 0026); background loops and the
        reads a render starts get `active=False`."""
        if not active:
            return ViewContext.for_state(
                self.state, self.navigate, self.run_task, self.services, self.render,
                self.login, self.logout, self._fields, self.confirm, self.notify,
                self.scan_code,
            )
        return ViewContext.for_state(
            self.state, self.navigate, self._run_task_by_resident, self.services,
            self._render_for_resident, self.login, self.logout, self._fields, self.confirm,
            self.notify, self.scan_code,
        )

    def _run_task_by_resident(self, handler: Callable[..., Any], *args: Any) -> Any:
        self._touch()
        return self.run_task(handler, *args)

    def _render_for_resident(self) -> None:
        self._touch()
        self.render()

    def render(self) -> None:
        """Builds the views from the state and lets Flet send the difference.

        Each `ft.View` has its route as key, so Flet matches it with the view on screen and
        compares the two trees (ADR 0021): controls keep their identity on the client (the
        scroll position, a finger on a button, the focus and cursor of a field) and only what
        changed is sent. The reads a screen needs are started before, never while building."""
        if self._closed:
            return
        ctx = self.context()
        self._fields.metrics = ctx.metrics  # labelled switches reach this screen's target
        page = self.page
        language = ctx.state.settings.language
        fonts = fonts_for(language)  # a Korean font only once someone reads Korean
        if not fonts.keys() <= (page.fonts or {}).keys():
            page.fonts = {**(page.fonts or {}), **fonts}
        page.theme = build_theme(ctx.palette, ctx.metrics, language)
        screen = self.state.resolve(self.state.route)
        prepare_screen(self.context(active=False), screen)
        views = [self._view(ctx, Screen("home", HOME))]
        if screen.kind != "home":
            views.append(self._view(ctx, screen))
        page.views.clear()
        page.views.extend(views)
        page.update()

    def _view(self, ctx: ViewContext, screen: Screen) -> ft.View:
        title, body = screen_content(ctx, screen, self.today())
        # The banner comes and goes: keyed, so the controls below keep their places.
        body = [*banner_if_offline(ctx, self.retry_connection), *body]
        controls: list[ft.BaseControl] = list(body)
        if self.idle_timer is not None:
            # A kiosk: every finger on the screen counts as someone being here, also where
            # nothing reacts to it. A pan recogniser reports the pointer going down at once
            # and loses to the tapped control's own recogniser, so taps still work.
            controls = [ft.GestureDetector(
                key="kiosk-activity",
                on_pan_down=self._touch,
                exclude_from_semantics=True,
                content=ft.Column(body, spacing=ctx.metrics.body_size),
            )]
        return ft.View(
            key=f"view:{screen.route}",
            route=screen.route,
            appbar=app_bar(ctx, title, back=screen.kind != "home"),
            controls=controls,
            bottom_appbar=(idle_countdown_bar(ctx, self._countdown_shown, self._touch)
                           if self._countdown_shown is not None else None),
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
        timer = self.idle_timer
        poll = min(0.5, timer.timeout_s / 8)
        while not self._closed:
            await asyncio.sleep(poll)
            if self.account.status is LoginStatus.SIGNING_IN:
                # The resident is at the login page (reading their card): the login's own
                # time limit ends this (LOGIN_TIMEOUT_S).
                self._show_countdown(None)
                continue
            if self._at_start_screen():
                timer.touch()  # nothing to forget: the start screen stays as it is
                self._show_countdown(None)
                continue
            if timer.counting_down():
                self._show_countdown(timer.seconds_left())
                continue
            if not timer.expired():
                self._show_countdown(None)
                continue
            timer.touch()
            await self._reset_for_next_person()

    def _show_countdown(self, seconds: int | None) -> None:
        """Re-renders when the count-down appears, changes or goes (once a second at most)."""
        if seconds != self._countdown_shown:
            self._countdown_shown = seconds
            self.render()

    async def _reset_for_next_person(self) -> None:
        """A kiosk nobody touched: everything of the last person goes (ADR 0007, 0026)."""
        log.info("kiosk idle: resetting for the next person")
        self._countdown_shown = None
        self.close_dialogs()
        self.state.logout_question = ""
        if self.services.device.open:
            await send_before_reset(self.services.device, KIOSK_SEND_TIMEOUT_S)
        await self.services.device.stop(wipe=True)
        await self.account.logout()
        await self.store.clear()
        self._fields.clear()
        self.services.reset_for_next_user()  # every tile's state: search text, district…
        self._restart_backgrounds()
        self.state.reset_for_next_user()
        self._visited = False
        self.page.navigate(HOME)
        self.render()

    async def _heartbeat_loop(self, period: float) -> None:
        while not self._closed:
            await asyncio.sleep(period)
            self.render()

    def _at_start_screen(self) -> bool:
        s = self.state
        return (s.route == HOME and s.kiosk_page == 0 and s.settings == s.default_settings
                and self.account.status is LoginStatus.SIGNED_OUT and not self._visited)




class _ActivityInputMemory(InputMemory):
    """The shell's `InputMemory`: every change the client reports to a remembered input
    (typing in a field, flipping a switch) also counts as someone being here (ADR 0026)."""

    def __init__(self, touch: Callable[[], None]) -> None:
        super().__init__()
        self._on_activity = touch

    def remember(self, key: str, revision: Hashable, control: Any) -> None:
        for name in ("on_change", "on_submit"):
            handler = getattr(control, name, None)
            if handler is not None:
                setattr(control, name, _touching(handler, self._on_activity))
        super().remember(key, revision, control)


def _touching(handler: Callable[[Any], Any], touch: Callable[[], None]) -> Callable[[Any], Any]:
    if inspect.iscoroutinefunction(handler):  # Flet awaits only coroutine functions

        async def handle_async(e: Any) -> Any:
            touch()
            return await handler(e)

        return handle_async

    def handle(e: Any) -> Any:
        touch()
        return handler(e)

    return handle
