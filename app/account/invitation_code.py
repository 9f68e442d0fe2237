"""The delegation invitation code as the grantor shows it: text and a QR code (PNG).

The QR code holds the code itself ("ABCD-EFGH"), nothing personal: a phone's camera shows
it, and the app takes it with or without the dash, in any case (ADR 0031)."""

from __future__ import annotations

import re

from app.account.qr_image import qr_png

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # the backend's: no 0/O, 1/I/L
CODE_LENGTH = 8


def normalize_code(raw: str) -> str:
    """Upper case, without spaces and dashes, full-width letters made ASCII."""
    text = raw.replace("\u3000", " ")
    text = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in text)
    return re.sub(r"[\s\-‐－ー]", "", text).upper()


def looks_like_code(raw: str) -> bool:
    code = normalize_code(raw)
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


def code_qr_png(code: str) -> bytes:
    """`code` as a QR code image (PNG): only the code, nothing about either person."""
    return qr_png(code)
