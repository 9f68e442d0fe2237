"""Buttons at every text size: at least the touch target high on one line, and free to grow
when a long label wraps (a fixed height let 「同意してコードを作る」 at 特大 on a phone run over
the button's border)."""

from __future__ import annotations

import flet as ft
import pytest

from app.design.tokens import TextSize, metrics_for, palette_for
from app.design.widgets import big_button, destructive_button, quiet_button

LINE_HEIGHT = 1.4  # a line of Noto Sans JP is at least 1.4 times the text size


def _button(control: ft.Control) -> ft.Control:
    return control.content if isinstance(control, ft.Semantics) else control


@pytest.mark.parametrize("kiosk", [False, True])
@pytest.mark.parametrize("size", list(TextSize))
def test_a_one_line_button_reaches_the_target_and_a_long_one_may_grow(size, kiosk):
    metrics, palette = metrics_for(size, kiosk), palette_for(False)
    for made in (big_button("同意してコードを作る", "QR_CODE", metrics, palette, print, "x"),
                 destructive_button("取り消す", metrics, palette, print),
                 quiet_button("やめる", metrics, palette, print, icon_name="CLOSE")):
        button = _button(made)
        assert button.height is None  # grows with a wrapped label
        padding = button.style.padding
        # Compact density (Flutter's default on desktop and the web) would take 8 px off
        # each side of this padding.
        assert button.style.visual_density == ft.VisualDensity.STANDARD
        assert padding.top == padding.bottom
        one_line = metrics.body_size * LINE_HEIGHT + padding.top + padding.bottom
        assert one_line >= metrics.min_touch_target
        # ...but not much more: a one-line button stays about the target's height.
        assert metrics.icon_size + padding.top + padding.bottom <= (
            metrics.min_touch_target + metrics.body_size * 0.2)
