"""Point amounts typed by people and shown to them."""

from __future__ import annotations

from babel.numbers import format_decimal

MAX_AMOUNT = 1_000_000  # points in one payment, charge or refund
_WIDE = str.maketrans("０１２３４５６７８９，", "0123456789,")


def parse_amount(text: str, maximum: int = MAX_AMOUNT) -> int | None:
    """A whole number of points from 1 to `maximum` (full-width digits and grouping commas
    allowed), or None."""
    cleaned = text.strip().translate(_WIDE).replace(",", "")
    if not cleaned.isascii() or not cleaned.isdigit():
        return None
    value = int(cleaned)
    return value if 1 <= value <= maximum else None


def format_points(amount: int, locale: str) -> str:
    """The number with the locale's grouping: 1,250."""
    return format_decimal(amount, locale=locale)
