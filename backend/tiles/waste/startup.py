"""Waste content at backend start-up: the city's folder if configured, else the demo."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from backend.settings import Settings
from backend.tiles.waste.dataset import load_demo, load_folder
from backend.tiles.waste.import_report import WasteFileError
from backend.tiles.waste.publish import PublishResult, publish_dataset

logger = logging.getLogger(__name__)


def load_waste_content(engine: Engine, settings: Settings) -> PublishResult | None:
    """Publish `settings.waste_data_dir` (logging its report), or the demo dataset when
    `settings.load_demo_waste` and the municipality has no data of its own. A folder that
    cannot be read at all is logged and leaves the published content as it was."""
    code = settings.municipality_code
    if settings.waste_data_dir is not None:
        try:
            dataset = load_folder(settings.waste_data_dir, municipality_code=code)
        except WasteFileError as exc:
            logger.error("Waste data not loaded: %s", exc)
            return None
        for line in dataset.report.lines():
            logger.info("waste import %s: %s", dataset.source.key, line)
        if not dataset.report.anything_loaded:
            logger.error("Waste data in %s: nothing could be loaded", settings.waste_data_dir)
        return publish_dataset(engine, code, dataset)
    if settings.load_demo_waste:
        return publish_dataset(engine, code, load_demo(code), unless_city_data=True)
    return None
