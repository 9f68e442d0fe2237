"""Staff routes of the transit tile (staff of 交通政策課, department "transit", only; ADR 0023;
docs/transit-feeds.md "Staff"):

- `GET /staff/transit/feeds`: every feed (configured in the feeds file, or stored) with its
  current version, the versions kept, its last 20 import attempts and its live data state;
- `POST /staff/transit/feeds/{feed_id}/import`: a GTFS-JP zip uploaded as the multipart field
  `file` (at most 200 MB) imported as that feed. A configured feed keeps the name, licence,
  attribution and IC fare of the feeds file; another id takes them from the form (`name`,
  `licence`, `attribution`, `ic_percent_off`), else from its current version. A broken zip
  is 422 with the report, and the current version stays.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any, NoReturn

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from backend.api.dependencies import EngineDep, SettingsDep
from backend.http.uploads import file_upload
from backend.identity.dependencies import StaffCaller, staff_of
from backend.models import as_utc
from backend.services.clock import utc_now
from backend.settings import Settings
from backend.tiles.transit import versions
from backend.tiles.transit.feeds_config import (
    MAX_ATTRIBUTION,
    MAX_LICENCE,
    MAX_NAME,
    FeedConfig,
    FeedsConfig,
    FeedsConfigError,
    IcFare,
    check_text,
)
from backend.tiles.transit.importer import ImportResult, import_feed, refused
from backend.tiles.transit.models import REFUSED, TransitRealtime
from backend.tiles.transit.responses import (
    FeedOut,
    ImportAttempt,
    ImportOut,
    RealtimeState,
    StaffFeed,
    StaffFeedList,
    StoredVersion,
)
from backend.tiles.transit.routes import FeedIdPath
from backend.tiles.transit.settings import configured_feeds
from backend.tiles.transit.startup import DEMO_FEED

logger = logging.getLogger(__name__)

router = APIRouter(tags=["staff"])

TransitStaff = Annotated[StaffCaller, Depends(staff_of("transit"))]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_FORM_FIELD = 4 * 1024
COPY_CHUNK = 1024 * 1024
SHOWN_IMPORTS = 20
TEXT_FIELDS = {
    "name": "The feed's name (a new feed; a configured one keeps the feeds file's)",
    "licence": "Its licence, e.g. CC BY 4.0 (a new feed)",
    "attribution": "What is shown with every answer from it (a new feed)",
    "ic_percent_off": "IC card fare: the cash fare less this percent (0 to 100; a new feed)",
}


def _config(settings: Settings) -> tuple[FeedsConfig | None, str | None]:
    try:
        return configured_feeds(settings), None
    except FeedsConfigError as exc:
        return None, str(exc)


def _realtime_state(engine: Engine, code: str, feed_id: str) -> RealtimeState:
    with Session(engine) as session:
        row = session.get(TransitRealtime, (code, feed_id))
    if row is None:
        return RealtimeState(status="waiting", checked_at=None, fetched_at=None, error="")
    return RealtimeState(status=row.status, checked_at=as_utc(row.checked_at).isoformat(),
                         fetched_at=as_utc(row.fetched_at).isoformat() if row.fetched_at
                         else None, error=row.error)


@router.get("/staff/transit/feeds")
def staff_feeds(staff: TransitStaff, engine: EngineDep, settings: SettingsDep
                ) -> StaffFeedList:
    """Every feed with its versions, recent import attempts and live data state."""
    code = staff.municipality_code
    config, error = _config(settings)
    stored = versions.versions_of(engine, code)
    ids = list(dict.fromkeys([*(f.id for f in config.feeds)] if config else []))
    ids += [feed_id for feed_id in versions.known_feed_ids(engine, code) if feed_id not in ids]
    feeds = []
    for feed_id in ids:
        configured = config.get(feed_id) if config else None
        own = [row for row in stored if row.feed_id == feed_id]
        current = next((row for row in own if row.current), None)
        realtime = configured.realtime if configured else None
        feeds.append(StaffFeed(
            id=feed_id,
            name=configured.name if configured else current.name if current
            else own[0].name if own else feed_id,
            configured=configured is not None,
            url=configured.url if configured else None,
            path=str(configured.path) if configured and configured.path else None,
            realtime_urls={kind: url for kind, url in (
                ("trip_updates", realtime.trip_updates),
                ("vehicle_positions", realtime.vehicle_positions),
                ("alerts", realtime.alerts)) if url} if realtime else {},
            ic_fare=configured.ic_fare.to_meta() if configured and configured.ic_fare
            else None,
            realtime=_realtime_state(engine, code, feed_id) if realtime else None,
            current=FeedOut.of(current, realtime=realtime is not None) if current else None,
            versions=[StoredVersion.of(row) for row in own],
            imports=[ImportAttempt.of(row) for row in versions.recent_imports(
                engine, code, feed_id, SHOWN_IMPORTS)]))
    return StaffFeedList(feeds_file=str(config.file) if config else None,
                         feeds_file_error=error, feeds=feeds)


def _refuse(message: str, **extra: Any) -> NoReturn:
    raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                        {"code": "invalid_upload", "message": message, **extra})


def _text_field(form: FormData, name: str, limit: int) -> str | None:
    value = form.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        _refuse(f"{name} must be a text field")
    try:
        return check_text(value, limit)
    except ValueError as exc:
        _refuse(f"{name} {exc}", field=name)


def _ic_field(form: FormData) -> IcFare | None:
    raw = _text_field(form, "ic_percent_off", 8)
    if raw is None:
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 100:
        _refuse("ic_percent_off must be a whole number from 0 to 100", field="ic_percent_off")
    return IcFare(percent_off=int(raw))


def _previous_ic_fare(engine: Engine, code: str, feed_id: str) -> IcFare | None:
    """The IC fare the feed's current timetable has (an upload without one keeps it)."""
    version = versions.current_sha(engine, code, feed_id)
    body = versions.current_body(engine, code, feed_id, version) if version else None
    if body is None:
        return None
    try:
        with np.load(io.BytesIO(body), allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode())
    except (OSError, ValueError, KeyError):
        return None
    ic = meta.get("ic_fare")
    if isinstance(ic, dict) and ic.get("same_as_cash") is True:
        return IcFare(same_as_cash=True)
    if isinstance(ic, dict) and isinstance(ic.get("percent_off"), int):
        return IcFare(percent_off=ic["percent_off"])
    return None


