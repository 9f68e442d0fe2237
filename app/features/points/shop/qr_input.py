"""What a clerk scans: a customer's code from a picture (decoded by the tile's OpenCV reader,
`app/features/points/qr_decode.py`) or pasted text, tidied to the token the backend checks."""

from __future__ import annotations

from app.features.points.qr_decode import NoCodeFound, decode_qr

MAX_TOKEN_LENGTH = 2048


def decode_qr_image(data: bytes) -> str | None:
    """The text of the QR code in an image file (PNG, JPEG...), or None when the file is
    not an image or holds no readable QR code."""
    try:
        return decode_qr(data)
    except NoCodeFound:
        return None


def clean_token(text: str) -> str:
    """Pasted text without the spaces and line breaks a copy brings along; "" when it
    cannot be a code (empty or absurdly long)."""
    token = "".join(text.split())
    return token if 0 < len(token) <= MAX_TOKEN_LENGTH else ""
