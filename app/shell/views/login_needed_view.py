"""The screen of a tile that needs a login, opened by nobody signed in: says so, offers the
login and the way back (the shell shows it instead of the tile; `FeatureSpec.needs_login`)."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button
from app.shell.context import ViewContext
from app.shell.feature_spec import FeatureSpec
from app.shell.state import HOME


def login_needed_body(ctx: ViewContext, feature: FeatureSpec) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    return [
        ft.Column(
            key="login-needed",
            spacing=m.body_size,
            controls=[
                ft.Icon(ft.Icons.LOCK_PERSON, size=m.tile_icon_size, color=p.primary),
                ft.Semantics(
                    identifier="login-needed",
                    header=True,
                    content=ft.Text(
                        t("Please log in to use this service."),
                        size=m.title_size,
                        weight=ft.FontWeight.BOLD,
                        color=p.on_surface,
                    ),
                ),
                ft.Text(t(feature.description), size=m.body_size, color=p.on_surface),
                ft.Text(
                    t("It shows your own data, so the city needs to know it is you: log in "
                      "with your My Number card."),
                    size=m.body_size,
                    color=p.on_surface,
                ),
                ft.Row(
                    [
                        big_button(t("Log in"), "LOGIN", m, p, lambda _: ctx.login(),
                                   identifier="login-needed-login"),
                        big_button(t("Back to home"), "HOME", m, p,
                                   lambda _: ctx.navigate(HOME)),
                    ],
                    wrap=True,
                    spacing=m.body_size,
                ),
            ],
        )
    ]
