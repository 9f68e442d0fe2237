"""The reservations tile's settings (`TSUYAMA_RESERVATIONS_...`; docs/reservations.md §1).

- `TSUYAMA_RESERVATIONS_DIR`: the city's folder of resource definitions, imported at every
  start. Unset: the demo resources (`assets/reservations/demo/`) are imported when demo
  data is on (`TSUYAMA_DEMO_DATA`).
- `TSUYAMA_KIOSK_TICKETS_PER_MINUTE`: the most waiting numbers one kiosk device hands out
  in a rolling minute (default 30; more are refused 429 `kiosk_rate_limited`).
- `TSUYAMA_KIOSK_BOOTSTRAP_KEY`: development only: a kiosk key registered at start as the
  device 「開発用キオスク」 (every counter) when demo data is on; ignored (with a warning) in
  production. `python -m app --mode kiosk` with the embedded backend sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from backend.folder_import import folder_from_env
from backend.tiles.reservations.kiosks.keys import is_key

if TYPE_CHECKING:
    from backend.settings import Settings

TILE_ID = "reservations"
DIR_VARIABLE = "TSUYAMA_RESERVATIONS_DIR"
KIOSK_LIMIT_VARIABLE = "TSUYAMA_KIOSK_TICKETS_PER_MINUTE"
KIOSK_BOOTSTRAP_VARIABLE = "TSUYAMA_KIOSK_BOOTSTRAP_KEY"
DEFAULT_KIOSK_TICKETS_PER_MINUTE = 30
DEMO_DIR = Path(__file__).resolve().parents[3] / "assets" / "reservations" / "demo"


@dataclass(frozen=True)
class ReservationsSettings:
    # The city's resources folder; None: the demo folder when demo data is on.
    resources_dir: Path | None = None
    # Waiting numbers one kiosk device may hand out per rolling minute.
    kiosk_tickets_per_minute: int = DEFAULT_KIOSK_TICKETS_PER_MINUTE
    # Development: a kiosk key registered at start (""; never shown in a repr or a log).
    kiosk_bootstrap_key: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.kiosk_tickets_per_minute <= 10_000:
            raise ValueError(f"{KIOSK_LIMIT_VARIABLE} must be 1 to 10000, got "
                             f"{self.kiosk_tickets_per_minute}")
        if self.kiosk_bootstrap_key and not is_key(self.kiosk_bootstrap_key):
            raise ValueError(f"{KIOSK_BOOTSTRAP_VARIABLE} must be a kiosk key (tk1_ and 43 "
                             "characters of base64url)")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ReservationsSettings:
        """The variables above; a folder that does not exist stops the backend with its
        name (its files are checked, with every error logged, at each start)."""
        raw_limit = environ.get(KIOSK_LIMIT_VARIABLE, "").strip()
        try:
            limit = int(raw_limit) if raw_limit else DEFAULT_KIOSK_TICKETS_PER_MINUTE
        except ValueError:
            raise ValueError(f"{KIOSK_LIMIT_VARIABLE} must be a number, got "
                             f"{raw_limit!r}") from None
        return cls(resources_dir=folder_from_env(environ, DIR_VARIABLE, "resource definitions"),
                   kiosk_tickets_per_minute=limit,
                   kiosk_bootstrap_key=environ.get(KIOSK_BOOTSTRAP_VARIABLE, "").strip())


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
