"""My data (マイデータ): who the city knows you as, with the way to log out."""

from __future__ import annotations

from datetime import date

import flet as ft

from app.design.widgets import big_button
from app.i18n.formatting import format_date_long
from app.shell.context import ViewContext
from app.shell.state import HOME

ASSURANCE_LABELS = {
    "card": "Verified with My Number card",
    "email": "Email only (not verified)",
}


def mydata_body(ctx: ViewContext) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    account = ctx.account
    if account is None or not account.signed_in:
        return [
            ft.Text(t("Please log in to see your data."), size=m.body_size, color=p.on_surface),
            big_button(t("Back to home"), "HOME", m, p, lambda _: ctx.navigate(HOME)),
        ]
    me = account.me
    raw = me.raw or {}

    def row(label: str, value: str) -> ft.Control:
        return ft.Column(
            [ft.Text(label, size=m.body_size * 0.85, color=p.on_surface),
             ft.Text(value or "—", size=m.body_size, weight=ft.FontWeight.BOLD,
                     color=p.on_surface, selectable=True)],
            spacing=2,
        )

    birthdate = raw.get("birthdate")
    birth_text = ""
    if isinstance(birthdate, str) and birthdate:
        try:
            birth_text = format_date_long(date.fromisoformat(birthdate), ctx.locale)
        except ValueError:
            birth_text = birthdate
    return [
        ft.Text(t("Your profile"), size=m.title_size, weight=ft.FontWeight.BOLD,
                color=p.on_surface),
        row(t("Name"), me.name),
        row(t("Common ID"), me.common_id),
        row(t("Identity check"), t(ASSURANCE_LABELS.get(me.assurance_level,
                                                        me.assurance_level))),
        row(t("Address"), str(raw.get("address") or "")),
        row(t("Date of birth"), birth_text),
        big_button(t("Log out"), "LOGOUT", m, p, lambda _: ctx.run_task(_logout, ctx)),
    ]


async def _logout(ctx: ViewContext) -> None:
    await ctx.account.logout()
    ctx.navigate(HOME)
