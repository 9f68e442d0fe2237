"""The stored timetable versions of each feed and the record of import attempts.

One version per feed is current (the one the app downloads). A new version becomes current
and the one before stops being current in the same transaction, taken under a lock of the
feed (an advisory lock on PostgreSQL, the write lock on SQLite), so two processes importing
at once never leave two current versions. The newest `KEEP_VERSIONS` versions of a feed are
kept (an older one can be made current again by importing its files again); older ones are
deleted. Every attempt is a `TransitImport` row with its report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, delete, func, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, defer
from sqlalchemy.sql.base import ExecutableOption
from sqlmodel import Session, col, select

from backend.db import write_engine
from backend.tiles.transit.models import (
    IMPORTED,
    UNCHANGED,
    TransitFeedVersion,
    TransitImport,
)

KEEP_VERSIONS = 3
KEEP_IMPORTS = 100  # attempts kept per feed (a daily refresh: about three months)
MAX_REPORT_LINES = 60  # the errors (at most 50) and a line or two about them


@dataclass(frozen=True)
class NewVersion:
    """A compiled timetable ready to be stored as a feed's current version."""

    municipality_code: str
    feed_id: str
    sha256: str
    name: str
    origin: str
    licence: str
    attribution: str
    is_demo: bool
    feed_version: str
    service_start: str
    service_end: str
    stops: int
    trips: int
    compiled: bytes


def report_text(lines: Iterable[str]) -> str:
    return "\n".join(list(lines)[:MAX_REPORT_LINES])


def record_import(session: Session, municipality_code: str, feed_id: str, outcome: str,
                  report: Sequence[str], sha256: str, at: datetime) -> None:
    """One attempt, and the feed's attempts beyond the newest KEEP_IMPORTS forgotten (the
    caller commits)."""
    session.add(TransitImport(municipality_code=municipality_code, feed_id=feed_id,
                              outcome=outcome, report=report_text(report), sha256=sha256,
                              at=at))
    session.flush()
    newest = select(col(TransitImport.id)).where(
        col(TransitImport.municipality_code) == municipality_code,
        col(TransitImport.feed_id) == feed_id).order_by(
        col(TransitImport.id).desc()).limit(KEEP_IMPORTS)
    session.execute(delete(TransitImport).where(
        col(TransitImport.municipality_code) == municipality_code,
        col(TransitImport.feed_id) == feed_id,
        col(TransitImport.id).not_in(newest)))


def record_attempt(engine: Engine, municipality_code: str, feed_id: str, outcome: str,
                   report: Sequence[str], sha256: str, at: datetime) -> None:
    """`record_import` in its own transaction."""
    with Session(engine) as session:
        record_import(session, municipality_code, feed_id, outcome, report, sha256, at)
        session.commit()


def _lock_feed(session: Session, municipality_code: str, feed_id: str) -> None:
    """Serialise the writers of one feed until the transaction ends. PostgreSQL: an advisory
    lock on the feed; SQLite: the write lock `write_engine` takes at BEGIN already."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(
            f"transit:{municipality_code}:{feed_id}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _without_body() -> ExecutableOption:
    """Loads a version without its compiled file (megabytes)."""
    return defer(cast("QueryableAttribute[Any]", TransitFeedVersion.compiled))


def current_sha(engine: Engine, municipality_code: str, feed_id: str) -> str | None:
    """The current version's id of a feed, or None."""
    with Session(engine) as session:
        return session.exec(select(col(TransitFeedVersion.sha256)).where(
            col(TransitFeedVersion.municipality_code) == municipality_code,
            col(TransitFeedVersion.feed_id) == feed_id,
            col(TransitFeedVersion.current).is_(True))).first()


def store_version(engine: Engine, new: NewVersion, report: Sequence[str],
                  at: datetime) -> str:
    """Make `new` the feed's current version and record the attempt: IMPORTED, or
    UNCHANGED when it is current already (another process may just have stored it)."""
    code, feed_id = new.municipality_code, new.feed_id
    try:
        with Session(write_engine(engine)) as session:
            _lock_feed(session, code, feed_id)
            existing = session.exec(select(TransitFeedVersion).options(_without_body()).where(
                col(TransitFeedVersion.municipality_code) == code,
                col(TransitFeedVersion.feed_id) == feed_id,
                col(TransitFeedVersion.sha256) == new.sha256)).first()
            if existing is not None and existing.current:
                record_import(session, code, feed_id, UNCHANGED,
                              ["the same feed as the current version"], new.sha256, at)
                session.commit()
                return UNCHANGED
            session.execute(update(TransitFeedVersion).where(
                col(TransitFeedVersion.municipality_code) == code,
                col(TransitFeedVersion.feed_id) == feed_id,
                col(TransitFeedVersion.current).is_(True)).values(current=False))
            if existing is not None:  # an older version again: current once more
                existing.current = True
                existing.imported_at = at
                session.add(existing)
            else:
                session.add(TransitFeedVersion(
                    municipality_code=code, feed_id=feed_id, sha256=new.sha256,
                    current=True, name=new.name, source=new.origin, licence=new.licence,
                    attribution=new.attribution, is_demo=new.is_demo,
                    feed_version=new.feed_version, service_start=new.service_start,
                    service_end=new.service_end, stops=new.stops, trips=new.trips,
                    size=len(new.compiled), compiled=new.compiled, imported_at=at))
            record_import(session, code, feed_id, IMPORTED, report, new.sha256, at)
            session.flush()
            _prune(session, code, feed_id)
            session.commit()
            return IMPORTED
    except IntegrityError:  # the same version stored by another process at this moment
        record_attempt(engine, code, feed_id, UNCHANGED,
                       ["the same feed was stored by another process at the same time"],
                       new.sha256, at)
        return UNCHANGED


