"""Entry point that `flet build` packages for phones, tablets and desktop bundles.

`build/mobile/stage.py` copies this file to the staged project as `main.py`, next to
`tsuyama_build.json` (backend URL, mode, language chosen at staging time). Unlike
`python -m app` it starts no embedded backend: a packaged app has no second Python process,
so it always talks to the city's backend over HTTPS.
"""

import json
import os
from pathlib import Path

import flet as ft

HERE = Path(__file__).resolve().parent
BUILD_SETTINGS = json.loads((HERE / "tsuyama_build.json").read_text(encoding="utf-8"))

# A packaged Flet app gets a private, writable data folder in FLET_APP_STORAGE_DATA;
# the app's own code finds its data folder through TSUYAMA_DATA_DIR (app/paths.py).
DATA_DIR = Path(
    os.environ.get("FLET_APP_STORAGE_DATA")
    or os.environ.get("TSUYAMA_DATA_DIR")
    or HERE / "data"
)
DATA_DIR.mkdir(parents=True, exist_ok=True)
os.environ["TSUYAMA_DATA_DIR"] = str(DATA_DIR)

from app.config import AppConfig  # noqa: E402  (after TSUYAMA_DATA_DIR is set)
from app.main import build_main  # noqa: E402
from app.paths import ASSETS_DIR  # noqa: E402
from app.shell.feature_spec import Mode  # noqa: E402

CONFIG = AppConfig(
    backend_url=BUILD_SETTINGS["backend_url"].rstrip("/"),
    data_dir=DATA_DIR,
    language=BUILD_SETTINGS.get("language", "ja"),
    mode=Mode(BUILD_SETTINGS.get("mode", Mode.RESIDENT.value)),
    kiosk_idle_seconds=float(BUILD_SETTINGS.get("kiosk_idle_seconds", 90)),
)

# no_cdn matters only when this file is served as a web app (local checks): no CDN fetches.
ft.run(build_main(CONFIG), assets_dir=str(ASSETS_DIR), no_cdn=True)
