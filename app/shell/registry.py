"""The feature registry: the home screen is built from it, one tile per registered feature.

Adding a tile is adding a folder under `app/features/` and one line in `FEATURE_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator

from app.shell.feature_spec import FeatureSpec, Mode

FEATURE_MODULES: tuple[str, ...] = (
    "app.features.numbers",  # the kiosk's 整理券 (kiosk mode only)
    "app.features.procedures",
    "app.features.reservations",
    "app.features.transit",
    "app.features.points",
    "app.features.health",
    "app.features.school",
    "app.features.waste",
    "app.features.tourism",
    "app.features.notices",
)


class FeatureRegistry:
    def __init__(self, specs: Iterable[FeatureSpec]) -> None:
        self._specs: dict[str, FeatureSpec] = {}
        for spec in specs:
            if spec.id in self._specs:
                raise ValueError(f"feature id {spec.id!r} registered twice")
            if not spec.id.isidentifier():
                raise ValueError(f"feature id {spec.id!r} must be a plain identifier")
            self._specs[spec.id] = spec

    @classmethod
    def load(cls, modules: Iterable[str] = FEATURE_MODULES) -> FeatureRegistry:
        return cls(importlib.import_module(name).FEATURE for name in modules)

    def __iter__(self) -> Iterator[FeatureSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: s.order))

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, feature_id: str) -> FeatureSpec | None:
        return self._specs.get(feature_id)

    def for_mode(self, mode: Mode) -> list[FeatureSpec]:
        return [spec for spec in self if spec.available_in(mode)]

    def by_route(self, route: str) -> FeatureSpec | None:
        return self.get(route.strip("/").split("/", 1)[0])
