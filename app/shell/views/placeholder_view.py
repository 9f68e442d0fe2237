"""The screen of a tile whose service is not built yet: says so plainly, offers the way back."""

from __future__ import annotations

import flet as ft

from app.design.widgets import big_button
from app.shell.context import ViewContext
from app.shell.feature_spec import FeatureSpec
from app.shell.state import HOME


def placeholder_body(ctx: ViewContext, feature: FeatureSpec) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    return [
        ft.Column(
            [
                ft.Icon(ft.Icons.CONSTRUCTION, size=m.tile_icon_size, color=p.primary),
                ft.Semantics(
                    identifier="not-available",
                    header=True,
                    content=ft.Text(
                        t("This service is not available in the app yet."),
                        size=m.title_size,
                        weight=ft.FontWeight.BOLD,
                        color=p.on_surface,
                    ),
                ),
                ft.Text(t(feature.description), size=m.body_size, color=p.on_surface),
                ft.Text(
                    t("Until then, please use the city's website or ask at the city hall counter."),
                    size=m.body_size,
                    color=p.on_surface,
                ),
                big_button(t("Back to home"), "HOME", m, p, lambda _: ctx.navigate(HOME)),
            ],
            spacing=m.body_size,
        )
    ]
