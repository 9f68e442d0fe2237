"""The transit tile's public routes (no login: visitors plan trips too; docs/transit-feeds.md):

- `GET /transit/feeds`: the current timetable of each feed of the municipality;
- `GET /transit/feeds/{feed_id}/timetable`: that timetable's compiled file (ETag, 304,
  gzip when accepted);
- `GET /transit/realtime?feed=<id>`: the feed's live data ("live", "unreachable" with the
  last data, or "scheduled" when there is none).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status

from backend.api.dependencies import EngineDep, SettingsDep
from backend.settings import Settings
from backend.tiles.transit import versions
from backend.tiles.transit.downloads import COMPRESSED, accepts_gzip, etag_matches, etag_of
from backend.tiles.transit.feeds_config import FEED_ID_PATTERN, FeedsConfig, FeedsConfigError
from backend.tiles.transit.realtime import realtime_answer
from backend.tiles.transit.responses import FeedList, FeedOut, RealtimeOut
from backend.tiles.transit.settings import configured_feeds

logger = logging.getLogger(__name__)

router = APIRouter(tags=["transit"])

FEED_ID_HELP = "A feed id: lowercase letters, digits and '-' (e.g. awa-bus)"
FeedIdPath = Annotated[str, Path(pattern=FEED_ID_PATTERN, max_length=64,
                                 description=FEED_ID_HELP)]
FeedIdQuery = Annotated[str, Query(pattern=FEED_ID_PATTERN, max_length=64,
                                   description=FEED_ID_HELP)]
MAX_AGE = 300
TIMETABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The compiled timetable (docs/transit-timetable.md); gzip-encoded "
                         "when the request accepts it",
          "content": {"application/octet-stream": {
              "schema": {"type": "string", "format": "binary"}}}},
    304: {"description": "Not modified: `If-None-Match` names the current version"},
}


def unknown_feed(feed_id: str) -> NoReturn:
    raise HTTPException(status.HTTP_404_NOT_FOUND, {
        "code": "unknown_feed", "feed_id": feed_id,
        "message": "no timetable is offered for this feed"})


def feeds_config(settings: Settings) -> FeedsConfig | None:
    """The city's feeds file, or None (also when it cannot be used: that is logged)."""
    try:
        return configured_feeds(settings)
    except FeedsConfigError as exc:
        logger.error("transit feeds file: %s", exc)
        return None


@router.get("/transit/feeds")
def list_feeds(engine: EngineDep, settings: SettingsDep) -> FeedList:
    """The current timetable of each feed (what `.../timetable` sends, its version is the
    ETag)."""
    config = feeds_config(settings)
    feeds = []
    for row in versions.current_versions(engine, settings.municipality_code):
        configured = config.get(row.feed_id) if config else None
        feeds.append(FeedOut.of(row, realtime=bool(configured and configured.realtime)))
    return FeedList(feeds=feeds)


@router.get("/transit/feeds/{feed_id}/timetable", response_class=Response,
            responses=TIMETABLE_RESPONSES)
def timetable(feed_id: FeedIdPath, request: Request, engine: EngineDep,
              settings: SettingsDep) -> Response:
    """The feed's current compiled timetable. Send `If-None-Match` with the ETag you have
    (304 while it is current) and `Accept-Encoding: gzip` to get it compressed."""
    code = settings.municipality_code
    version = versions.current_sha(engine, code, feed_id)
    if version is None:
        unknown_feed(feed_id)
    headers = {"ETag": etag_of(version), "Cache-Control": f"public, max-age={MAX_AGE}",
               "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), version):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)

    def load() -> bytes | None:
        return versions.current_body(engine, code, feed_id, version)

    if accepts_gzip(request.headers.get("accept-encoding")):
        key = (engine.url.render_as_string(hide_password=True), code, feed_id, version)
        body = COMPRESSED.get(key, load)
        headers["Content-Encoding"] = "gzip"
    else:
        body = load()
    if body is None:  # replaced by a new version this very moment: ask again
        unknown_feed(feed_id)
    return Response(body, media_type="application/octet-stream", headers=headers)


@router.get("/transit/realtime")
def realtime(feed: FeedIdQuery, engine: EngineDep, settings: SettingsDep) -> RealtimeOut:
    """The feed's live data: delays and cancellations by trip, vehicle positions, alerts.
    `status` "scheduled" means there is none (use the timetable's times)."""
    code = settings.municipality_code
    config = feeds_config(settings)
    configured = config.get(feed) if config else None
    if configured is None and versions.current_sha(engine, code, feed) is None:
        unknown_feed(feed)
    answer = realtime_answer(engine, code, configured, feed)
    return RealtimeOut.model_validate(answer.to_json())
