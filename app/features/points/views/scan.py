"""The code input shared by paying and earning: read it with the camera, from a picture (a
photo or a screenshot), or paste its text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.widgets import big_button, quiet_button
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field


def code_input(ctx: ViewContext, *, prefix: str, text: str, revision: int,
               on_text: Callable[[str], None], on_camera: Callable[[Any], Any],
               on_picture: Callable[[Any], Any],
               on_submit: Callable[[Any], Any], submit_label: str,
               submit_identifier: str, busy: bool) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    field = controlled_text_field(
        ctx.fields, key=f"{prefix}-code-text", text=text, revision=revision, on_text=on_text,
        label=t("Or paste the code's text"), text_size=m.body_size, multiline=False,
        prefix_icon=ft.Icons.CONTENT_PASTE)
    return [
        ft.Text(t("Scan the QR code with the camera, or choose a photo or a screenshot of it."),
                size=m.body_size * 0.9, color=p.on_surface, key=f"{prefix}-scan-help"),
        ft.Container(big_button(t("Scan with the camera"), "QR_CODE_SCANNER", m, p, on_camera,
                                f"points-{prefix}-camera"),
                     key=f"{prefix}-scan-camera"),
        ft.Container(quiet_button(t("Read the code from a picture"), m, p, on_picture,
                                  "points-scan-image", "IMAGE_SEARCH"),
                     key=f"{prefix}-scan-image"),
        ft.Semantics(content=field, identifier=f"points-{prefix}-code-text",
                     key=f"{prefix}-code-field"),
        ft.Container(big_button(t("Please wait…") if busy else submit_label, "ARROW_FORWARD",
                                m, p, on_submit, submit_identifier),
                     key=f"{prefix}-submit"),
    ]


def pin_field(ctx: ViewContext, *, key: str, label: str, text: str, revision: int,
              on_text: Callable[[str], None], identifier: str) -> ft.Control:
    """A PIN: obscured, the numeric keyboard, at most 6 digits."""
    field = controlled_text_field(
        ctx.fields, key=key, text=text, revision=revision, on_text=on_text, label=label,
        text_size=ctx.metrics.body_size, password=True, can_reveal_password=False,
        keyboard_type=ft.KeyboardType.NUMBER, max_length=6, autocorrect=False,
        input_filter=ft.NumbersOnlyInputFilter(),
        enable_suggestions=False)
    return ft.Semantics(content=field, identifier=identifier, key=f"{key}-wrap")
