"""A QR code from a picture the resident picks (a photo or a screenshot): Flet's file picker
with the file's bytes (which works in the browser too), decoded off the event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft

from app.features.points.qr_decode import MAX_IMAGE_BYTES, NoCodeFound, decode_qr

__all__ = ["NoCodeFound", "pick_qr_text"]


async def pick_qr_text() -> str | None:
    """The text of the QR code in the picked picture; None when nothing was picked.
    Raises `NoCodeFound` when the picture has no readable code."""
    files = await ft.FilePicker().pick_files(file_type=ft.FilePickerFileType.IMAGE,
                                             with_data=True)
    if not files:
        return None
    picked = files[0]
    data = picked.bytes
    if data is None and picked.path:  # a desktop picker gives the path
        path = Path(picked.path)
        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise NoCodeFound("the picture is too large")
        data = await asyncio.to_thread(path.read_bytes)
    if not data:
        raise NoCodeFound("the picture could not be read")
    return await asyncio.to_thread(decode_qr, data)