def _prune(session: Session, municipality_code: str, feed_id: str) -> None:
    """Delete the feed's versions beyond the newest KEEP_VERSIONS (never the current one)."""
    keys = session.exec(select(col(TransitFeedVersion.sha256), col(TransitFeedVersion.current))
                        .where(col(TransitFeedVersion.municipality_code) == municipality_code,
                               col(TransitFeedVersion.feed_id) == feed_id)
                        .order_by(col(TransitFeedVersion.current).desc(),
                                  col(TransitFeedVersion.imported_at).desc(),
                                  col(TransitFeedVersion.sha256))).all()
    old = [sha for sha, _current in keys[KEEP_VERSIONS:]]
    if old:
        session.execute(delete(TransitFeedVersion).where(
            col(TransitFeedVersion.municipality_code) == municipality_code,
            col(TransitFeedVersion.feed_id) == feed_id,
            col(TransitFeedVersion.sha256).in_(old)))


def hide_demo(engine: Engine, municipality_code: str) -> int:
    """The demo timetables stop being offered (the city has its own feeds): how many
    versions stopped being current."""
    with Session(write_engine(engine)) as session:
        changed = session.execute(update(TransitFeedVersion).where(
            col(TransitFeedVersion.municipality_code) == municipality_code,
            col(TransitFeedVersion.is_demo).is_(True),
            col(TransitFeedVersion.current).is_(True)).values(current=False))
        session.commit()
        return int(getattr(changed, "rowcount", 0) or 0)


def current_versions(engine: Engine, municipality_code: str) -> list[TransitFeedVersion]:
    """Every feed's current version (without the compiled file), by feed id."""
    with Session(engine) as session:
        return list(session.exec(select(TransitFeedVersion).options(_without_body()).where(
            col(TransitFeedVersion.municipality_code) == municipality_code,
            col(TransitFeedVersion.current).is_(True)).order_by(
            col(TransitFeedVersion.feed_id))).all())


def versions_of(engine: Engine, municipality_code: str) -> list[TransitFeedVersion]:
    """Every stored version (without the compiled file), by feed, newest first."""
    with Session(engine) as session:
        return list(session.exec(select(TransitFeedVersion).options(_without_body()).where(
            col(TransitFeedVersion.municipality_code) == municipality_code).order_by(
            col(TransitFeedVersion.feed_id), col(TransitFeedVersion.imported_at).desc())).all())


def current_body(engine: Engine, municipality_code: str, feed_id: str, sha256: str
                 ) -> bytes | None:
    """The compiled file of that version, if it is still current."""
    with Session(engine) as session:
        return session.exec(select(col(TransitFeedVersion.compiled)).where(
            col(TransitFeedVersion.municipality_code) == municipality_code,
            col(TransitFeedVersion.feed_id) == feed_id,
            col(TransitFeedVersion.sha256) == sha256,
            col(TransitFeedVersion.current).is_(True))).first()


def recent_imports(engine: Engine, municipality_code: str, feed_id: str, limit: int = 20
                   ) -> list[TransitImport]:
    with Session(engine) as session:
        return list(session.exec(select(TransitImport).where(
            col(TransitImport.municipality_code) == municipality_code,
            col(TransitImport.feed_id) == feed_id).order_by(
            col(TransitImport.at).desc(), col(TransitImport.id).desc()).limit(limit)).all())


def last_attempts(engine: Engine, municipality_code: str) -> dict[str, TransitImport]:
    """Each feed's latest import attempt."""
    with Session(engine) as session:
        latest = select(TransitImport.feed_id, func.max(TransitImport.id).label("last")).where(
            col(TransitImport.municipality_code) == municipality_code).group_by(
            col(TransitImport.feed_id)).subquery()
        rows = session.exec(select(TransitImport).join(
            latest, col(TransitImport.id) == latest.c.last)).all()
        return {row.feed_id: row for row in rows}


def known_feed_ids(engine: Engine, municipality_code: str) -> list[str]:
    """Feeds with a stored version or an import attempt."""
    with Session(engine) as session:
        stored = session.exec(select(col(TransitFeedVersion.feed_id)).distinct().where(
            col(TransitFeedVersion.municipality_code) == municipality_code)).all()
        tried = session.exec(select(col(TransitImport.feed_id)).distinct().where(
            col(TransitImport.municipality_code) == municipality_code)).all()
        return sorted(set(stored) | set(tried))
