"""Grams from a photo: the region's area in cm², from the vessel's real diameter (set once by
the resident; 26 cm plate and 12 cm bowl by default), times a grams-per-cm² figure for the
dish (`assets/health/portion_density.json`). Always an estimate, labelled so; the resident
sets the real portion with the slider.

A round vessel seen at an angle is an ellipse whose long axis is its true diameter; the short
axis is foreshortened by the same factor as every area on the table, so the area seen is
divided by (minor / major) to get the area on the table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from app.features.health.photo.regions import Region, Vessel
from app.paths import ASSETS_DIR

__all__ = [
    "DEFAULT_DENSITY_PATH",
    "Densities",
    "PortionEstimate",
    "VesselSizes",
    "default_densities",
    "estimate_grams",
    "load_densities",
]

DEFAULT_DENSITY_PATH = ASSETS_DIR / "health" / "portion_density.json"
_MIN_GRAMS = Decimal(1)
_MAX_GRAMS = Decimal(2000)  # under the record's 5,000 g per line


@dataclass(frozen=True, slots=True)
class VesselSizes:
    """The real diameters of the resident's plate and bowl, in cm (set once)."""

    plate_cm: float = 26.0
    bowl_cm: float = 12.0

    def diameter(self, vessel: Vessel) -> float:
        return self.bowl_cm if vessel.kind == "bowl" else self.plate_cm


@dataclass(frozen=True, slots=True)
class Densities:
    default: float
    by_dish: Mapping[str, float]

    def of(self, dish_id: str | None) -> float:
        return self.by_dish.get(dish_id or "", self.default)


@dataclass(frozen=True, slots=True)
class PortionEstimate:
    grams: Decimal  # whole grams
    area_cm2: float
    basis: str  # "area" (from the photo) or "no_scale" (no vessel to measure by)
    estimate: bool = True  # always: the tile labels it 「推定」


def load_densities(path: Path | None = None) -> Densities:
    doc = json.loads((path or DEFAULT_DENSITY_PATH).read_text(encoding="utf-8"))
    default = float(doc["default"])
    table = doc.get("densities", {})
    if default <= 0 or any(float(v) <= 0 for v in table.values()):
        raise ValueError("densities must be more than 0")
    return Densities(default, {str(k): float(v) for k, v in table.items()})


@lru_cache(maxsize=1)
def default_densities() -> Densities:
    return load_densities()


def estimate_grams(region: Region, dish_id: str | None, *, vessel: Vessel | None = None,
                   sizes: VesselSizes | None = None, densities: Densities | None = None,
                   fallback_vessel: Vessel | None = None) -> PortionEstimate:
    """The grams a region probably holds. The region's own vessel gives the scale, or else
    `fallback_vessel` (another vessel in the photo); without either, the estimate assumes
    the photo's long side spans a plate (`basis` "no_scale")."""
    sizes = sizes or VesselSizes()
    densities = densities or default_densities()
    scale_vessel = vessel or region.vessel or fallback_vessel
    if scale_vessel is not None and scale_vessel.axes[0] > 0:
        px_per_cm = 2 * scale_vessel.axes[0] / sizes.diameter(scale_vessel)
        tilt = max(scale_vessel.tilt, 0.2)
        basis = "area"
    else:
        _x, _y, w, h = region.bbox
        px_per_cm = max(w, h, 1) / sizes.plate_cm
        tilt = 1.0
        basis = "no_scale"
    area_cm2 = region.area_px / (px_per_cm * px_per_cm) / tilt
    grams = Decimal(str(round(area_cm2 * densities.of(dish_id))))
    grams = min(max(grams, _MIN_GRAMS), _MAX_GRAMS)
    return PortionEstimate(grams, round(area_cm2, 1), basis)
