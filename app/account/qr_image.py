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
    if text.isascii():
        code.add_data(text)
    else:
        # One byte segment of UTF-8 (a JPQR shop name): OpenCV 4.10's reader returns nothing
        # for a numeric segment followed by non-ASCII bytes, which `qrcode`'s segment
        # optimisation makes of a digit-heavy payload.
        code.add_data(text.encode("utf-8"), optimize=0)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()
