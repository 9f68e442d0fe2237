"""The Notices tile's screen: renders `NoticesState`; loading happens in the state object."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button
from app.features.notices.repository import NoticesRepository
from app.features.notices.state import NoticesState, Status
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


def notices_state(ctx: ViewContext) -> NoticesState:
    return ctx.services.feature_state(
        "notices",
        lambda: NoticesState(NoticesRepository(ctx.services.backend, ctx.account)),
    )


def build_view(ctx: ViewContext) -> list[ft.Control]:
    state = notices_state(ctx)
    language = ctx.state.settings.language
    account = ctx.account
    audience = account.me.common_id if account is not None and account.signed_in else None
    if state.claim_load(language, audience):
        ctx.run_task(_load_and_refresh, ctx, state, language)

    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = []
    if state.status is Status.LOADING and not state.notices:
        controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading notices…"),
                                                          size=m.body_size)]))
    if state.status is Status.FAILED:
        message = (t("The notices cannot be loaded while offline.") if state.offline
                   else t("The notices could not be loaded. Please try again later."))
        controls.append(ft.Text(message, size=m.body_size, color=p.on_surface,
                                weight=ft.FontWeight.BOLD))
        controls.append(big_button(t("Retry"), "REFRESH", m, p,
                                   lambda _: ctx.run_task(_load_and_refresh, ctx, state,
                                                          language)))
    if state.loaded_at is not None:
        controls.append(ft.Text(
            t("Updated {time}", time=format_datetime_short(state.loaded_at, ctx.locale)),
            size=m.body_size * 0.9, color=p.on_surface))
    if state.status is Status.LOADED and not state.notices:
        controls.append(ft.Text(t("There are no notices right now."), size=m.body_size))
    for notice in state.notices:
        controls.append(_notice_card(ctx, notice))
    return controls


def _notice_card(ctx: ViewContext, notice) -> ft.Control:  # type: ignore[no-untyped-def]
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    meta = format_datetime_short(notice.published_at, ctx.locale)
    if notice.is_demo:
        meta = f"{meta} · {t('Demo data')}"
    return ft.Container(
        bgcolor=p.surface,
        border=ft.Border.all(1, p.outline),
        border_radius=ft.BorderRadius.all(12),
        padding=ft.Padding.all(m.body_size),
        content=ft.Column(
            [
                ft.Row([
                    ft.Icon(getattr(ft.Icons, CATEGORY_ICONS.get(notice.category, "INFO")),
                            color=p.primary, size=m.body_size * 1.5),
                    ft.Text(notice.title, size=m.body_size * 1.15, weight=ft.FontWeight.BOLD,
                            color=p.on_surface, expand=True),
                ]),
                ft.Text(meta, size=m.body_size * 0.85, color=p.on_surface),
                ft.Text(notice.body, size=m.body_size, color=p.on_surface),
            ],
            spacing=m.body_size * 0.4,
        ),
    )


async def _load_and_refresh(ctx: ViewContext, state: NoticesState, language: str) -> None:
    await state.load(language)
    ctx.refresh()
