"""The registry of synced collections: each has a conflict policy and a handler per mutation.

A tile declares its collections in its spec (`TileSpec.sync_collections`, ADR 0022), usually
with the `SERVER_DECIDED` policy; they are read from the tile registry. The portal's own
collections (preferences, holidays) and tests call `register`; a registered collection wins
over a tile's of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from backend.sync.types import Handler


class Policy(StrEnum):
    SERVER_DECIDED = "server_decided"  # commands the server accepts or refuses (bookings)
    APPEND_ONLY = "append_only"  # records are added, never edited; deletes are tombstones
    READ_ONLY = "read_only"  # public content: the device only pulls it
    LAST_WRITER_WINS = "last_writer_wins"  # by server order, never by device clocks


@dataclass(frozen=True)
class Collection:
    name: str
    policy: Policy
    handlers: dict[str, Handler] = field(default_factory=dict)


_REGISTRY: dict[str, Collection] = {}


def register(collection: Collection) -> Collection:
    """Add (or replace) `collection` in the registry and return it."""
    _REGISTRY[collection.name] = collection
    return collection


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def get_collection(name: str) -> Collection | None:
    _ensure_builtins()
    found = _REGISTRY.get(name)
    return found if found is not None else _tile_collections().get(name)


def registered() -> dict[str, Collection]:
    _ensure_builtins()
    return {**_tile_collections(), **_REGISTRY}


def _tile_collections() -> dict[str, Collection]:
    # Imported lazily: tile specs import this module for `Collection`.
    from backend.tiles.registry import tile_specs

    return {c.name: c for spec in tile_specs() for c in spec.sync_collections}


def _ensure_builtins() -> None:
    # Imported lazily: the built-in handlers import this module to register themselves.
    from backend.sync import holidays, preferences  # noqa: F401
