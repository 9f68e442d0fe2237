"""A QR code from a picture the resident picks (a photo or a screenshot): Flet's file picker
with the file's bytes (which works in the browser too), decoded off the event loop."""

from __future__ import annotations

import asyncio

from app.device.files import PictureTooLarge, pick_image_bytes
from app.features.points.qr_decode import MAX_IMAGE_BYTES, NoCodeFound, decode_qr

__all__ = ["NoCodeFound", "pick_qr_text"]


async def pick_qr_text() -> str | None:
    """The text of the QR code in the picked picture; None when nothing was picked.
    Raises `NoCodeFound` when the picture has no readable code."""
    try:
        data = await pick_image_bytes(MAX_IMAGE_BYTES)
    except PictureTooLarge:
        raise NoCodeFound("the picture is too large") from None
    if data is None:
        return None
    if not data:
        raise NoCodeFound("the picture could not be read")
    return await asyncio.to_thread(decode_qr, data)
