"""Where the app finds its bundled assets and keeps its per-user data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
APP_DIR_NAME = "tsuyama-portal"


def default_data_dir() -> Path:
    """The user's data folder: XDG on Linux, Application Support on macOS, APPDATA on Windows."""
    override = os.environ.get("TSUYAMA_DATA_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / APP_DIR_NAME
