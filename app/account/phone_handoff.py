"""「スマートフォンに送る」 on a kiosk: a QR code of the app's own My data page.

A shared kiosk never hands over the resident's data (no download into the shared browser,
no account deletion: ADR 0026). Instead it shows a QR code with the address of the My data
page in the app the resident uses on their own phone; they open it there and log in there.
The code holds that address only: nothing personal, the same code for everyone."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.account.qr_image import qr_png  # noqa: F401  (its public API)

MYDATA_PATH = "/mydata"


def mydata_url(app_url: str) -> str:
    """The My data page under `app_url` (the app's public address), without query or
    fragment: only the page, never anything about the person."""
    parts = urlsplit(app_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an app address: {app_url!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}{MYDATA_PATH}"


