"""Earning rules at backend start-up: the city's points folder if configured, else the demo.

`TSUYAMA_POINTS_DIR` names a folder with the city's `rules.json` and `districts.json`
(docs/points.md "Earning"); it is published at every start-up, its report logged. Without
it, the demo rules (`assets/points/tsuyama_demo`) are published when demo data is on
(`TSUYAMA_DEMO_DATA`), unless the city's own rules are already there.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine

from backend.settings import Settings
from backend.tiles.points.rules import PointsFileError, read_demo, read_folder
from backend.tiles.points.rules_store import PublishResult, publish

logger = logging.getLogger(__name__)

DIR_VARIABLE = "TSUYAMA_POINTS_DIR"


def points_dir(environ: Mapping[str, str]) -> Path | None:
    raw = environ.get(DIR_VARIABLE, "").strip()
    return Path(raw).expanduser() if raw else None


def load_earning_rules(engine: Engine, settings: Settings) -> PublishResult | None:
    code = settings.municipality_code
    folder_path = points_dir(os.environ)
    if folder_path is not None:
        try:
            folder = read_folder(folder_path)
        except PointsFileError as exc:
            logger.error("Points rules not loaded (%s): %s", DIR_VARIABLE, exc)
            return None
        for line in folder.lines():
            logger.info("points rules %s: %s", folder_path, line)
        return publish(engine, code, folder)
    if settings.load_demo_data:
        return publish(engine, code, read_demo(), unless_city_data=True)
    return None
