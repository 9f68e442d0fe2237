"""The payment PIN's rules, checked on the device before anything is sent (the server checks
them again): 4 to 6 digits, not all the same digit (ADR 0033)."""

from __future__ import annotations

import re

PIN_LENGTHS = (4, 6)
_DIGITS = re.compile(r"[0-9]{4,6}")


def pin_acceptable(pin: str) -> bool:
    return bool(_DIGITS.fullmatch(pin)) and len(set(pin)) > 1


def pin_entered(pin: str) -> bool:
    """Digits only and long enough to send (for a PIN the server will judge)."""
    return bool(_DIGITS.fullmatch(pin))


def digits_only(text: str, limit: int = PIN_LENGTHS[1]) -> str:
    """What a PIN field keeps of what was typed: ASCII digits (full-width ones converted)."""
    converted = text.translate({ord("０") + i: ord("0") + i for i in range(10)})
    return "".join(c for c in converted if "0" <= c <= "9")[:limit]