def _upload_config(form: FormData, feed_id: str, configured: FeedConfig | None,
                   engine: Engine, code: str) -> FeedConfig:
    """The feed's settings: the feeds file's, else the form's over the current version's."""
    given = {name: _text_field(form, name, limit) for name, limit in (
        ("name", MAX_NAME), ("licence", MAX_LICENCE), ("attribution", MAX_ATTRIBUTION))}
    ic_fare = _ic_field(form)
    if configured is not None:
        named = sorted(name for name, value in given.items() if value is not None)
        if named or ic_fare is not None:
            _refuse(f"feed {feed_id!r} is configured in the city's feeds file: its name, "
                    "licence, attribution and IC fare come from there; send the file only",
                    fields=[*named, *(["ic_percent_off"] if ic_fare else [])])
        return FeedConfig(id=feed_id, name=configured.name, licence=configured.licence,
                          attribution=configured.attribution, realtime=configured.realtime,
                          ic_fare=configured.ic_fare)
    current = next((row for row in versions.current_versions(engine, code)
                    if row.feed_id == feed_id), None)
    name = given["name"] or (current.name if current else None)
    licence = given["licence"] or (current.licence if current else None)
    attribution = given["attribution"] or (current.attribution if current else None)
    if name is None or licence is None or attribution is None:
        missing = [field for field, value in (("name", name), ("licence", licence),
                                               ("attribution", attribution)) if value is None]
        _refuse(f"a new feed needs {', '.join(missing)}", fields=missing)
    return FeedConfig(id=feed_id, name=name, licence=licence, attribution=attribution,
                      ic_fare=ic_fare or _previous_ic_fare(engine, code, feed_id))


def _save_upload(upload: UploadFile, target: Path) -> int:
    """Copy the uploaded file (spooled by the form parser) to `target`."""
    upload.file.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, COPY_CHUNK)
    return target.stat().st_size


def _import_upload(engine: Engine, code: str, config: FeedConfig, upload: UploadFile
                   ) -> ImportResult:
    filename = Path(upload.filename or "upload.zip").name[:200]
    with tempfile.TemporaryDirectory(prefix="tsuyama-upload-") as folder:
        target = Path(folder) / "feed.zip"
        size = _save_upload(upload, target)
        if not zipfile.is_zipfile(target):
            return refused(engine, code, config.id, [
                f"{filename}: not a zip file ({size} bytes); upload the feed's .zip"], "",
                utc_now())
        return import_feed(engine, code, config, target, origin=f"staff upload ({filename})")


@router.post(
    "/staff/transit/feeds/{feed_id}/import",
    openapi_extra=file_upload(MAX_UPLOAD_BYTES, file_description="The feed: a GTFS-JP zip",
                              text_fields=TEXT_FIELDS),
)
async def upload_feed(feed_id: FeedIdPath, request: Request, staff: TransitStaff,
                      engine: EngineDep, settings: SettingsDep) -> ImportOut:
    """Import an uploaded GTFS-JP zip as feed `feed_id`: the result with its report
    (`imported` or `unchanged`); a broken feed is 422 with the report (file, line, field)."""
    code = staff.municipality_code
    if feed_id == DEMO_FEED.id:
        _refuse(f"{feed_id!r} is the demo timetable's id: give the feed another id")
    config, error = _config(settings)
    if error is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, {
            "code": "feeds_file_broken", "message": error})
    async with request.form(max_files=1, max_fields=len(TEXT_FIELDS),
                            max_part_size=MAX_FORM_FIELD) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            _refuse("send the feed as the multipart/form-data file field 'file'",
                    field="file")
        unknown = sorted(set(form.keys()) - {"file", *TEXT_FIELDS})
        if unknown:
            _refuse(f"unknown form field {unknown[0]!r}", field=unknown[0])
        feed = _upload_config(form, feed_id, config.get(feed_id) if config else None,
                              engine, code)
        result = await run_in_threadpool(_import_upload, engine, code, feed, upload)
    logger.info("transit feed %s uploaded by staff %s: %s", feed_id, staff.id, result.outcome)
    if result.outcome == REFUSED:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, {
            "code": "feed_refused", "message": "the feed cannot be used; the report names "
            "each problem (file, line, field); the current timetable stays",
            **result.to_json()})
    return ImportOut.model_validate(result.to_json())
