"""Publishing a waste dataset: its tables and public change-log rows, only for what changed.

A municipality has one published waste dataset at a time: publishing one makes the
municipality's waste content exactly that dataset (rows of an earlier one, such as the demo,
are tombstoned), in one transaction holding a lock, so two backends starting together or an
import racing a start-up publish once. Re-publishing the same files writes nothing. When a
file of the dataset failed to load, nothing is deleted (the failed file's rows would be).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, delete, insert, select, text, update

from backend.db import SQLITE_BEGIN_OPTION
from backend.sync.change_log import append_changes
from backend.sync.types import ChangeRow
from backend.tiles.waste.dataset import WasteDataset
from backend.tiles.waste.models import WasteAreaRow, WasteItemRow, WasteRecordRow
from backend.tiles.waste.records import AREAS, CENTERS, COLLECTIONS, ITEMS, KINDS, REMARKS, SOURCES

logger = logging.getLogger(__name__)

_PG_WASTE_LOCK_ID = 332038_0003
_RECORD_COLLECTIONS = (SOURCES, KINDS, CENTERS, REMARKS)
_ITEM = WasteItemRow.__table__  # type: ignore[attr-defined]
_AREA = WasteAreaRow.__table__  # type: ignore[attr-defined]
_RECORD = WasteRecordRow.__table__  # type: ignore[attr-defined]
_CHUNK = 500


@dataclass
class PublishResult:
    upserts: Counter[str] = field(default_factory=Counter)
    deletes: Counter[str] = field(default_factory=Counter)
    positions: list[int] = field(default_factory=list)
    published: bool = True  # False: nothing touched (see `reason`)
    deletes_held: int = 0  # rows not deleted because a file of the dataset failed
    reason: str = ""  # why nothing was published

    @property
    def changes(self) -> int:
        return sum(self.upserts.values()) + sum(self.deletes.values())

    def summary(self) -> str:
        if not self.published:
            return f"nothing published: {self.reason}"
        if not self.changes and not self.deletes_held:
            return "published: no changes"
        parts = [f"{n} {c} added or changed" for c, n in sorted(self.upserts.items())]
        parts += [f"{n} {c} removed" for c, n in sorted(self.deletes.items())]
        if self.deletes_held:
            parts.append(f"{self.deletes_held} rows kept that the new files no longer have "
                         "(a file failed to load)")
        return "published: " + ", ".join(parts)


def canonical(data: dict[str, Any]) -> str:
    """The stored JSON of a row: the same data gives the same text."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:lock_id)"),
                           {"lock_id": _PG_WASTE_LOCK_ID})


def _existing(connection: Connection, code: str) -> dict[str, dict[str, str]]:
    """collection -> key -> stored JSON, for every waste row of the municipality."""
    found: dict[str, dict[str, str]] = {name: {} for name in COLLECTIONS}
    for table, collection in ((_ITEM, ITEMS), (_AREA, AREAS)):
        for key, data in connection.execute(
                select(table.c.id, table.c.data).where(table.c.municipality_code == code)):
            found[collection][key] = data
    for collection, key, data in connection.execute(
            select(_RECORD.c.collection, _RECORD.c.key, _RECORD.c.data)
            .where(_RECORD.c.municipality_code == code)):
        found.setdefault(collection, {})[key] = data
    return found


def has_city_data(connection: Connection, code: str) -> bool:
    """Whether a dataset that is not demo data is published for the municipality."""
    sources = connection.execute(
        select(_RECORD.c.data).where(_RECORD.c.municipality_code == code,
                                     _RECORD.c.collection == SOURCES)).scalars()
    return any(not json.loads(data).get("is_demo", False) for data in sources)


def _values(collection: str, code: str, key: str, data: dict[str, Any], now: datetime
            ) -> dict[str, Any]:
    values: dict[str, Any] = {"municipality_code": code, "source": data["source"]
                              if collection != SOURCES else data["key"],
                              "data": canonical(data), "updated_at": now}
    if collection == ITEMS:
        values.update(id=key, name=data["name"], reading=data["reading"],
                      category=data["category"], fee=data["fee"], fee_kind=data["fee_kind"])
    elif collection == AREAS:
        values.update(id=key, name=data["name"], center=data["center"])
    else:
        values.update(collection=collection, key=key)
    return values


def _table(collection: str) -> Table:
    return _ITEM if collection == ITEMS else _AREA if collection == AREAS else _RECORD


