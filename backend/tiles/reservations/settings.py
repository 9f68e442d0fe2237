"""The reservations tile's settings (`TSUYAMA_RESERVATIONS_...`; docs/reservations.md §1).

- `TSUYAMA_RESERVATIONS_DIR`: the city's folder of resource definitions, imported at every
  start. Unset: the demo resources (`assets/reservations/demo/`) are imported when demo
  data is on (`TSUYAMA_DEMO_DATA`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from backend.folder_import import folder_from_env

if TYPE_CHECKING:
    from backend.settings import Settings

TILE_ID = "reservations"
DIR_VARIABLE = "TSUYAMA_RESERVATIONS_DIR"
DEMO_DIR = Path(__file__).resolve().parents[3] / "assets" / "reservations" / "demo"


@dataclass(frozen=True)
class ReservationsSettings:
    # The city's resources folder; None: the demo folder when demo data is on.
    resources_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ReservationsSettings:
        """The variables above; a folder that does not exist stops the backend with its
        name (its files are checked, with every error logged, at each start)."""
        return cls(resources_dir=folder_from_env(environ, DIR_VARIABLE, "resource definitions"))


def reservations_settings(settings: Settings) -> ReservationsSettings:
    """The tile's section of `settings` (its defaults when absent)."""
    value = settings.tiles.get(TILE_ID)
    if value is None:
        return ReservationsSettings()
    if not isinstance(value, ReservationsSettings):
        raise TypeError(f"settings of tile {TILE_ID!r} are {type(value).__name__}, "
                        "not ReservationsSettings")
    return value


def resources_folder(settings: Settings) -> Path | None:
    """The folder imported at start: the city's, else the demo one when demo data is on."""
    configured = reservations_settings(settings).resources_dir
    if configured is not None:
        return configured
    return DEMO_DIR if settings.load_demo_data else None
