"""Resources at backend start-up: the city's folder (`TSUYAMA_RESERVATIONS_DIR`), else the
demo folder when demo data is on, imported (which also makes the missing slots); without a
folder, the stored resources get their missing slots. Idempotent across restarts and
processes (the import holds a lock); a folder with errors is logged and changes nothing
but the slots of the stored resources."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from backend.settings import Settings
from backend.tiles.reservations.resources.importer import ImportReport, import_folder
from backend.tiles.reservations.settings import resources_folder
from backend.tiles.reservations.slots import ensure_all_slots

logger = logging.getLogger(__name__)


def load_resources(engine: Engine, settings: Settings) -> ImportReport | None:
    """Import the configured folder (see the module docstring); None when there is none."""
    folder = resources_folder(settings)
    if folder is None:
        ensure_all_slots(engine, settings.municipality_code)
        return None
    report = import_folder(engine, settings.municipality_code, folder)
    level = logging.INFO if report.ok else logging.ERROR
    for line in report.lines():
        logger.log(level, "reservations %s: %s", folder, line)
    if not report.ok:
        ensure_all_slots(engine, settings.municipality_code)
    return report
