"""Per-person quotas of the synced collections: how many rows and how many bytes of stored
data one person may keep in each (docs/sync.md, "Quotas"; ADR 0018).

A write that would take the person over a quota is rejected `quota_exceeded` (the message
names the quota); a write that does not grow the usage (a delete, a cancel, a smaller
value) is always applied, so a person over a quota (the limit was lowered) can get back
under it.

How a push measures: before and after the handler runs (inside its savepoint, so a refusal
rolls it back) the push reads the row the mutation names (one primary-key lookup each);
the difference is what the mutation adds. Only a mutation that adds anything needs the
total: the first time in a push it is summed in the database, afterwards it is carried from
mutation to mutation. Two devices of one person pushing at the same moment each carry their
own total, so together they can overshoot by at most what they push concurrently (a push
body is bounded); the next push sees the real sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, Table, bindparam, case, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, SQLModel, col

from backend.models import HealthRecord, Preference
from backend.settings import QUOTA_FIELDS, Settings
from backend.sync.types import Mutation

MIB = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    rows: int = 0
    bytes: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.rows + other.rows, self.bytes + other.bytes)

    def __sub__(self, other: Usage) -> Usage:
        return Usage(self.rows - other.rows, self.bytes - other.bytes)


@dataclass(frozen=True)
class QuotaLimit:
    rows: int
    bytes: int


def _limits(values: Mapping[str, Any]) -> dict[str, QuotaLimit]:
    collections = dict.fromkeys(name.rsplit("_", 1)[0].removeprefix("quota_")
                                for name in QUOTA_FIELDS)
    return {collection: QuotaLimit(rows=int(values[f"quota_{collection}_rows"]),
                                   bytes=int(values[f"quota_{collection}_bytes"]))
            for collection in collections}


def quota_limits(settings: Settings) -> dict[str, QuotaLimit]:
    """The limits in `settings`: `quota_<collection>_rows` and `_bytes` of each collection
    (TSUYAMA_QUOTA_<COLLECTION>_ROWS / _BYTES)."""
    return _limits({name: getattr(settings, name) for name in QUOTA_FIELDS})


# Settings' defaults: 500 preferences in 1 MiB, 20,000 health records in 20 MiB, 200
# bulky-waste bookings in 1 MiB.
DEFAULT_LIMITS: dict[str, QuotaLimit] = _limits(
    {field.name: field.default for field in fields(Settings)})


class octets(FunctionElement[int]):  # lower case: it reads as the SQL function it renders
    """The length of a text value in bytes (UTF-8), on both databases."""

    type = BigInteger()
    inherit_cache = True


@compiles(octets)
def _octets_default(element: octets, compiler: SQLCompiler, **kw: Any) -> str:
    return f"octet_length({compiler.process(element.clauses, **kw)})"


@compiles(octets, "sqlite")
def _octets_sqlite(element: octets, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite before 3.43 has no octet_length; a text cast to a blob is its UTF-8 bytes.
    return f"length(CAST({compiler.process(element.clauses, **kw)} AS BLOB))"


@dataclass(frozen=True)
class UsageMeter:
    """How to measure one collection's stored data of a person: the table (with a
    `person_id` column), the column the mutation's `key_arg` names, the text columns whose
    bytes count, which rows count as rows (`live`; None: all of them), and the mutations
    that only ever remove (never refused)."""

    table: Table
    key_column: str
    byte_columns: tuple[str, ...]
    key_arg: str
    removals: frozenset[str]
    live: ColumnElement[bool] | None = None

    @cached_property
    def _total_statement(self) -> Select[Any, int]:
        table = self.table
        parts = [func.coalesce(octets(table.c[name]), 0) for name in self.byte_columns]
        size: ColumnElement[int] = parts[0]
        for part in parts[1:]:
            size = size + part
        rows = func.count() if self.live is None else func.sum(case((self.live, 1), else_=0))
        return select(func.coalesce(rows, 0), func.coalesce(func.sum(size), 0)).where(
            table.c.person_id == bindparam("person_id"))

    @cached_property
    def _key_statement(self) -> Select[Any, int]:
        return self._total_statement.where(self.table.c[self.key_column] == bindparam("key"))

    def usage(self, session: Session, person_id: str, key: str | None = None) -> Usage:
        """The person's usage: the whole collection, or the one row `key` (zero if none)."""
        if key is None:
            statement, params = self._total_statement, {"person_id": person_id}
        else:
            statement, params = self._key_statement, {"person_id": person_id, "key": key}
        counted, size_sum = session.execute(statement, params).one()
        return Usage(int(counted or 0), int(size_sum or 0))


