"""The Notices tile's screen: renders `NoticesState` and nothing else (no reads, no I/O).

Reads are started by the shell before a render (`wiring.prepare`). Every optional line has a
key, and each card the notice's id, so a re-render is a diff: nothing below shifts."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button
from app.features.notices.state import NoticesState, ShownNotice, Status
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext

CATEGORY_ICONS = {
    "life": "HOME_WORK",
    "health": "HEALTH_AND_SAFETY",
    "disaster": "WARNING_AMBER",
    "event": "CELEBRATION",
    "transit": "DIRECTIONS_BUS",
    "waste": "RECYCLING",
}


def notices_body(ctx: ViewContext, state: NoticesState) -> list[ft.Control]:
    """The list as the state has it; the shell started any read before (wiring.prepare)."""
    language = ctx.state.settings.language
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = []
    if state.never_received and state.status is not Status.FAILED:
        if ctx.state.connection.offline:
            controls.append(ft.Text(
                t("The notices will appear here once this device has been online."),
                size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD,
                key="never-online"))
        else:
            controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading notices…"),
                                                              size=m.body_size)],
                                   key="loading"))
    if state.status is Status.FAILED:
        message = (t("The notices cannot be loaded while offline.") if state.offline
                   else t("The notices could not be loaded. Please try again later."))
        controls.append(ft.Text(message, size=m.body_size, color=p.on_surface,
                                weight=ft.FontWeight.BOLD, key="failed"))
        controls.append(ft.Container(big_button(
            t("Retry"), "REFRESH", m, p,
            lambda _: ctx.run_task(load_and_refresh, ctx, state, language)), key="retry"))
    if state.synced_at is not None:
        controls.append(ft.Text(
            t("Updated {time}", time=format_datetime_short(state.synced_at, ctx.locale)),
            size=m.body_size * 0.9, color=p.on_surface, key="updated"))
    if state.status is Status.LOADED and not state.notices and not state.never_received:
        controls.append(ft.Text(t("There are no notices right now."), size=m.body_size,
                                key="none"))
    for shown in state.notices:
        controls.append(_notice_card(ctx, state, shown))
    return controls


def _notice_card(ctx: ViewContext, state: NoticesState, shown: ShownNotice) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    notice = shown.notice
    meta = [format_datetime_short(notice.published_at, ctx.locale)]
    if shown.for_you:
        meta.append(t("For you"))
    elif shown.for_household:
        meta.append(t("For your household"))
    if notice.is_demo:
        meta.append(t("Demo data"))
    marks: list[ft.Control] = []
    if state.can_mark_read and not shown.read:
        marks.append(_chip(t("Unread"), p.primary, p.on_primary, m.body_size))
    if shown.read_pending:
        marks.append(ft.Text(t("Read · waiting to be sent"), size=m.body_size * 0.8,
                             color=p.on_surface, italic=True))
    expanded = state.expanded == notice.id
    return ft.Container(
        key=f"notice-{notice.id}",
        bgcolor=p.surface,
        border=ft.Border.all(2 if not shown.read and state.can_mark_read else 1, p.outline),
        border_radius=ft.BorderRadius.all(12),
        padding=ft.Padding.all(m.body_size),
        on_click=lambda _: ctx.run_task(_open_and_refresh, ctx, state, notice.id),
        content=ft.Column(
            [
                ft.Row([
                    ft.Icon(getattr(ft.Icons, CATEGORY_ICONS.get(notice.category, "INFO")),
                            color=p.primary, size=m.body_size * 1.5),
                    ft.Text(notice.title, size=m.body_size * 1.15, weight=ft.FontWeight.BOLD,
                            color=p.on_surface, expand=True),
                    *marks,
                ], wrap=False),
                ft.Text(" · ".join(meta), size=m.body_size * 0.85, color=p.on_surface),
                ft.Text(notice.body, size=m.body_size, color=p.on_surface,
                        max_lines=None if expanded else 2,
                        overflow=ft.TextOverflow.CLIP if expanded else ft.TextOverflow.ELLIPSIS),
            ],
            spacing=m.body_size * 0.4,
        ),
    )


def _chip(label: str, bg: str, fg: str, size: float) -> ft.Control:
    return ft.Container(
        content=ft.Text(label, size=size * 0.8, color=fg, weight=ft.FontWeight.BOLD),
        bgcolor=bg, border_radius=ft.BorderRadius.all(8),
        padding=ft.Padding.symmetric(horizontal=size * 0.5, vertical=size * 0.15),
    )


async def load_and_refresh(ctx: ViewContext, state: NoticesState, language: str) -> None:
    await state.load(language)
    ctx.refresh()


async def _open_and_refresh(ctx: ViewContext, state: NoticesState, notice_id: int) -> None:
    await state.open_notice(notice_id)
    ctx.refresh()
