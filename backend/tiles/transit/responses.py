"""The JSON answers of the transit routes (public and staff), as pydantic models so the
OpenAPI says exactly what they hold (docs/transit-feeds.md, "Routes")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from backend.models import as_utc
from backend.tiles.transit.models import TransitFeedVersion, TransitImport


class FeedOut(BaseModel):
    """A feed's current timetable."""

    id: str
    name: str
    version: str  # the ETag of its timetable (without quotes)
    size: int  # bytes of the uncompressed timetable
    imported_at: str
    feed_version: str
    service_start: str  # first day any service runs ("" if none)
    service_end: str
    licence: str
    attribution: str  # shown with every answer from this timetable
    is_demo: bool
    realtime: bool  # whether the city publishes live data for it
    stops: int
    trips: int

    @classmethod
    def of(cls, row: TransitFeedVersion, realtime: bool) -> FeedOut:
        return cls(id=row.feed_id, name=row.name, version=row.sha256, size=row.size,
                   imported_at=as_utc(row.imported_at).isoformat(),
                   feed_version=row.feed_version, service_start=row.service_start,
                   service_end=row.service_end, licence=row.licence,
                   attribution=row.attribution, is_demo=row.is_demo, realtime=realtime,
                   stops=row.stops, trips=row.trips)


class FeedList(BaseModel):
    feeds: list[FeedOut]


class TripLive(BaseModel):
    delay: int | None  # seconds late (negative: early); None: unknown
    stops: dict[str, int]  # stop_sequence -> seconds late
    cancelled: bool


class VehicleLive(BaseModel):
    trip_id: str | None
    lat: float
    lon: float
    at: int | None  # UNIX seconds


class AlertLive(BaseModel):
    header: dict[str, str]  # language -> text
    description: dict[str, str]
    routes: list[str]
    stops: list[str]
    trips: list[str]
    active: list[list[int | None]]  # [start, end] UNIX seconds; None: open


class RealtimeOut(BaseModel):
    feed_id: str
    status: Literal["live", "unreachable", "scheduled"]
    fetched_at: str | None  # when this data was fetched (None: never)
    message: str
    trips: dict[str, TripLive]
    vehicles: list[VehicleLive]
    alerts: list[AlertLive]


class ImportOut(BaseModel):
    """One import attempt's result."""

    feed_id: str
    outcome: Literal["imported", "unchanged", "refused", "unreachable"]
    version: str
    report: list[str]


class ImportAttempt(BaseModel):
    at: str
    outcome: str
    version: str
    report: list[str]

    @classmethod
    def of(cls, row: TransitImport) -> ImportAttempt:
        return cls(at=as_utc(row.at).isoformat(), outcome=row.outcome, version=row.sha256,
                   report=row.report.splitlines())


class StoredVersion(BaseModel):
    version: str
    current: bool
    imported_at: str
    source: str
    feed_version: str
    service_start: str
    service_end: str
    size: int

    @classmethod
    def of(cls, row: TransitFeedVersion) -> StoredVersion:
        return cls(version=row.sha256, current=row.current,
                   imported_at=as_utc(row.imported_at).isoformat(), source=row.source,
                   feed_version=row.feed_version, service_start=row.service_start,
                   service_end=row.service_end, size=row.size)


class RealtimeState(BaseModel):
    """How polling a feed's live data went (staff)."""

    status: str  # "live", "unreachable"; "waiting" before the first poll
    checked_at: str | None
    fetched_at: str | None
    error: str


class StaffFeed(BaseModel):
    id: str
    name: str
    configured: bool  # in the city's feeds file
    url: str | None
    path: str | None
    realtime_urls: dict[str, str]  # kind -> address (empty: no live data)
    ic_fare: dict[str, Any] | None
    realtime: RealtimeState | None
    current: FeedOut | None
    versions: list[StoredVersion]
    imports: list[ImportAttempt]  # the newest first, at most 20


class StaffFeedList(BaseModel):
    feeds_file: str | None  # None: the city has not configured feeds
    feeds_file_error: str | None  # why the feeds file cannot be used
    feeds: list[StaffFeed]
