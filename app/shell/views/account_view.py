"""The home screen's account area: login, the greeting, reminders, My data and logout."""

from __future__ import annotations

import flet as ft

from app.account.account_state import LoginNotice, LoginStatus
from app.account.sync_status import OPEN_ERROR
from app.design.widgets import big_button, quiet_button
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.state import MYDATA_ROUTE, STAFF_ROUTE, SYNC_ROUTE
from app.shell.views.common import note_card

REMINDER_MESSAGES = {
    "health_check": "It is time for your annual health check. Please book it with the city.",
}


def account_area(ctx: ViewContext) -> list[ft.Control]:
    account = ctx.account
    if account is None:
        return []
    visitor = ctx.state.mode is Mode.VISITOR
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    me = account.me
    if account.signed_in and me is not None:
        controls: list[ft.Control] = [
            ft.Text(t("Hello, {name}", name=me.name), size=m.title_size,
                    weight=ft.FontWeight.BOLD, color=p.on_surface),
            ft.Row(
                [
                    big_button(t("My data"), "PERSON", m, p,
                               lambda _: ctx.navigate(MYDATA_ROUTE)),
                    # City staff only (resident mode): their department's screens.
                    *([big_button(t("Staff menu"), "BADGE", m, p,
                                  lambda _: ctx.navigate(STAFF_ROUTE))]
                      if me is not None and me.staff_scopes and ctx.state.mode is Mode.RESIDENT
                      else []),
                    big_button(t("Log out"), "LOGOUT", m, p, lambda _: ctx.logout("ask")),
                ],
                wrap=True,
                spacing=m.body_size,
            ),
            *_logout_question(ctx),
            *_login_lasts(ctx),
            *_sync_status(ctx),
        ]
        for reminder in me.reminders:
            message = REMINDER_MESSAGES.get(str(reminder.get("kind")))
            if message:
                controls.append(note_card(ctx, t(message)))
        return controls
    if account.status is LoginStatus.SIGNING_IN:
        # Always a way out: the login page may never answer (Back, offline, closed).
        return [ft.Row([
            ft.ProgressRing(),
            ft.Text(t("Logging in…"), size=m.body_size, color=p.on_surface),
            quiet_button(t("Stop logging in"), m, p, lambda _: account.cancel_login(),
                         identifier="login-cancel", icon_name="CLOSE"),
        ], wrap=True, spacing=m.body_size, vertical_alignment=ft.CrossAxisAlignment.CENTER)]
    controls = []
    notice = LOGIN_NOTICES.get(account.notice)
    if notice:
        controls.append(ft.Semantics(
            identifier="login-notice", live_region=True, container=True,
            content=ft.Text(t(notice), size=m.body_size, color=p.on_surface,
                            weight=ft.FontWeight.BOLD)))
    if account.status is LoginStatus.FAILED:
        controls.append(ft.Text(t("Login did not succeed. Please try again."),
                                size=m.body_size, color=p.on_surface,
                                weight=ft.FontWeight.BOLD))
    if visitor:
        controls.append(ft.Text(t("Sign in with your email address to keep tickets and points."),
                                size=m.body_size, color=p.on_surface))
        controls.append(big_button(t("Sign in with email"), "MAIL", m, p,
                                   lambda _: ctx.login(email=True)))
        return controls
    controls.append(ft.Text(
        t("Log in with your My Number card to see services that fit you and your household."),
        size=m.body_size, color=p.on_surface))
    controls.append(big_button(t("Log in"), "LOGIN", m, p, lambda _: ctx.login()))
    return controls


LOGIN_NOTICES = {
    LoginNotice.CANCELLED: "You stopped logging in.",
    LoginNotice.TIMED_OUT: "The login was not completed. Please try again.",
    LoginNotice.NOT_COMPLETED: "The login was not completed. Please try again.",
    LoginNotice.OFFLINE: "You cannot log in while offline. Please check the connection and "
                         "try again.",
}


def _login_lasts(ctx: ViewContext) -> list[ft.Control]:
    """How long this login lasts, when it is not "until you log out" (ADR 0027)."""
    account = ctx.account
    if account is None:
        return []
    if ctx.kiosk:
        text = ctx.t("This is a shared kiosk: when you leave it, it forgets everything, "
                     "including your login.")
    elif not account.persistent:  # no OS keyring (or a hosted web app): memory only
        text = ctx.t("On this device, your login lasts until you close the app.")
    else:
        return []
    return [ft.Text(text, size=ctx.metrics.body_size * 0.9, color=ctx.palette.on_surface,
                    key="login-lasts")]


def _logout_question(ctx: ViewContext) -> list[ft.Control]:
    """Unsent changes at logout: send them first, give them up, or stay logged in."""
    question = ctx.state.logout_question
    device = ctx.device
    if not question or device is None:
        return []
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    text = t("{count} changes made on this device have not been sent to the city yet.",
             count=device.pending)
    if question == "still_pending":
        text += " " + t("They cannot be sent right now (offline).")
    return [
        ft.Text(text, size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD),
        ft.Row([
            big_button(t("Send, then log out"), "CLOUD_UPLOAD", m, p,
                       lambda _: ctx.logout("send")),
            big_button(t("Log out and discard them"), "DELETE", m, p,
                       lambda _: ctx.logout("discard")),
            big_button(t("Stay logged in"), "CLOSE", m, p, lambda _: ctx.logout("cancel")),
        ], wrap=True, spacing=m.body_size),
    ]


def _sync_status(ctx: ViewContext) -> list[ft.Control]:
    """How fresh this device's data is and what is still waiting to be sent."""
    device = ctx.device
    if device is None:
        return []
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    warnings: list[ft.Control] = []
    if device.open_error:
        warnings.append(ft.Text(t(OPEN_ERROR), size=m.body_size, color=p.banner,
                                weight=ft.FontWeight.BOLD))
    if device.recoveries:
        warnings.append(ft.Text(t("The data on this device was rebuilt. See Details."),
                                size=m.body_size, color=p.banner, weight=ft.FontWeight.BOLD))
    if not device.open:
        return warnings
    parts = [t("{count} changes waiting to be sent", count=device.pending)
             if device.pending else t("Everything is sent")]
    if device.last_synced_at is not None:
        parts.append(t("Last synced {time}",
                       time=format_datetime_short(device.last_synced_at, ctx.locale)))
    return [*warnings, ft.Row([
        ft.Icon(ft.Icons.CLOUD_SYNC, color=p.primary),
        ft.Text(" · ".join(parts), size=m.body_size * 0.9, color=p.on_surface),
        ft.TextButton(content=ft.Text(t("Sync now"), size=m.body_size * 0.9,
                                      color=p.primary),
                      on_click=lambda _: device.sync_now(), height=m.min_touch_target),
        ft.TextButton(content=ft.Text(t("Details"), size=m.body_size * 0.9, color=p.primary),
                      on_click=lambda _: ctx.navigate(SYNC_ROUTE),
                      height=m.min_touch_target),
    ], wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER)]
