"""The backend's tile list: one line per tile (its `tile.py`, which declares `TILE`).

Adding a tile's server side is adding `backend/tiles/<id>/` and one line here. The ids are
the app's (`app/shell/registry.py`, `FEATURE_MODULES`); `tests/unit/test_tile_pairing.py`
keeps the two lists in step. Order does not matter except for start-up loaders, which run
in this order.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from functools import cache

from backend.tiles.spec import ServerPart, TileCommand, TileSpec

TILE_MODULES: tuple[str, ...] = (
    "backend.tiles.notices.tile",
    "backend.tiles.waste.tile",  # bulky waste (粗大ごみ) is part of the waste tile
    "backend.tiles.health.tile",
    "backend.tiles.school.tile",
    "backend.tiles.procedures.tile",
    "backend.tiles.reservations.tile",
    "backend.tiles.transit.tile",
    "backend.tiles.points.tile",
    "backend.tiles.tourism.tile",
    "backend.tiles.numbers.tile",  # the kiosk's 整理券: served by the reservations tile
)


class TileRegistry:
    """The specs by id, in registry order."""

    def __init__(self, specs: Iterable[TileSpec]) -> None:
        self._specs: dict[str, TileSpec] = {}
        for spec in specs:
            if spec.id in self._specs:
                raise ValueError(f"tile id {spec.id!r} registered twice")
            self._specs[spec.id] = spec
        collections = [c.name for spec in self._specs.values() for c in spec.sync_collections]
        if len(collections) != len(set(collections)):
            raise ValueError(f"a sync collection is declared by two tiles: {collections}")

    @classmethod
    def load(cls, modules: Iterable[str] = TILE_MODULES) -> TileRegistry:
        return cls(importlib.import_module(name).TILE for name in modules)

    def __iter__(self) -> Iterator[TileSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, tile_id: str) -> TileSpec | None:
        return self._specs.get(tile_id)

    def built(self) -> list[TileSpec]:
        return [spec for spec in self if spec.server is ServerPart.BUILT]

    def command(self, tile_id: str, name: str) -> TileCommand | None:
        spec = self.get(tile_id)
        return None if spec is None else spec.commands.get(name)


@cache
def _load(modules: tuple[str, ...]) -> TileRegistry:
    return TileRegistry.load(modules)


def tile_specs() -> TileRegistry:
    """The tiles of `TILE_MODULES`, imported once (a test may patch `TILE_MODULES`)."""
    return _load(TILE_MODULES)


def load_models() -> None:
    """Import every tile's tables into `SQLModel.metadata` (Alembic, schema tests)."""
    for spec in tile_specs():
        for model in spec.models:
            if model.__table__ is None:  # type: ignore[attr-defined]
                raise ValueError(f"tile {spec.id!r}: {model.__name__} is not a table")
