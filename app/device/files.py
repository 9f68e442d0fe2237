"""Files the resident hands over or asks for: a picture picked (the browser gives its bytes,
a desktop picker its path) and a file saved (a download in the browser, a save dialog
elsewhere)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft


class PictureTooLarge(ValueError):
    """The picked file is larger than the caller accepts (read from its size, not loaded)."""


async def pick_image_bytes(max_bytes: int) -> bytes | None:
    """The bytes of the picture the resident picks; None when nothing was picked; b"" when
    the picker gave neither bytes nor a path. `PictureTooLarge` for a file over
    `max_bytes` on a desktop picker (the browser's limit is its own)."""
    files = await ft.FilePicker().pick_files(file_type=ft.FilePickerFileType.IMAGE,
                                             with_data=True)
    if not files:
        return None
    picked = files[0]
    if picked.bytes is not None:
        return picked.bytes
    if not picked.path:
        return b""
    path = Path(picked.path)
    if path.stat().st_size > max_bytes:
        raise PictureTooLarge(f"the picture is larger than {max_bytes} bytes")
    return await asyncio.to_thread(path.read_bytes)


async def save_bytes(file_name: str, data: bytes) -> None:
    await ft.FilePicker().save_file(file_name=file_name, src_bytes=data)
