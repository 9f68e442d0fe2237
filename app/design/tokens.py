"""Design tokens: plain values, no Flet, so the rules can be tested without a page.

Three text sizes, a normal and a high-contrast palette, and the kiosk's larger minimums.
Flet has no built-in text scale or high-contrast theme, so both derive from these tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TextSize(StrEnum):
    NORMAL = "normal"
    LARGE = "large"
    EXTRA_LARGE = "extra_large"


TEXT_SCALE: dict[TextSize, float] = {
    TextSize.NORMAL: 1.0,
    TextSize.LARGE: 1.3,
    TextSize.EXTRA_LARGE: 1.6,
}

# WCAG 2.2 asks for at least 24 px targets, Material for 48 dp; older residents on a shared
# kiosk get 64 px (the floor), more as the text grows.
MIN_TOUCH_TARGET = 48
KIOSK_MIN_TOUCH_TARGET = 64
BODY_FONT_SIZE = 16
KIOSK_BODY_FONT_SIZE = 22


@dataclass(frozen=True)
class Palette:
    background: str
    surface: str
    on_surface: str
    primary: str
    on_primary: str
    banner: str
    on_banner: str
    outline: str
    # Destructive actions (cancel a booking, delete the account): a different colour and an
    # outlined shape, so they never look like the way forward.
    danger: str
    on_danger: str


# Tsuyama's castle-town colours: a deep indigo with warm paper surfaces.
NORMAL_PALETTE = Palette(
    background="#F7F5F0",
    surface="#FFFFFF",
    on_surface="#1B1B1F",
    primary="#2A3F8F",
    on_primary="#FFFFFF",
    banner="#8A1C1C",
    on_banner="#FFFFFF",
    outline="#74777F",
    danger="#B3261E",
    on_danger="#FFFFFF",
)

# Black and yellow/white: contrast ratios above 15:1 (WCAG AAA asks for 7:1).
HIGH_CONTRAST_PALETTE = Palette(
    background="#000000",
    surface="#000000",
    on_surface="#FFFFFF",
    primary="#FFE600",
    on_primary="#000000",
    banner="#FFE600",
    on_banner="#000000",
    outline="#FFFFFF",
    danger="#FF9E99",
    on_danger="#000000",
)


@dataclass(frozen=True)
class Metrics:
    """Sizes derived from the text-size setting and the mode."""

    text_scale: float
    body_size: float
    title_size: float
    tile_label_size: float
    tile_icon_size: float
    tile_extent: float
    min_touch_target: float
    # Icons grow with the text: app bar, buttons, list rows (tiles have their own, larger one).
    icon_size: float
    # Text fields: the label is as large as the text, and the padding inside the border grows
    # with it, so a floating label at 特大 never sits on (or crosses) the border.
    field_label_size: float
    field_padding_vertical: float
    field_padding_horizontal: float
    # A switch's track is 40 px high in Material 3: the row around it reaches the target.
    switch_row_padding: float


def field_padding(text_size: float) -> tuple[float, float]:
    """(vertical, horizontal) padding inside a text field whose text is `text_size` high:
    room for the floating label (three quarters of the text) above the text, inside the
    border."""
    return max(12.0, text_size * 0.9), max(12.0, text_size * 0.75)


def metrics_for(text_size: TextSize, kiosk: bool) -> Metrics:
    scale = TEXT_SCALE[text_size]
    body = (KIOSK_BODY_FONT_SIZE if kiosk else BODY_FONT_SIZE) * scale
    target = max(KIOSK_MIN_TOUCH_TARGET if kiosk else MIN_TOUCH_TARGET, body * 2.5)
    return Metrics(
        text_scale=scale,
        body_size=body,
        title_size=body * 1.4,
        tile_label_size=body * 1.1,
        tile_icon_size=body * 2.2,
        tile_extent=max(target * 2, body * 7.5),
        min_touch_target=target,
        icon_size=body * 1.5,
        field_label_size=body,
        field_padding_vertical=field_padding(body)[0],
        field_padding_horizontal=field_padding(body)[1],
        switch_row_padding=max(4.0, body * 0.25),
    )


def palette_for(high_contrast: bool) -> Palette:
    return HIGH_CONTRAST_PALETTE if high_contrast else NORMAL_PALETTE


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
