"""Photo to candidates in one call (what the tile and the bench run): intake → regions →
features → candidates for every region."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from app.features.health.photo.features import PhotoMaps, feature_vector, photo_maps
from app.features.health.photo.hints import Candidate, DishMemory, candidates
from app.features.health.photo.intake import SafePhoto, intake
from app.features.health.photo.regions import FoundRegions, Region, find_regions

__all__ = ["MealAnalysis", "analyse", "region_features"]


@dataclass(frozen=True, slots=True)
class MealAnalysis:
    photo: SafePhoto
    found: FoundRegions
    features: dict[int, np.ndarray]  # region id → feature vector (to `learn` on confirming)
    candidates: dict[int, list[Candidate]]  # region id → choices, best first
    maps: PhotoMaps


def region_features(maps: PhotoMaps, region: Region) -> np.ndarray:
    return feature_vector(maps, region.mask(maps.shape),
                          region.vessel.kind if region.vessel else None)


def analyse(data: bytes, memory: DishMemory | None = None, *,
            known: Iterable[str] | None = None) -> MealAnalysis:
    """Raises `PhotoRefused` for bytes that are not a photo to analyse."""
    photo = intake(data)
    maps = photo_maps(photo.image)
    found = find_regions(photo.image, maps)
    known_ids = list(known) if known is not None else None
    features: dict[int, np.ndarray] = {}
    choices: dict[int, list[Candidate]] = {}
    for region in found.regions:
        vector = region_features(maps, region)
        features[region.id] = vector
        choices[region.id] = candidates(vector, region.kind_hint,
                                        region.vessel.kind if region.vessel else None, memory,
                                        known=known_ids)
    return MealAnalysis(photo, found, features, choices, maps)
