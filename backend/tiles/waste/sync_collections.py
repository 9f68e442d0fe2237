"""The waste collections are read-only content: devices pull them, every push is rejected."""

from __future__ import annotations

from backend.sync.collections import Collection, Policy
from backend.tiles.waste.records import COLLECTIONS

# Declared in the waste tile's spec (backend/tiles/waste/tile.py).
WASTE_CONTENT: tuple[Collection, ...] = tuple(
    Collection(name, Policy.READ_ONLY) for name in COLLECTIONS
)
