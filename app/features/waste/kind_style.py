"""How a kind of waste is drawn: its chip's colours, its icon and its short name.

The colours come from the city's data (5374 `bgcolor`), and the data does not promise that
white text is readable on them (the demo's 燃やせるごみ orange gives 3.7:1, プラ's yellow
2.0:1). So the text colour is derived: black or white, whichever contrasts more, and when
even that does not reach the minimum (4.5:1, WCAG AA; 7:1 in high contrast) the background
is darkened or lightened step by step until it does. Plain values, no Flet: the views and
the tests use the same function.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.design.tokens import contrast_ratio

BLACK, WHITE = "#000000", "#FFFFFF"
NORMAL_MINIMUM = 4.5  # WCAG 2 AA for text
HIGH_CONTRAST_MINIMUM = 7.0  # WCAG 2 AAA, what the high-contrast palette promises
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


@dataclass(frozen=True)
class ChipColours:
    background: str  # "#rrggbb"
    text: str  # "#000000" or "#FFFFFF"

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.text, self.background)


def normalized_colour(value: object) -> str | None:
    """A data colour as "#rrggbb" ("#rgb" expanded); None when it is not a colour."""
    if not isinstance(value, str) or not _HEX.fullmatch(value.strip()):
        return None
    digits = value.strip()[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits.lower()


def _mix(colour: str, towards: str, share: float) -> str:
    channels = []
    for i in (1, 3, 5):
        a, b = int(colour[i:i + 2], 16), int(towards[i:i + 2], 16)
        channels.append(round(a + (b - a) * share))
    return "#" + "".join(f"{c:02x}" for c in channels)


def chip_colours(data_colour: object, fallback: str, minimum: float = NORMAL_MINIMUM
                 ) -> ChipColours:
    """The chip's background (the data's colour, or `fallback` when it has none) and a text
    colour reaching `minimum` against it, adjusting the background only when it must."""
    background = normalized_colour(data_colour) or normalized_colour(fallback) or BLACK
    text = BLACK if contrast_ratio(BLACK, background) >= contrast_ratio(WHITE, background) \
        else WHITE
    towards = WHITE if text == BLACK else BLACK
    adjusted = background
    step = 0
    while contrast_ratio(text, adjusted) < minimum and step < 20:
        step += 1
        adjusted = _mix(background, towards, step / 20)
    return ChipColours(adjusted, text)


def short_name(kind: str, info: Mapping[str, Any]) -> str:
    """The kind's short name from the data (description.csv `short`), else its label."""
    short = info.get("short")
    return str(short).strip() if isinstance(short, str) and short.strip() else kind


def icon_name(info: Mapping[str, Any]) -> str | None:
    """The kind's icon from the data (description.csv `icon`, a Material icon name such as
    LOCAL_FIRE_DEPARTMENT): drawn next to the colour, so kinds differ without colour too."""
    value = info.get("icon")
    return value.strip().upper() if isinstance(value, str) and value.strip() else None
