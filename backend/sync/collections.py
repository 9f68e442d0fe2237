"""The registry of synced collections: each has a conflict policy and a handler per mutation.

Later tiles (bulky-waste booking, wallet, ...) call `register` with their own collection,
usually with the `SERVER_DECIDED` policy.
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
    return _REGISTRY.get(name)


def registered() -> dict[str, Collection]:
    _ensure_builtins()
    return dict(_REGISTRY)


def _ensure_builtins() -> None:
    # Imported lazily: the built-in handlers import this module to register themselves.
    from backend.bulky_waste import handlers  # noqa: F401
    from backend.sync import health_records, holidays, notices, preferences  # noqa: F401
    from backend.waste import sync_collections  # noqa: F401
