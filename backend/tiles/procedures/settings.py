"""The procedures tile's settings (`TSUYAMA_PROCEDURES_...`; docs/procedure-definitions.md).

- `TSUYAMA_PROCEDURES_DIR`: the city's folder of procedure definitions, imported at every
  start. Unset: the demo definitions (`assets/procedures/demo/`) are imported when demo data
  is on (`TSUYAMA_DEMO_DATA`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from backend.folder_import import folder_from_env

if TYPE_CHECKING:
    from backend.settings import Settings

TILE_ID = "procedures"
DIR_VARIABLE = "TSUYAMA_PROCEDURES_DIR"
DEMO_DIR = Path(__file__).resolve().parents[3] / "assets" / "procedures" / "demo"


@dataclass(frozen=True)
class ProceduresSettings:
    # The city's definitions folder; None: the demo folder when demo data is on.
    definitions_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ProceduresSettings:
        """The variables above; a folder that does not exist stops the backend with its
        name (its files are checked, with every error logged, at each start)."""
        return cls(definitions_dir=folder_from_env(environ, DIR_VARIABLE, "procedure definitions"))


def procedures_settings(settings: Settings) -> ProceduresSettings:
    """The tile's section of `settings` (its defaults when absent), like
    `TILE.settings_of`, for the modules `tile.py` imports."""
    value = settings.tiles.get(TILE_ID)
    if value is None:
        return ProceduresSettings()
    if not isinstance(value, ProceduresSettings):
        raise TypeError(f"settings of tile {TILE_ID!r} are {type(value).__name__}, "
                        "not ProceduresSettings")
    return value


def definitions_folder(settings: Settings) -> Path | None:
    """The folder imported at start: the city's, else the demo one when demo data is on."""
    configured = procedures_settings(settings).definitions_dir
    if configured is not None:
        return configured
    return DEMO_DIR if settings.load_demo_data else None