def _row_filter(collection: str, code: str, keys: list[str]) -> Any:
    table = _table(collection)
    if table is _RECORD:
        return and_(_RECORD.c.municipality_code == code, _RECORD.c.collection == collection,
                    _RECORD.c.key.in_(keys))
    return and_(table.c.municipality_code == code, table.c.id.in_(keys))


def publish_dataset(engine: Engine, municipality_code: str, dataset: WasteDataset,
                    now: datetime | None = None, *, unless_city_data: bool = False
                    ) -> PublishResult:
    """Make `dataset` the municipality's waste content; see the module docstring.

    `unless_city_data`: do nothing when the municipality already has a dataset that is not
    demo data (start-up loading of the demo must never replace a city's own import).
    """
    if not dataset.report.anything_loaded:
        return PublishResult(published=False, reason="nothing could be loaded")
    moment = now or datetime.now(UTC)
    with engine.connect() as connection:
        connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            _lock(connection)
            if unless_city_data and has_city_data(connection, municipality_code):
                return PublishResult(published=False, reason="the city's own data is there")
            result = _publish(connection, municipality_code, dataset, moment)
    logger.info("Waste dataset %s for %s: %s", dataset.source.key, municipality_code,
                result.summary())
    return result


def _source_row(dataset: WasteDataset, stored: str | None, content_changed: bool,
                now: datetime) -> dict[str, Any]:
    """The `waste_sources` row: `loaded_at` moves only when the content or the source's own
    fields changed, so re-importing the same files writes nothing."""
    fresh = dataset.source.data(now.isoformat())
    if stored is not None and not content_changed:
        previous = json.loads(stored)
        if {**previous, "loaded_at": fresh["loaded_at"]} == fresh:
            return dict(previous)
    return fresh


def _publish(connection: Connection, code: str, dataset: WasteDataset, now: datetime
             ) -> PublishResult:
    existing = _existing(connection, code)
    incoming = dataset.content.rows(dataset.source)
    hold_deletes = bool(dataset.report.failed_files)
    result = PublishResult()
    plans: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for collection, new in incoming.items():
        plans[collection] = _diff(existing[collection], new, hold_deletes, result)
    content_changed = any(any(plan) for plan in plans.values())
    incoming[SOURCES] = {dataset.source.key: _source_row(
        dataset, existing[SOURCES].get(dataset.source.key), content_changed, now)}
    plans[SOURCES] = _diff(existing[SOURCES], incoming[SOURCES], hold_deletes, result)
    changes: list[ChangeRow] = []
    tombstones: list[ChangeRow] = []
    for collection in COLLECTIONS:
        new = incoming[collection]
        inserts, updates, gone = plans[collection]
        _write(connection, collection, code,
               [_values(collection, code, key, new[key], now) for key in inserts],
               [_values(collection, code, key, new[key], now) for key in updates], gone)
        for key in inserts + updates:
            changes.append(ChangeRow(collection, key, "upsert", new[key], public=True))
            result.upserts[collection] += 1
        for key in gone:
            tombstones.append(ChangeRow(collection, key, "delete", None, public=True))
            result.deletes[collection] += 1
    result.positions = append_changes(connection, code, None, changes + tombstones, now)
    return result


def _diff(old: dict[str, str], new: dict[str, dict[str, Any]], hold_deletes: bool,
          result: PublishResult) -> tuple[list[str], list[str], list[str]]:
    """(keys to insert, keys to update, keys to delete) of one collection."""
    inserts = [key for key in new if key not in old]
    updates = [key for key in new if key in old and old[key] != canonical(new[key])]
    gone = sorted(set(old) - set(new))
    if gone and hold_deletes:
        result.deletes_held += len(gone)
        gone = []
    return inserts, updates, gone


def _write(connection: Connection, collection: str, code: str, inserts: list[dict[str, Any]],
           updates: list[dict[str, Any]], gone: list[str]) -> None:
    table = _table(collection)
    if inserts:
        connection.execute(insert(table), inserts)
    for values in updates:
        key = values["key"] if table is _RECORD else values["id"]
        connection.execute(update(table).where(_row_filter(collection, code, [key]))
                           .values(**values))
    for start in range(0, len(gone), _CHUNK):
        connection.execute(delete(table).where(
            _row_filter(collection, code, gone[start:start + _CHUNK])))
