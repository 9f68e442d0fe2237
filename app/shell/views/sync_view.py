""""Data on this device" (この端末のデータ): changes waiting to be sent, changes the city did not
accept and why, what was sent lately, and how fresh the stored data is."""

from __future__ import annotations

from datetime import UTC, datetime

import flet as ft

from app.account.clock_notice import clock_notice
from app.account.device_data import DeviceData
from app.account.sync_status import OPEN_ERROR, ChangeItem, SyncStatusState, recovery_lines
from app.design.widgets import big_button
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext
from app.shell.state import HOME
from app.shell.views.common import line_card, section_heading
from offline_store import StoreRecovery

STATE_LABELS = {
    "pending": "Waiting to be sent",
    "sending": "Waiting to be sent",  # sent at least once, no answer yet (offline, say)
    "applied": "Sent",
    "rejected": "Not accepted",
}


def sync_status_state(ctx: ViewContext) -> SyncStatusState:
    describers = [f.describe_change for f in ctx.state.registry
                  if f.describe_change is not None]
    return ctx.services.feature_state(
        "sync-status",
        lambda: SyncStatusState(ctx.device, describers, lambda: datetime.now(UTC)),
    )


def sync_body(ctx: ViewContext) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    device = ctx.device
    public = getattr(ctx.services, "public", None)
    controls: list[ft.Control] = _clock_notice(ctx)
    if device is not None and device.open_error:
        controls.append(ft.Text(t(OPEN_ERROR), size=m.body_size, color=p.banner,
                                weight=ft.FontWeight.BOLD))
    elif device is None or not device.open:
        controls.append(ft.Text(t("Log in to keep your own data on this device."),
                                size=m.body_size, color=p.on_surface))
    if device is not None:
        controls += [_recovery_card(ctx, device, r) for r in device.recoveries]
    if public is not None and public.last_synced_at is not None:
        controls.append(_line(ctx, "PUBLIC", t(
            "City information updated {time}",
            time=format_datetime_short(public.last_synced_at, ctx.locale))))
    if device is None or not device.open:
        controls.append(big_button(t("Back to home"), "HOME", m, p,
                                   lambda _: ctx.navigate(HOME)))
        return controls

    state = sync_status_state(ctx)
    if state.claim_load():
        ctx.run_task(_load_and_refresh, ctx, state)
    if device.last_synced_at is not None:
        controls.append(_line(ctx, "CLOUD_DONE", t(
            "Your data synced {time}",
            time=format_datetime_short(device.last_synced_at, ctx.locale))))
    else:
        controls.append(_line(ctx, "CLOUD_OFF", t("Your data has not been synced yet.")))
    controls.append(big_button(t("Sync now"), "SYNC", m, p, lambda _: device.sync_now()))

    controls.append(section_heading(ctx, t("Waiting to be sent ({count})",
                                           count=len(state.waiting))))
    if not state.waiting:
        controls.append(ft.Text(t("Everything made on this device has been sent."),
                                size=m.body_size, color=p.on_surface))
    controls += [_item(ctx, item) for item in state.waiting]
    if state.rejected:
        controls.append(section_heading(ctx, t("Not accepted by the city ({count})",
                                        count=len(state.rejected))))
        controls.append(ft.Text(
            t("These changes were undone on this device; the city's version is shown."),
            size=m.body_size * 0.9, color=p.on_surface))
        controls += [_item(ctx, item) for item in state.rejected]
    if state.sent:
        controls.append(section_heading(ctx, t("Sent recently")))
        controls += [_item(ctx, item) for item in state.sent]
    return controls


def _recovery_card(ctx: ViewContext, device: DeviceData, recovery: StoreRecovery
                   ) -> ft.Control:
    """What happened to a rebuilt store, until the resident says they have read it."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    (headline, _), *rest = recovery_lines(recovery)
    return line_card(ctx, [
        ft.Row([ft.Icon(ft.Icons.RESTORE, color=p.banner),
                ft.Text(t(headline), size=m.body_size, color=p.on_surface,
                        weight=ft.FontWeight.BOLD, expand=True)]),
        *(ft.Text(t(message, **params), size=m.body_size * 0.95, color=p.on_surface)
          for message, params in rest),
        ft.Text(format_datetime_short(recovery.at, ctx.locale), size=m.body_size * 0.85,
                color=p.on_surface),
        big_button(t("I have read this"), "CHECK", m, p,
                   lambda _: ctx.run_task(device.dismiss_recovery, recovery.id)),
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
        ft.Row([ft.Icon(ft.Icons.SCHEDULE, color=p.banner),
                ft.Text(first, size=m.body_size, color=p.on_surface,
                        weight=ft.FontWeight.BOLD, expand=True)]),
        *(ft.Text(line, size=m.body_size * 0.9, color=p.on_surface) for line in rest),
    ])]


def _line(ctx: ViewContext, icon: str, text: str) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    return ft.Row([ft.Icon(getattr(ft.Icons, icon), color=p.primary),
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


async def _load_and_refresh(ctx: ViewContext, state: SyncStatusState) -> None:
    await state.load()
    ctx.refresh()
