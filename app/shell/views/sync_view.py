""""Data on this device" (この端末のデータ): changes waiting to be sent, changes the city did not
accept and why, what was sent lately, and how fresh the stored data is.

Renders `SyncStatusState` and the device's status only: the shell starts the read before a
render (`shell/screens.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.account.clock_notice import clock_notice
from app.account.sync_status import OPEN_ERROR, ChangeItem, SyncStatusState, recovery_lines
from app.design.widgets import big_button
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext
from app.shell.state import HOME
from app.shell.views.common import line_card, section_heading

STATE_LABELS = {
    "pending": "Waiting to be sent",
    "sending": "Waiting to be sent",  # sent at least once, no answer yet (offline, say)
    "applied": "Sent",
    "rejected": "Not accepted",
}


def sync_body(ctx: ViewContext, state: SyncStatusState | None = None) -> list[ft.Control]:
    """`state` is None while the resident's store is not open."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    device = ctx.device
    public = ctx.public
    controls: list[ft.Control] = _clock_notice(ctx)
    if device is not None and device.open_error:
        controls.append(ft.Text(t(OPEN_ERROR), size=m.body_size, color=p.banner,
                                weight=ft.FontWeight.BOLD, key="open-error"))
    elif device is None or not device.open:
        controls.append(ft.Text(t("Log in to keep your own data on this device."),
                                size=m.body_size, color=p.on_surface, key="log-in-note"))
    if device is not None:
        controls += [_keyed(_recovery_card(ctx, r, lambda rid: device.dismiss_recovery(rid)),
                            f"recovery-{r.id}") for r in device.recoveries]
    if public is not None and public.last_synced_at is not None:
        controls.append(_keyed(_line(ctx, "PUBLIC", t(
            "City information updated {time}",
            time=format_datetime_short(public.last_synced_at, ctx.locale))), "public-age"))
    if device is None or not device.open or state is None:
        controls.append(ft.Container(big_button(t("Back to home"), "HOME", m, p,
                                                lambda _: ctx.navigate(HOME)), key="home"))
        return controls

    if device.last_synced_at is not None:
        controls.append(_keyed(_line(ctx, "CLOUD_DONE", t(
            "Your data synced {time}",
            time=format_datetime_short(device.last_synced_at, ctx.locale))), "own-age"))
    else:
        controls.append(_keyed(_line(ctx, "CLOUD_OFF", t("Your data has not been synced yet.")),
                               "own-age"))
    controls.append(ft.Container(big_button(t("Sync now"), "SYNC", m, p,
                                            lambda _: device.sync_now()), key="sync-now"))

    controls.append(_keyed(section_heading(ctx, t("Waiting to be sent ({count})",
                                                  count=len(state.waiting))), "waiting"))
    if not state.waiting:
        controls.append(ft.Text(t("Everything made on this device has been sent."),
                                size=m.body_size, color=p.on_surface, key="all-sent"))
    controls += [_keyed(_item(ctx, item), f"waiting-{item.seq}") for item in state.waiting]
    if state.rejected:
        controls.append(_keyed(section_heading(ctx, t("Not accepted by the city ({count})",
                                               count=len(state.rejected))), "rejected"))
        controls.append(ft.Text(
            t("These changes were undone on this device; the city's version is shown."),
            size=m.body_size * 0.9, color=p.on_surface, key="rejected-note"))
        controls += [_keyed(_item(ctx, item), f"rejected-{item.seq}")
                     for item in state.rejected]
    if state.sent:
        controls.append(_keyed(section_heading(ctx, t("Sent recently")), "sent"))
        controls += [_keyed(_item(ctx, item), f"sent-{item.seq}") for item in state.sent]
    return controls


def _keyed(control: ft.Control, key: str) -> ft.Control:
    control.key = key
    return control


def _recovery_card(ctx: ViewContext, recovery: Any, dismiss: Callable[[int], Any]
                   ) -> ft.Control:
    """What happened to a rebuilt store (an `offline_store.StoreRecovery` from the device's
    status), until the resident says they have read it."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    (headline, _), *rest = recovery_lines(recovery)
    return line_card(ctx, [
        ft.Row([ft.Icon(ft.Icons.RESTORE, color=p.banner, size=ctx.metrics.icon_size),
                ft.Text(t(headline), size=m.body_size, color=p.on_surface,
                        weight=ft.FontWeight.BOLD, expand=True)]),
        *(ft.Text(t(message, **params), size=m.body_size * 0.95, color=p.on_surface)
          for message, params in rest),
        ft.Text(format_datetime_short(recovery.at, ctx.locale), size=m.body_size * 0.85,
                color=p.on_surface),
        big_button(t("I have read this"), "CHECK", m, p,
                   lambda _: ctx.run_task(dismiss, recovery.id)),
    ])


def _clock_notice(ctx: ViewContext) -> list[ft.Control]:
    """How far this device's clock is from the server's, when that is far (else nothing)."""
    server_clock = getattr(getattr(ctx.services, "backend", None), "server_clock", None)
    lines = clock_notice(getattr(server_clock, "offset", None), ctx.t)
    if not lines:
        return []
    m, p = ctx.metrics, ctx.palette
    first, *rest = lines
    return [line_card(ctx, [
        ft.Row([ft.Icon(ft.Icons.SCHEDULE, color=p.banner, size=ctx.metrics.icon_size),
                ft.Text(first, size=m.body_size, color=p.on_surface,
                        weight=ft.FontWeight.BOLD, expand=True)]),
        *(ft.Text(line, size=m.body_size * 0.9, color=p.on_surface) for line in rest),
    ])]


def _line(ctx: ViewContext, icon: str, text: str) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    return ft.Row([ft.Icon(getattr(ft.Icons, icon), color=p.primary, size=ctx.metrics.icon_size),
                   ft.Text(text, size=m.body_size, color=p.on_surface, expand=True)])


def _item(ctx: ViewContext, item: ChangeItem) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    message, params = item.description
    state = t(STATE_LABELS.get(item.state, item.state))
    if item.state in ("pending", "sending") and item.attempts:
        state += " · " + t("tried {count} times", count=item.attempts)
    lines: list[ft.Control] = [
        ft.Text(t(message, **params), size=m.body_size, color=p.on_surface,
                weight=ft.FontWeight.BOLD),
        ft.Text(f"{state} · {format_datetime_short(item.created_at, ctx.locale)}",
                size=m.body_size * 0.85, color=p.on_surface),
    ]
    if item.reason is not None:
        reason, reason_params = item.reason
        lines.append(ft.Text(t(reason, **reason_params), size=m.body_size * 0.9,
                             color=p.banner))
    return line_card(ctx, lines)
