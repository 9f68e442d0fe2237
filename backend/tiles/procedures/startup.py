"""Procedure definitions at backend start-up: the city's folder (`TSUYAMA_PROCEDURES_DIR`),
else the demo folder when demo data is on. Idempotent across restarts (unchanged
definitions are skipped) and across processes (the import holds a lock and reads what is
stored under it); a folder with errors is logged and changes nothing."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from backend.settings import Settings
from backend.tiles.procedures.definitions.importer import ImportReport, import_folder
from backend.tiles.procedures.settings import definitions_folder

logger = logging.getLogger(__name__)


def load_procedures(engine: Engine, settings: Settings) -> ImportReport | None:
    """Import the configured folder (see the module docstring); None when there is none."""
    folder = definitions_folder(settings)
    if folder is None:
        return None
    report = import_folder(engine, settings.municipality_code, folder)
    level = logging.INFO if report.ok else logging.ERROR
    for line in report.lines():
        logger.log(level, "procedures %s: %s", folder, line)
    return report
