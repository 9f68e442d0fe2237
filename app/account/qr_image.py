"""QR code images (PNG) for what the resident carries to another device: the kiosk's
「スマートフォンに送る」 link and a delegation invitation code. Made with `qrcode` (Pillow
draws the PNG); no personal data is ever put in one."""

from __future__ import annotations

import io
from functools import cache

import qrcode  # type: ignore[import-untyped]


@cache
def qr_png(text: str) -> bytes:
    """`text` as a QR code image (PNG), made once per text."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8,
                         border=4)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()