def _table(model: type[SQLModel]) -> Table:
    """The table of a table model (SQLModel's stubs do not declare `__table__`)."""
    table = sa_inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


table_of = _table  # for the meters tiles declare (TileSpec.quota_meters)


_METERS: dict[str, UsageMeter] = {
    "preferences": UsageMeter(_table(Preference), "key", ("key", "value"),
                              key_arg="key", removals=frozenset({"delete"})),
    # A deleted record stays as a tombstone: no longer a row, but its few bytes still count
    # (adding and deleting for ever cannot grow the table without bound).
    "health_records": UsageMeter(
        _table(HealthRecord), "id", ("id", "kind", "body", "recorded_at"),
        key_arg="id", removals=frozenset({"delete"}),
        live=col(HealthRecord.deleted_at).is_(None)),
}


def register_meter(collection: str, meter: UsageMeter) -> None:
    """Give `collection` a meter here (tests); a tile declares its meters in its spec
    (`TileSpec.quota_meters`). The limits are Settings' `quota_<collection>_*`."""
    _METERS[collection] = meter


def meter_of(collection: str) -> UsageMeter | None:
    found = _METERS.get(collection)
    if found is not None:
        return found
    from backend.tiles.registry import tile_specs  # lazily: tiles import this module

    for spec in tile_specs():
        if collection in spec.quota_meters:
            return spec.quota_meters[collection]
    return None


def _size(count: int) -> str:
    if count >= MIB:
        return f"{count / MIB:.1f} MiB"
    if count >= 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count} bytes"


def quota_problem(collection: str, limit: QuotaLimit, total: Usage, delta: Usage) -> str | None:
    """Why a write that changes the usage by `delta` to `total` is refused; None if it fits."""
    if delta.rows > 0 and total.rows > limit.rows:
        return (f"quota {collection}.rows exceeded: at most {limit.rows} per person, this "
                f"change would make {total.rows}; delete some first")
    if delta.bytes > 0 and total.bytes > limit.bytes:
        return (f"quota {collection}.bytes exceeded: at most {_size(limit.bytes)} per person, "
                f"this change would make {_size(total.bytes)}; delete some first")
    return None


@dataclass(frozen=True)
class Metering:
    """One mutation being measured: its meter, limit, row key and that row's usage before."""

    collection: str
    meter: UsageMeter
    limit: QuotaLimit
    key: str
    before: Usage


@dataclass(frozen=True)
class Measured:
    """What a mutation did to the usage; `refusal` when it goes over a quota."""

    collection: str
    delta: Usage
    total: Usage | None  # the collection's total after it, when it was needed
    refusal: str | None = None


class QuotaTracker:
    """The quotas of one push: the limits, and each collection's total once it was needed."""

    def __init__(self, limits: Mapping[str, QuotaLimit] | None = None) -> None:
        self._limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._totals: dict[str, Usage] = {}

    def start(self, session: Session, person_id: str, mutation: Mutation) -> Metering | None:
        """Measure the row `mutation` names, before its handler runs; None: no quota."""
        meter = meter_of(mutation.collection)
        limit = self._limits.get(mutation.collection)
        if meter is None or limit is None or not isinstance(mutation.args, dict):
            return None
        key = mutation.args.get(meter.key_arg)
        if not isinstance(key, str):
            return None  # the handler refuses it as invalid_args
        return Metering(mutation.collection, meter, limit, key,
                        meter.usage(session, person_id, key))

    def finish(self, session: Session, person_id: str, mutation: Mutation,
               metering: Metering) -> Measured:
        """Measure again after the handler (flushed); refuse a growth over the quota."""
        after = metering.meter.usage(session, person_id, metering.key)
        delta = after - metering.before
        if (delta.rows <= 0 and delta.bytes <= 0) or mutation.name in metering.meter.removals:
            return Measured(metering.collection, delta, None)
        known = self._totals.get(metering.collection)
        # Summed in this transaction, after the write: it includes this mutation already.
        total = known + delta if known is not None else metering.meter.usage(session,
                                                                            person_id)
        refusal = quota_problem(metering.collection, metering.limit, total, delta)
        return Measured(metering.collection, delta, total, refusal)

    def committed(self, measured: Measured | None) -> None:
        """Carry an applied (committed) mutation's change into the totals of this push."""
        if measured is None or measured.refusal is not None:
            return
        if measured.total is not None:
            self._totals[measured.collection] = measured.total
        elif measured.collection in self._totals:
            self._totals[measured.collection] += measured.delta

