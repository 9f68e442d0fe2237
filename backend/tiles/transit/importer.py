"""`import_feed`: a GTFS-JP feed (a zip or a folder) read, checked, compiled into the
timetable file the app downloads (docs/transit-timetable.md) and stored as the feed's current
version (`versions.py`).

The version id is the SHA-256 of the feed's files (the zip's bytes; for a folder its file
names and bytes in name order) and of the city's settings for the feed (name, licence,
attribution, IC fare), so importing the same feed again is UNCHANGED without reading it. A
broken feed is REFUSED with a report naming file, line and field of each problem (at most
50), and the current version stays as it was. Every attempt is recorded with its report.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from backend.services.clock import utc_now
from backend.tiles.transit import versions
from backend.tiles.transit.feeds_config import FeedConfig
from backend.tiles.transit.gtfs.errors import MAX_ERRORS, FeedRejected
from backend.tiles.transit.gtfs.reader import read_feed
from backend.tiles.transit.models import IMPORTED, REFUSED, UNCHANGED, UNREACHABLE
from backend.tiles.transit.timetable.compile import CompiledTimetable, compile_feed

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
MAX_WARNINGS = 20  # warnings of an accepted feed shown in its report


@dataclass(frozen=True)
class ImportResult:
    feed_id: str
    outcome: str  # IMPORTED, UNCHANGED, REFUSED or UNREACHABLE (models.py)
    report: tuple[str, ...]  # one problem or fact a line
    version: str  # the version id ("" when nothing was read)

    @property
    def usable(self) -> bool:
        """The feed's current version is this feed (imported now or before)."""
        return self.outcome in (IMPORTED, UNCHANGED)

    def to_json(self) -> dict[str, Any]:
        return {"feed_id": self.feed_id, "outcome": self.outcome, "version": self.version,
                "report": list(self.report)}


def source_digest(config: FeedConfig, source: Path, *, is_demo: bool = False) -> str:
    """The version id of `source` with `config`'s settings (see the module's docstring)."""
    digest = hashlib.sha256()
    settings = {**config.identity(), "is_demo": is_demo}
    digest.update(json.dumps(settings, sort_keys=True, ensure_ascii=False).encode())
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))
        for file in files:
            digest.update(b"\0file\0" + file.name.encode() + b"\0")
            _add_file(digest, file)
    else:
        digest.update(b"\0zip\0")
        _add_file(digest, source)
    return digest.hexdigest()


def _add_file(digest: Any, file: Path) -> None:
    with file.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)


def _service_period(compiled: CompiledTimetable) -> tuple[str, str]:
    """The first and last day any service runs ("" when none does)."""
    runs = compiled.arrays["service_runs"]
    days = np.flatnonzero(runs.any(axis=0)) if runs.size else np.zeros(0, dtype=np.int64)
    if days.size == 0:
        return "", ""
    first = date.fromisoformat(compiled.meta["first_day"])
    return ((first + timedelta(days=int(days[0]))).isoformat(),
            (first + timedelta(days=int(days[-1]))).isoformat())


def _compiled_bytes(compiled: CompiledTimetable) -> bytes:
    with tempfile.TemporaryDirectory(prefix="tsuyama-transit-") as folder:
        path = Path(folder) / "timetable.npz"
        compiled.write(path)
        return path.read_bytes()


def refused(engine: Engine, municipality_code: str, feed_id: str, report: list[str],
            sha: str, at: datetime, outcome: str = REFUSED) -> ImportResult:
    """Record a failed attempt (REFUSED or UNREACHABLE); the current version stays."""
    versions.record_attempt(engine, municipality_code, feed_id, outcome, report, sha, at)
    return ImportResult(feed_id, outcome, tuple(report), sha)


def import_feed(engine: Engine, municipality_code: str, config: FeedConfig, source: Path,
                *, is_demo: bool = False, origin: str | None = None,
                now: datetime | None = None) -> ImportResult:
    """Import `source` (a zip or a folder) as feed `config.id`; `origin` is what the version
    records as its source (default: the feed's url or path, else `source`)."""
    at = now or utc_now()
    code, feed_id = municipality_code, config.id
    try:
        sha = source_digest(config, source, is_demo=is_demo)
    except OSError as exc:
        return refused(engine, code, feed_id, [f"{source.name}: cannot be read "
                                               f"({exc.strerror or exc})"], "", at)
    if versions.current_sha(engine, code, feed_id) == sha:
        report = ["the same feed as the current version"]
        versions.record_attempt(engine, code, feed_id, UNCHANGED, report, sha, at)
        return ImportResult(feed_id, UNCHANGED, tuple(report), sha)
    try:
        feed = read_feed(source)
    except FeedRejected as exc:
        report = [str(error) for error in exc.errors[:MAX_ERRORS]]
        if len(exc.errors) >= MAX_ERRORS:
            report.append(f"reading stopped after {MAX_ERRORS} errors")
        return refused(engine, code, feed_id, report, sha, at)
    try:
        compiled = compile_feed(feed, attribution=config.attribution, feed_name=config.name,
                                extra_meta={"ic_fare": config.ic_fare.to_meta()}
                                if config.ic_fare else None)
        body = _compiled_bytes(compiled)
    except Exception as exc:  # a feed the compiler cannot handle must not stop the backend
        logger.exception("transit feed %s could not be compiled", feed_id)
        return refused(engine, code, feed_id, [f"the timetable could not be compiled: "
                                               f"{type(exc).__name__}: {exc}"], sha, at)
    start, end = _service_period(compiled)
    info = feed.feed_info
    routable = int(np.count_nonzero(compiled.arrays["stop_routable"]))
    new = versions.NewVersion(
        municipality_code=code, feed_id=feed_id, sha256=sha, name=config.name,
        origin=origin or config.origin or str(source), licence=config.licence,
        attribution=config.attribution, is_demo=is_demo,
        feed_version=info.version if info else "", service_start=start, service_end=end,
        stops=routable, trips=len(feed.trips), compiled=body)
    period = f"service {start} to {end}" if start else "no service day"
    report = [f"version {sha[:12]}: {routable} stops, {len(feed.trips)} trips, {period}, "
              f"{len(body)} bytes"]
    report += [f"warning: {warning}" for warning in feed.warnings[:MAX_WARNINGS]]
    if len(feed.warnings) > MAX_WARNINGS:
        report.append(f"and {len(feed.warnings) - MAX_WARNINGS} more warnings")
    outcome = versions.store_version(engine, new, report, at)
    if outcome == UNCHANGED:
        report = ["the same feed as the current version"]
    return ImportResult(feed_id, outcome, tuple(report), sha)


def unreachable(engine: Engine, municipality_code: str, feed_id: str, reason: str,
                now: datetime | None = None) -> ImportResult:
    """Record that the feed's address gave no feed."""
    return refused(engine, municipality_code, feed_id, [reason], "", now or utc_now(),
                   outcome=UNREACHABLE)
