"""Live data (GTFS-Realtime): messages built here, served by a local HTTP server on
127.0.0.1, polled once; the stored snapshot and `GET /transit/realtime`; an address that stops
answering keeps the last data as "unreachable"; a feed without live data is "scheduled".
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from google.transit import gtfs_realtime_pb2 as rt
from sqlmodel import Session

from backend.services.clock import utc_now
from backend.tiles.transit.models import TransitRealtime
from backend.tiles.transit.realtime import poll_due, poll_feed, realtime_feeds
from backend.tiles.transit.realtime_feed import NotRealtime, parse_message
from backend.tiles.transit.settings import TransitSettings
from tests.backend.asgi_client import asgi_client
from tests.backend.transit_helpers import Answer, demo_copy, feed_entry, feeds_file, local_server

pytestmark = pytest.mark.anyio
MakeApp = Callable[..., FastAPI]
CODE = "332038"
NOW = 1_796_000_000


def header(message: rt.FeedMessage) -> None:
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = rt.FeedHeader.FULL_DATASET
    message.header.timestamp = NOW


def trip_updates() -> bytes:
    message = rt.FeedMessage()
    header(message)
    late = message.entity.add(id="1")
    late.trip_update.trip.trip_id = "east-0700"
    late.trip_update.delay = 120
    first = late.trip_update.stop_time_update.add(stop_sequence=1)
    first.departure.delay = 60
    second = late.trip_update.stop_time_update.add(stop_sequence=2)
    second.arrival.delay = 120
    late.trip_update.stop_time_update.add(stop_sequence=3, stop_id="x")  # no delay: left out
    cancelled = message.entity.add(id="2")
    cancelled.trip_update.trip.trip_id = "west-0800"
    cancelled.trip_update.trip.schedule_relationship = rt.TripDescriptor.CANCELED
    by_stop = message.entity.add(id="3")
    by_stop.trip_update.trip.trip_id = "awa-0900"
    by_stop.trip_update.stop_time_update.add(stop_sequence=5).departure.delay = 300
    by_stop.trip_update.stop_time_update.add(stop_sequence=6).departure.delay = 240
    gone = message.entity.add(id="4", is_deleted=True)
    gone.trip_update.trip.trip_id = "deleted-trip"
    return message.SerializeToString()


def vehicle_positions() -> bytes:
    message = rt.FeedMessage()
    header(message)
    bus = message.entity.add(id="v1")
    bus.vehicle.trip.trip_id = "east-0700"
    bus.vehicle.position.latitude = 35.0547
    bus.vehicle.position.longitude = 134.0039
    bus.vehicle.timestamp = NOW - 5
    parked = message.entity.add(id="v2")  # no trip, no own timestamp: the header's
    parked.vehicle.position.latitude = 35.06
    parked.vehicle.position.longitude = 134.01
    nowhere = message.entity.add(id="v3")  # no position: left out
    nowhere.vehicle.trip.trip_id = "west-0800"
    return message.SerializeToString()


def alerts() -> bytes:
    message = rt.FeedMessage()
    header(message)
    entity = message.entity.add(id="a1")
    alert = entity.alert
    alert.header_text.translation.add(text="大雪のため運休", language="ja")
    alert.header_text.translation.add(text="Cancelled due to heavy snow", language="en")
    alert.description_text.translation.add(text="阿波線は終日運休します")
    alert.description_text.translation.add(text="The Awa line does not run today",
                                           language="en")
    alert.informed_entity.add(route_id="awa")
    alert.informed_entity.add(stop_id="tsuyama-st-1")
    alert.informed_entity.add(route_id="awa").trip.trip_id = "awa-0900"
    alert.active_period.add(start=NOW - 3600, end=NOW + 3600)
    alert.active_period.add(start=NOW + 86_400)  # until further notice
    return message.SerializeToString()


EXPECTED = {
    "trips": {
        "east-0700": {"delay": 120, "stops": {"1": 60, "2": 120}, "cancelled": False},
        "west-0800": {"delay": None, "stops": {}, "cancelled": True},
        "awa-0900": {"delay": 300, "stops": {"5": 300, "6": 240}, "cancelled": False},
    },
    "vehicles": [
        {"trip_id": "east-0700", "lat": 35.0547, "lon": 134.0039, "at": NOW - 5},
        {"trip_id": None, "lat": 35.06, "lon": 134.01, "at": NOW},
    ],
    "alerts": [{
        "header": {"ja": "大雪のため運休", "en": "Cancelled due to heavy snow"},
        "description": {"ja": "阿波線は終日運休します", "en": "The Awa line does not run today"},
        "routes": ["awa"], "stops": ["tsuyama-st-1"], "trips": ["awa-0900"],
        "active": [[NOW - 3600, NOW + 3600], [NOW + 86_400, None]],
    }],
}


def live_app(make_app: MakeApp, database_url: str, tmp_path: Path, realtime: dict[str, str],
             seconds: int = 30) -> FastAPI:
    folder = demo_copy(tmp_path / "awa")
    file = feeds_file(tmp_path, [feed_entry("awa-bus", path=str(folder), realtime=realtime),
                                 feed_entry("plain", path=str(folder))])
    return make_app(database_url, tiles={"transit": TransitSettings(
        feeds_file=file, realtime_seconds=seconds)})


def stored(app: FastAPI, feed_id: str) -> TransitRealtime | None:
    with Session(app.state.engine) as session:
        return session.get(TransitRealtime, (CODE, feed_id))


async def live(app: FastAPI, feed_id: str) -> dict[str, Any]:
    async with asgi_client(app) as client:
        response = await client.get("/transit/realtime", params={"feed": feed_id})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_poll_stores_the_snapshot_and_the_route_answers_it(
        database_url: str, make_app: MakeApp, tmp_path: Path) -> None:
    with local_server() as server:
        server.answers["/tu"] = Answer(body=trip_updates())
        server.answers["/vp"] = Answer(body=vehicle_positions())
        server.answers["/alerts"] = Answer(body=alerts())
        app = live_app(make_app, database_url, tmp_path, {
            "trip_updates": server.url("/tu"), "vehicle_positions": server.url("/vp"),
            "alerts": server.url("/alerts")})
        before = await live(app, "awa-bus")
        polled = poll_due(app.state.engine, app.state.settings)
        not_yet = poll_due(app.state.engine, app.state.settings)
        later = poll_due(app.state.engine, app.state.settings,
                         utc_now() + timedelta(seconds=31))
    assert before["status"] == "scheduled" and before["fetched_at"] is None
    assert (polled, not_yet, later) == ({"awa-bus": "live"}, {}, {"awa-bus": "live"})
    assert server.hits == {"/tu": 2, "/vp": 2, "/alerts": 2}
    row = stored(app, "awa-bus")
    assert row is not None and row.status == "live" and row.error == ""
    assert json.loads(row.payload) == EXPECTED
    answer = await live(app, "awa-bus")
    assert answer.pop("fetched_at") is not None
    assert answer.pop("message") == "live data"
    assert answer == {"feed_id": "awa-bus", "status": "live", **EXPECTED}
    async with asgi_client(app) as client:
        feeds = (await client.get("/transit/feeds")).json()["feeds"]
    assert {f["id"]: f["realtime"] for f in feeds} == {"awa-bus": True, "plain": False}


async def test_an_address_that_stops_answering_keeps_the_last_data(
        database_url: str, make_app: MakeApp, tmp_path: Path) -> None:
    with local_server() as server:
        server.answers["/tu"] = Answer(body=trip_updates())
        app = live_app(make_app, database_url, tmp_path, {"trip_updates": server.url("/tu")})
        [feed] = realtime_feeds(app.state.settings)
        engine = app.state.engine
        assert poll_feed(engine, CODE, feed) == "live"
        first = stored(app, "awa-bus")
        server.answers["/tu"] = Answer(status=503, body=b"busy")
        down = poll_feed(engine, CODE, feed)
        down_row = stored(app, "awa-bus")
        server.answers["/tu"] = Answer(body=b"<html>not protobuf</html>",
                                       content_type="text/html")
        garbage = poll_feed(engine, CODE, feed)
        garbage_error = stored(app, "awa-bus").error  # type: ignore[union-attr]
        server.answers["/tu"] = Answer(body=trip_updates())
        too_large = poll_feed(engine, CODE, feed, max_bytes=10)
    assert (down, garbage, too_large) == ("unreachable",) * 3
    assert first is not None and down_row is not None
    assert "answered 503" in down_row.error
    assert "not a GTFS-Realtime message" in garbage_error
    answer = await live(app, "awa-bus")
    assert answer["status"] == "unreachable"
    assert answer["fetched_at"] == first.fetched_at.isoformat()  # type: ignore[union-attr]
    assert answer["trips"] == EXPECTED["trips"]  # the last data, with its age
    assert "last data received" in answer["message"]


async def test_nobody_answering_before_any_data(database_url: str, make_app: MakeApp,
                                                tmp_path: Path) -> None:
    with local_server() as server:
        url = server.url("/tu")
    app = live_app(make_app, database_url, tmp_path, {"trip_updates": url})
    [feed] = realtime_feeds(app.state.settings)
    assert poll_feed(app.state.engine, CODE, feed, timeout=5) == "unreachable"
    answer = await live(app, "awa-bus")
    assert (answer["status"], answer["fetched_at"]) == ("unreachable", None)
    assert (answer["trips"], answer["vehicles"], answer["alerts"]) == ({}, [], [])


async def test_a_feed_without_live_data_is_scheduled(database_url: str, make_app: MakeApp,
                                                     tmp_path: Path) -> None:
    app = live_app(make_app, database_url, tmp_path, {"alerts": "http://127.0.0.1:9/a"})
    answer = await live(app, "plain")
    assert answer == {"feed_id": "plain", "status": "scheduled", "fetched_at": None,
                      "message": "this feed has no live data: the times are the timetable's",
                      "trips": {}, "vehicles": [], "alerts": []}
    assert [feed.id for feed in realtime_feeds(app.state.settings)] == ["awa-bus"]


def test_bytes_that_are_not_a_message_are_refused() -> None:
    for body in (b"<html>", b"\xff\xff\xff", b""):
        with pytest.raises(NotRealtime):
            parse_message(body)
