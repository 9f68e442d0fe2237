"""The resident's synced preferences (collection `preferences`) as tiles read and write them.

A row holds what the server holds: `{"key": ..., "value": ..., "updated_at": ...}` once
synced; a local edit writes `{"key", "value"}` in the same shape (optimistic), so a tile
reads the value the same way before and after the server confirms it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from offline_store import LocalRow, UserStore

COLLECTION = "preferences"
_MISSING = object()


def value_of(row: LocalRow | None, default: Any = None) -> Any:
    """The preference's value, or `default` when there is none (or the row is malformed)."""
    if row is None or not isinstance(row.data, Mapping) or "value" not in row.data:
        return default
    return row.data["value"]


async def read_preference(store: UserStore, key: str, default: Any = None) -> Any:
    return value_of(await asyncio.to_thread(store.read, COLLECTION, key), default)


async def write_preference(store: UserStore, key: str, value: Any) -> None:
    """The optimistic row and its `set` mutation, in one local transaction."""
    await asyncio.to_thread(store.apply_local, COLLECTION, key, {"key": key, "value": value},
                            "set", {"key": key, "value": value})
