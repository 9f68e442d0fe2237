"""Saving a file the resident asked for: a download in the browser, a save dialog elsewhere."""

from __future__ import annotations

import flet as ft


async def save_bytes(file_name: str, data: bytes) -> None:
    await ft.FilePicker().save_file(file_name=file_name, src_bytes=data)
