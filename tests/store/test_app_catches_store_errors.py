"""The app's callers of the store catch the store's own errors, not SQLite's."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.device.public_content import PublicContent
from backend_client import BackendClient


def test_public_content_without_a_usable_folder_opens_nothing_and_keeps_going(tmp_path: Path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "device").write_text("a file where the store's folder should be")
    public = PublicContent(data_dir, BackendClient("http://127.0.0.1:9"))
    assert asyncio.run(public.open()) is None
    assert public.store is None
