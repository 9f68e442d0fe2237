"""The transit tile's feeds: the demo at start-up, imports (unchanged, new versions, broken
feeds, three versions kept, two at once), the timetable download (ETag, 304, gzip), the
city's feeds file and its settings, downloads from a feed's address (a local server), the
refresh job and the commands. SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.features.transit.planner.timetable import Timetable
from backend.services.clock import utc_now
from backend.tiles.transit import cli
from backend.tiles.transit.feeds_config import (
    FeedConfig,
    FeedsConfigError,
    IcFare,
    parse_feeds,
    read_feeds_file,
)
from backend.tiles.transit.fetch import fetch_and_import
from backend.tiles.transit.importer import import_feed
from backend.tiles.transit.models import (
    IMPORTED,
    REFUSED,
    UNCHANGED,
    UNREACHABLE,
    TransitFeedVersion,
    TransitImport,
)
from backend.tiles.transit.refresh import FeedRefresher
from backend.tiles.transit.settings import TransitSettings
from tests.backend.asgi_client import asgi_client
from tests.backend.transit_helpers import (
    DEMO,
    Answer,
    broken_demo_zip,
    demo_copy,
    demo_zip,
    feed_entry,
    feeds_file,
    local_server,
)

pytestmark = pytest.mark.anyio
MakeApp = Callable[..., FastAPI]
CODE = "332038"
TIMETABLE = "/transit/feeds/{}/timetable"


def stored(app: FastAPI, feed_id: str) -> list[TransitFeedVersion]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(TransitFeedVersion).where(
            col(TransitFeedVersion.feed_id) == feed_id).order_by(
            col(TransitFeedVersion.imported_at))).all())


def attempts(app: FastAPI, feed_id: str) -> list[TransitImport]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(TransitImport).where(
            col(TransitImport.feed_id) == feed_id).order_by(col(TransitImport.id))).all())


def current_of(app: FastAPI, feed_id: str) -> TransitFeedVersion:
    [current] = [row for row in stored(app, feed_id) if row.current]
    return current


def with_feeds(file: Path, **extra: Any) -> dict[str, Any]:
    return {"tiles": {"transit": TransitSettings(feeds_file=file, **extra)}}


# -- the demo, the download ---------------------------------------------------------------

async def test_the_demo_loads_at_start_and_is_listed_and_downloaded(
        database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    async with asgi_client(app) as client:
        listed = await client.get("/transit/feeds")
        plain = await client.get(TIMETABLE.format("tsuyama-demo"),
                                 headers={"Accept-Encoding": "identity"})
        etag = plain.headers["etag"]
        again = await client.get(TIMETABLE.format("tsuyama-demo"),
                                 headers={"If-None-Match": etag})
        other = await client.get(TIMETABLE.format("tsuyama-demo"),
                                 headers={"If-None-Match": '"something-else"'})
        packed = await client.get(TIMETABLE.format("tsuyama-demo"),
                                  headers={"Accept-Encoding": "br, gzip;q=0.5"})
        refused_gzip = await client.get(TIMETABLE.format("tsuyama-demo"),
                                        headers={"Accept-Encoding": "gzip;q=0"})
        realtime = await client.get("/transit/realtime", params={"feed": "tsuyama-demo"})
    assert listed.status_code == 200
    [feed] = listed.json()["feeds"]
    row = current_of(app, "tsuyama-demo")
    assert feed == {
        "id": "tsuyama-demo", "name": "津山市 デモ時刻表", "version": row.sha256,
        "size": row.size, "imported_at": feed["imported_at"], "feed_version": "demo-1",
        "service_start": "2026-04-01", "service_end": "2028-03-31",
        "licence": "CC BY 4.0 (place coordinates); times made up",
        "attribution": "デモデータ(実在の時刻表ではありません)。位置: geolonia/japanese-addresses "
                       "(CC BY 4.0)",
        "is_demo": True, "realtime": False, "stops": 21, "trips": 57}
    assert plain.status_code == 200
    assert plain.headers["content-type"] == "application/octet-stream"
    assert etag == f'"{row.sha256}"'
    assert plain.headers["cache-control"] == "public, max-age=300"
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(plain.content) == row.size
    timetable = Timetable.from_bytes(plain.content)
    assert timetable.meta["feed_name"] == "津山市 デモ時刻表"
    assert timetable.meta["attribution"] == feed["attribution"]
    assert "ic_fare" not in timetable.meta
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert other.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    # httpx decodes it; the length on the wire is the compressed one.
    assert packed.content == plain.content
    assert int(packed.headers["content-length"]) < row.size
    assert "content-encoding" not in refused_gzip.headers
    assert realtime.json()["status"] == "scheduled"


async def test_the_gzip_body_is_the_timetable_compressed(database_url: str,
                                                         make_app: MakeApp) -> None:
    app = make_app(database_url)
    async with asgi_client(app) as client:
        request = client.build_request("GET", TIMETABLE.format("tsuyama-demo"),
                                       headers={"Accept-Encoding": "gzip"})
        response = await client.send(request, stream=True)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
    assert int(response.headers["content-length"]) == len(raw)
    assert gzip.decompress(raw) == current_body(app, "tsuyama-demo")


def current_body(app: FastAPI, feed_id: str) -> bytes:
    return current_of(app, feed_id).compiled


async def test_unknown_and_malformed_feed_ids(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    async with asgi_client(app) as client:
        unknown = await client.get(TIMETABLE.format("no-such-feed"))
        bad = [await client.get(TIMETABLE.format(name)) for name in ("Bad", "-x", "x" * 65)]
        realtime_unknown = await client.get("/transit/realtime", params={"feed": "nope"})
        realtime_bad = await client.get("/transit/realtime", params={"feed": "A B"})
        realtime_missing = await client.get("/transit/realtime")
    assert unknown.status_code == 404
    assert unknown.json()["detail"]["code"] == "unknown_feed"
    assert [r.status_code for r in bad] == [422, 422, 422]
    assert realtime_unknown.status_code == 404
    assert realtime_bad.status_code == 422 and realtime_missing.status_code == 422


async def test_without_demo_data_there_is_no_timetable(database_url: str,
                                                       make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    async with asgi_client(app) as client:
        listed = await client.get("/transit/feeds")
    assert listed.json() == {"feeds": []}


# -- imports -------------------------------------------------------------------------------

def test_importing_the_same_feed_again_is_unchanged(database_url: str,
                                                    make_app: MakeApp) -> None:
    app = make_app(database_url)
    make_app(database_url)  # a restart imports the demo again
    engine = app.state.engine
    again = import_feed(engine, CODE, DEMO, DEMO.path or Path(), is_demo=True)
    assert again.outcome == UNCHANGED
    assert [a.outcome for a in attempts(app, "tsuyama-demo")] == [IMPORTED, UNCHANGED, UNCHANGED]
    assert len(stored(app, "tsuyama-demo")) == 1


def test_the_same_files_with_other_settings_are_another_version(
        database_url: str, make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(database_url, load_demo_data=False)
    engine = app.state.engine
    source = demo_zip(tmp_path)
    config = FeedConfig(id="awa-bus", name="市営阿波バス", licence="CC BY 4.0",
                        attribution="津山市 (CC BY 4.0)")
    first = import_feed(engine, CODE, config, source)
    with_ic = import_feed(engine, CODE, replace(config, ic_fare=IcFare(percent_off=10)), source)
    assert (first.outcome, with_ic.outcome) == (IMPORTED, IMPORTED)
    assert first.version != with_ic.version
    meta = Timetable.from_bytes(current_body(app, "awa-bus")).meta
    assert meta["ic_fare"] == {"percent_off": 10}
    assert meta["attribution"] == "津山市 (CC BY 4.0)"


async def test_a_new_version_replaces_the_current_one(database_url: str, make_app: MakeApp,
                                                      tmp_path: Path) -> None:
    app = make_app(database_url)
    old = current_of(app, "tsuyama-demo")
    newer = demo_copy(tmp_path / "demo-2", "demo-2")
    result = import_feed(app.state.engine, CODE, DEMO, newer, is_demo=True)
    assert result.outcome == IMPORTED and result.version != old.sha256
    assert result.report[0].startswith(f"version {result.version[:12]}: 21 stops, 57 trips")
    rows = {row.sha256: row.current for row in stored(app, "tsuyama-demo")}
    assert rows == {old.sha256: False, result.version: True}
    async with asgi_client(app) as client:
        listed = (await client.get("/transit/feeds")).json()["feeds"]
        with_old_etag = await client.get(TIMETABLE.format("tsuyama-demo"),
                                         headers={"If-None-Match": f'"{old.sha256}"'})
    assert [(f["version"], f["feed_version"]) for f in listed] == [(result.version, "demo-2")]
    assert with_old_etag.status_code == 200
    assert with_old_etag.headers["etag"] == f'"{result.version}"'
    assert Timetable.from_bytes(with_old_etag.content).meta["feed_version"] == "demo-2"


async def test_a_broken_feed_is_refused_and_the_current_version_stays(
        database_url: str, make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(database_url)
    before = current_of(app, "tsuyama-demo")
    result = import_feed(app.state.engine, CODE, DEMO, broken_demo_zip(tmp_path),
                         is_demo=True)
    assert result.outcome == REFUSED
    assert any(line.startswith("stops.txt line 3, stop_lat: ") for line in result.report), \
        result.report
    last = attempts(app, "tsuyama-demo")[-1]
    assert (last.outcome, last.report.splitlines()) == (REFUSED, list(result.report))
    assert current_of(app, "tsuyama-demo").sha256 == before.sha256
    async with asgi_client(app) as client:
        download = await client.get(TIMETABLE.format("tsuyama-demo"))
    assert download.status_code == 200
    assert download.headers["etag"] == f'"{before.sha256}"'


def test_a_file_that_is_not_a_feed_is_refused(database_url: str, make_app: MakeApp,
                                              tmp_path: Path) -> None:
    app = make_app(database_url)
    junk = tmp_path / "feed.zip"
    junk.write_bytes(b"PK\x03\x04 but not really a zip")
    missing = import_feed(app.state.engine, CODE, DEMO, tmp_path / "nowhere.zip")
    result = import_feed(app.state.engine, CODE, DEMO, junk)
    assert (result.outcome, missing.outcome) == (REFUSED, REFUSED)
    assert "not a readable zip file" in result.report[0]
    assert "cannot be read" in missing.report[0]


def test_only_the_newest_three_versions_are_kept(database_url: str, make_app: MakeApp,
                                                 tmp_path: Path) -> None:
    app = make_app(database_url)
    first = current_of(app, "tsuyama-demo").sha256
    made = [import_feed(app.state.engine, CODE, DEMO,
                        demo_copy(tmp_path / f"v{n}", f"demo-{n}"), is_demo=True).version
            for n in (2, 3, 4)]
    kept = stored(app, "tsuyama-demo")
    assert first not in {row.sha256 for row in kept}
    assert [row.sha256 for row in kept] == made
    assert [row.current for row in kept] == [False, False, True]
    # An older kept version imported again becomes current again.
    back = import_feed(app.state.engine, CODE, DEMO, tmp_path / "v2", is_demo=True)
    assert (back.outcome, back.version) == (IMPORTED, made[0])
    assert current_of(app, "tsuyama-demo").sha256 == made[0]
    assert len(stored(app, "tsuyama-demo")) == 3


def test_two_imports_at_once_leave_one_current_version(database_url: str, make_app: MakeApp,
                                                       tmp_path: Path) -> None:
    app = make_app(database_url)
    source = demo_copy(tmp_path / "same", "demo-9")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        barrier.wait()
        outcomes.append(import_feed(app.state.engine, CODE, DEMO, source,
                                    is_demo=True).outcome)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == [IMPORTED, UNCHANGED]
    assert len([row for row in stored(app, "tsuyama-demo") if row.current]) == 1


# -- the city's feeds file -----------------------------------------------------------------

async def test_configured_feeds_replace_the_demo(database_url: str, make_app: MakeApp,
                                                 tmp_path: Path) -> None:
    make_app(database_url)  # the demo first
    folder = demo_copy(tmp_path / "awa", "awa-1")
    file = feeds_file(tmp_path, [
        feed_entry("awa-bus", path=str(folder), ic_fare={"same_as_cash": True}),
        feed_entry("chutetsu", url="http://127.0.0.1:9/feed.zip",
                   realtime={"alerts": "http://127.0.0.1:9/alerts"}),
    ])
    app = make_app(database_url, **with_feeds(file))
    async with asgi_client(app) as client:
        listed = (await client.get("/transit/feeds")).json()["feeds"]
        demo = await client.get(TIMETABLE.format("tsuyama-demo"))
        awa = await client.get(TIMETABLE.format("awa-bus"))
        chutetsu_live = await client.get("/transit/realtime", params={"feed": "chutetsu"})
    assert [(f["id"], f["is_demo"], f["realtime"]) for f in listed] == [
        ("awa-bus", False, False)]
    assert demo.status_code == 404
    assert Timetable.from_bytes(awa.content).meta["ic_fare"] == {"same_as_cash": True}
    assert attempts(app, "chutetsu") == []  # URL feeds wait for the refresh job
    # A configured feed with live data but no timetable yet: known, nothing live yet.
    assert chutetsu_live.status_code == 200
    assert chutetsu_live.json()["status"] == "scheduled"
    # The demo's versions are kept, only no longer current.
    assert [row.current for row in stored(app, "tsuyama-demo")] == [False]


def test_a_relative_path_is_taken_from_the_feeds_file_folder(tmp_path: Path) -> None:
    file = feeds_file(tmp_path, [feed_entry("awa-bus", path="feeds/awa.zip")])
    [feed] = read_feeds_file(file).feeds
    assert feed.path == tmp_path / "feeds" / "awa.zip"
    assert feed.origin == str(tmp_path / "feeds" / "awa.zip")


@pytest.mark.parametrize(("entries", "message"), [
    ([{"id": "Awa", "name": "n", "url": "https://x.jp/f.zip", "licence": "l",
       "attribution": "a"}], 'feeds[1] ("Awa"), id: must be lowercase'),
    ([feed_entry("awa")], "feeds[1] (\"awa\"), url/path: give exactly one"),
    ([feed_entry("awa", url="https://x.jp/f.zip", path="/srv/f.zip")],
     "url/path: give exactly one"),
    ([feed_entry("awa", url="ftp://x.jp/f.zip")], "url: must be an http:// or https://"),
    ([feed_entry("awa", url="https://x.jp/f.zip", licence=" ")],
     "licence: must be a non-empty text"),
    ([{**feed_entry("awa", url="https://x.jp/f.zip"), "attribution": ""}],
     "attribution: must be a non-empty text"),
    ([{k: v for k, v in feed_entry("awa", url="https://x.jp/f.zip").items()
       if k != "attribution"}], "attribution: missing"),
    ([feed_entry("awa", url="https://x.jp/a.zip"), feed_entry("awa", url="https://x.jp/b")],
     'feeds[2] ("awa"), id: \'awa\' is used by an earlier entry'),
    ([feed_entry("awa", url="https://x.jp/f.zip", license="CC BY 4.0")],
     'license: unknown field (did you mean "licence"?)'),
    ([feed_entry("awa", url="https://x.jp/f.zip", realtime={"alerts": "x"})],
     "realtime: alerts must be an http:// or https://"),
    ([feed_entry("awa", url="https://x.jp/f.zip", realtime={"positions": "https://x.jp"})],
     "realtime: unknown 'positions'"),
    ([feed_entry("awa", url="https://x.jp/f.zip", realtime={})], "realtime: must be an object"),
    ([feed_entry("awa", url="https://x.jp/f.zip", ic_fare={"percent_off": 150})],
     'ic_fare: "percent_off" must be a whole number from 0 to 100'),
    ([feed_entry("awa", url="https://x.jp/f.zip", ic_fare={"same_as_cash": False})],
     'ic_fare: "same_as_cash" must be true'),
    ([feed_entry("awa", url="https://x.jp/f.zip", name="a\nb")],
     "name: must not contain control characters"),
    (["awa"], "feeds[1], the entry must be an object"),
])
def test_feeds_file_errors_name_the_entry_and_the_field(entries: list[Any],
                                                        message: str) -> None:
    with pytest.raises(FeedsConfigError) as raised:
        parse_feeds({"feeds": entries}, base=Path("/srv"), where="feeds.json")
    assert message in str(raised.value)
    assert str(raised.value).startswith("feeds.json: ")


def test_a_feeds_file_that_is_not_json_or_not_a_list(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"feeds": [', encoding="utf-8")
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"feed": []}', encoding="utf-8")
    with pytest.raises(FeedsConfigError, match="is not JSON: line 1"):
        read_feeds_file(broken)
    with pytest.raises(FeedsConfigError, match=r'expected \{"feeds": \[\.\.\.\]\}'):
        read_feeds_file(wrong)
    with pytest.raises(FeedsConfigError, match="cannot be read"):
        read_feeds_file(tmp_path / "missing.json")


def test_a_full_entry_parses(tmp_path: Path) -> None:
    [feed] = parse_feeds({"feeds": [feed_entry(
        "awa-bus", url="https://api.example.jp/feed.zip",
        realtime={"trip_updates": "https://rt.example.jp/tu",
                  "vehicle_positions": "https://rt.example.jp/tu"},
        ic_fare={"percent_off": 10})]}, base=tmp_path)
    assert feed.realtime is not None
    assert feed.realtime.urls() == ("https://rt.example.jp/tu",)  # one address, asked once
    assert feed.ic_fare == IcFare(percent_off=10)
    assert feed.ic_fare.to_meta() == {"percent_off": 10}


def test_settings_from_the_environment(tmp_path: Path) -> None:
    assert TransitSettings.from_env({}) == TransitSettings(None, 24, 30)
    file = feeds_file(tmp_path, [feed_entry("awa-bus", url="https://x.jp/f.zip")])
    assert TransitSettings.from_env({
        "TSUYAMA_TRANSIT_FEEDS": str(file), "TSUYAMA_TRANSIT_REFRESH_HOURS": "6",
        "TSUYAMA_TRANSIT_REALTIME_SECONDS": "15"}) == TransitSettings(file, 6, 15)
    for environ, message in (
            ({"TSUYAMA_TRANSIT_REFRESH_HOURS": "0"}, "TSUYAMA_TRANSIT_REFRESH_HOURS must be 1"),
            ({"TSUYAMA_TRANSIT_REFRESH_HOURS": "daily"}, "a whole number of hours"),
            ({"TSUYAMA_TRANSIT_REALTIME_SECONDS": "5"},
             "TSUYAMA_TRANSIT_REALTIME_SECONDS must be 10"),
            ({"TSUYAMA_TRANSIT_REALTIME_SECONDS": "4000"}, "to 3600 seconds"),
            ({"TSUYAMA_TRANSIT_FEEDS": str(tmp_path / "none.json")},
             "TSUYAMA_TRANSIT_FEEDS: "),
    ):
        with pytest.raises(ValueError, match=message):
            TransitSettings.from_env(environ)


# -- downloads from a feed's address -------------------------------------------------------

def test_fetching_a_feed_from_its_address(database_url: str, make_app: MakeApp,
                                          tmp_path: Path) -> None:
    app = make_app(database_url, load_demo_data=False)
    engine = app.state.engine
    body = demo_zip(tmp_path).read_bytes()
    with local_server() as server:
        server.answers["/feed.zip"] = Answer(body=body, content_type="application/zip")
        server.answers["/page"] = Answer(body=b"<html>moved</html>", content_type="text/html")
        server.answers["/big.zip"] = Answer(body=body, send_length=False)

        def fetch(path: str, **limits: Any) -> Any:
            config = FeedConfig(id="awa-bus", name="阿波", licence="CC BY 4.0",
                                attribution="津山市", url=server.url(path))
            return fetch_and_import(engine, CODE, config, **limits)

        ok = fetch("/feed.zip")
        same = fetch("/feed.zip")
        missing = fetch("/gone.zip")
        not_zip = fetch("/page")
        too_large = fetch("/feed.zip", max_bytes=len(body) - 1)
        too_large_streamed = fetch("/big.zip", max_bytes=len(body) // 2)
    assert (ok.outcome, same.outcome) == (IMPORTED, UNCHANGED)
    assert missing.outcome == UNREACHABLE and "answered 404" in missing.report[0]
    assert not_zip.outcome == UNREACHABLE
    assert "not a zip file (text/html" in not_zip.report[0]
    assert too_large.outcome == UNREACHABLE and "a feed may have" in too_large.report[0]
    assert too_large_streamed.outcome == UNREACHABLE
    assert "sent more than" in too_large_streamed.report[0]
    app_current = [row for row in _all_versions(app) if row.current]
    assert [row.sha256 for row in app_current] == [ok.version]  # failures changed nothing
    assert current_of(app, "awa-bus").source == server.url("/feed.zip")


def test_an_address_nobody_answers_is_unreachable(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    with local_server() as server:
        port = server.port
    config = FeedConfig(id="awa-bus", name="阿波", licence="CC BY 4.0", attribution="津山市",
                        url=f"http://127.0.0.1:{port}/feed.zip")
    result = fetch_and_import(app.state.engine, CODE, config, timeout=5)
    assert result.outcome == UNREACHABLE and "cannot be reached" in result.report[0]


def _all_versions(app: FastAPI) -> list[TransitFeedVersion]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(TransitFeedVersion)).all())


def test_the_refresh_job_fetches_url_feeds_when_due(database_url: str, make_app: MakeApp,
                                                    tmp_path: Path) -> None:
    body = demo_zip(tmp_path).read_bytes()
    with local_server() as server:
        server.answers["/feed.zip"] = Answer(body=body)
        file = feeds_file(tmp_path, [feed_entry("awa-bus", url=server.url("/feed.zip")),
                                     feed_entry("local", path=str(DEMO.path))])
        app = make_app(database_url, **with_feeds(file, refresh_hours=24))
        engine, settings = app.state.engine, app.state.settings
        refresher = FeedRefresher()
        first = refresher(engine, settings)
        second = refresher(engine, settings)
        later = refresher.due(engine, settings, utc_now() + timedelta(hours=25))
        restarted = FeedRefresher().due(engine, settings, utc_now())
    assert [(r.feed_id, r.outcome) for r in first] == [("awa-bus", IMPORTED)]
    assert second == []
    assert [feed.id for feed in later] == ["awa-bus"]
    assert [feed.id for feed in restarted] == ["awa-bus"]  # soon after each start
    assert server.hits == {"/feed.zip": 1}


# -- commands ------------------------------------------------------------------------------

def test_the_import_and_list_commands(database_url: str, make_app: MakeApp, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(database_url, load_demo_data=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    source = demo_zip(tmp_path)
    arguments = ["--id", "awa-bus", "--name", "市営阿波バス", "--licence", "CC BY 4.0",
                 "--attribution", "津山市 (CC BY 4.0)", "--ic-percent-off", "10",
                 "--data-dir", str(tmp_path / "data"), str(source)]
    assert cli.import_main(arguments) == 0
    assert cli.import_main(arguments) == 0
    assert cli.import_main([*arguments[:-1], str(broken_demo_zip(tmp_path))]) == 1
    assert cli.list_main(["--data-dir", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "feed awa-bus: imported" in out and "feed awa-bus: unchanged" in out
    assert "feed awa-bus: refused" in out and "stops.txt line 3, stop_lat" in out
    assert "awa-bus: 市営阿波バス, version" in out and "last attempt" in out
    assert Timetable.from_bytes(current_body(app, "awa-bus")).meta["ic_fare"] == {
        "percent_off": 10}
    with pytest.raises(SystemExit):
        cli.import_main(["--id", "Bad Id", "--name", "n", "--licence", "l",
                         "--attribution", "a", str(source)])
