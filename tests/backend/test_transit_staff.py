"""Staff of 交通政策課 (department "transit") list the feeds and upload GTFS-JP zips; residents,
anonymous callers and staff of another department are refused. The upload's body is streamed
to the route within its own limit (backend/http/uploads.py). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlmodel import Session, col, select

from backend.http.body_limit import BodyLimits
from backend.http.errors import install_error_handlers
from backend.http.input_guard import InputGuard
from backend.http.uploads import file_upload
from backend.tiles.transit.models import TransitFeedVersion
from backend.tiles.transit.settings import TransitSettings
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.transit_helpers import (
    broken_demo_zip,
    demo_zip,
    feed_entry,
    feeds_file,
)

pytestmark = pytest.mark.anyio
MakeApp = Callable[..., FastAPI]
FEEDS = "/staff/transit/feeds"
UPLOAD = "/staff/transit/feeds/{}/import"
NEW_FEED = {"name": "市営阿波バス", "licence": "CC BY 4.0",
            "attribution": "津山市 市営阿波バス GTFS-JP (CC BY 4.0)"}


def staff_headers(app: FastAPI, department: str = "transit") -> dict[str, str]:
    person = make_person(app, role="staff", name="職員 交通", departments=(department,))
    return bearer(app, person)


def zip_file(path: Path, name: str = "feed.zip") -> dict[str, Any]:
    return {"file": (name, path.read_bytes(), "application/zip")}


def current(app: FastAPI, feed_id: str) -> str | None:
    with Session(app.state.engine) as session:
        return session.exec(select(col(TransitFeedVersion.sha256)).where(
            col(TransitFeedVersion.feed_id) == feed_id,
            col(TransitFeedVersion.current).is_(True))).first()


async def test_transit_staff_upload_and_list_feeds(database_url: str, make_app: MakeApp,
                                                   tmp_path: Path) -> None:
    app = make_app(database_url)
    staff = staff_headers(app)
    source = demo_zip(tmp_path, "awa-1")
    async with asgi_client(app) as client:
        imported = await client.post(UPLOAD.format("awa-bus"), headers=staff,
                                     files=zip_file(source, "awa.zip"), data=NEW_FEED)
        again = await client.post(UPLOAD.format("awa-bus"), headers=staff,
                                  files=zip_file(source))  # settings from the current one
        broken = await client.post(UPLOAD.format("awa-bus"), headers=staff,
                                   files=zip_file(broken_demo_zip(tmp_path)))
        not_zip = await client.post(UPLOAD.format("awa-bus"), headers=staff,
                                    files={"file": ("feed.zip", b"hello", "application/zip")})
        listed = await client.get(FEEDS, headers=staff)
        public = await client.get("/transit/feeds")
        download = await client.get("/transit/feeds/awa-bus/timetable")
    assert imported.status_code == 200, imported.text
    body = imported.json()
    assert (body["feed_id"], body["outcome"]) == ("awa-bus", "imported")
    assert body["report"][0].startswith(f"version {body['version'][:12]}: 21 stops")
    assert again.json()["outcome"] == "unchanged"
    assert broken.status_code == 422
    detail = broken.json()["detail"]
    assert (detail["code"], detail["outcome"]) == ("feed_refused", "refused")
    assert any(line.startswith("stops.txt line 3, stop_lat") for line in detail["report"])
    assert not_zip.status_code == 422
    assert "not a zip file" in not_zip.json()["detail"]["report"][0]
    assert current(app, "awa-bus") == body["version"]  # the refusals changed nothing
    assert download.headers["etag"] == f'"{body["version"]}"'
    feeds = {feed["id"]: feed for feed in listed.json()["feeds"]}
    assert set(feeds) == {"awa-bus", "tsuyama-demo"}
    awa = feeds["awa-bus"]
    assert awa["configured"] is False and awa["current"]["name"] == "市営阿波バス"
    assert awa["current"]["version"] == body["version"]
    assert [v["source"] for v in awa["versions"]] == ["staff upload (awa.zip)"]
    assert [i["outcome"] for i in awa["imports"]] == ["refused", "refused", "unchanged",
                                                       "imported"]
    assert any("stop_lat" in line for line in awa["imports"][1]["report"])
    assert {f["id"] for f in public.json()["feeds"]} == {"awa-bus", "tsuyama-demo"}


async def test_what_an_upload_needs(database_url: str, make_app: MakeApp,
                                    tmp_path: Path) -> None:
    file = feeds_file(tmp_path, [feed_entry("awa-bus", url="http://127.0.0.1:9/feed.zip")])
    app = make_app(database_url, tiles={"transit": TransitSettings(feeds_file=file)})
    staff = staff_headers(app)
    source = demo_zip(tmp_path)
    async with asgi_client(app) as client:
        async def post(feed_id: str, **kwargs: Any) -> httpx.Response:
            return await client.post(UPLOAD.format(feed_id), headers=staff, **kwargs)

        new_without_names = await post("chutetsu", files=zip_file(source))
        configured_with_name = await post("awa-bus", files=zip_file(source),
                                          data={"name": "別の名前"})
        configured = await post("awa-bus", files=zip_file(source))
        demo_id = await post("tsuyama-demo", files=zip_file(source), data=NEW_FEED)
        no_file = await post("chutetsu", data=NEW_FEED)
        json_body = await post("chutetsu", json=NEW_FEED)
        control = await post("chutetsu", files=zip_file(source),
                             data={**NEW_FEED, "name": "a\tb"})
        bad_percent = await post("chutetsu", files=zip_file(source),
                                 data={**NEW_FEED, "ic_percent_off": "ten"})
        unknown_field = await post("chutetsu", files=zip_file(source),
                                   data={**NEW_FEED, "colour": "red"})
        bad_id = await post("Bad_Id", files=zip_file(source), data=NEW_FEED)
        with_ic = await post("chutetsu", files=zip_file(source),
                             data={**NEW_FEED, "ic_percent_off": "10"})
        listed = await client.get(FEEDS, headers=staff)
    assert new_without_names.status_code == 422
    assert "a new feed needs name, licence, attribution" in (
        new_without_names.json()["detail"]["message"])
    assert configured_with_name.status_code == 422
    assert "configured in the city's feeds file" in (
        configured_with_name.json()["detail"]["message"])
    assert configured.status_code == 200 and configured.json()["outcome"] == "imported"
    for refused in (demo_id, no_file, json_body, control, bad_percent, unknown_field, bad_id):
        assert refused.status_code == 422, refused.text
    assert with_ic.status_code == 200, with_ic.text
    feeds = {feed["id"]: feed for feed in listed.json()["feeds"]}
    assert feeds["awa-bus"]["configured"] is True
    assert feeds["awa-bus"]["url"] == "http://127.0.0.1:9/feed.zip"
    assert feeds["awa-bus"]["current"]["name"] == "awa-bus バス"
    assert feeds["chutetsu"]["configured"] is False
    assert listed.json()["feeds_file"] == str(file)


async def test_residents_anonymous_callers_and_other_staff_are_refused(
        database_url: str, make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(database_url)
    resident = bearer(app, make_person(app, name="津山 太郎"))
    waste = staff_headers(app, "waste")
    source = demo_zip(tmp_path)
    async with asgi_client(app) as client:
        answers = {}
        for who, headers in (("resident", resident), ("waste", waste), ("anonymous", None)):
            answers[who] = [
                await client.get(FEEDS, headers=headers),
                await client.post(UPLOAD.format("awa-bus"), headers=headers,
                                  files=zip_file(source), data=NEW_FEED)]
    for response in answers["resident"] + answers["waste"]:
        assert response.status_code == 403, response.text
    for response in answers["waste"]:
        assert response.json()["detail"]["code"] == "outside_staff_scope"
    assert [r.status_code for r in answers["anonymous"]] == [401, 401]
    assert current(app, "awa-bus") is None


async def test_an_upload_over_the_limit_is_413(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    staff = staff_headers(app)
    async with asgi_client(app) as client:
        declared = await client.post(UPLOAD.format("awa-bus"), content=b"x", headers={
            **staff, "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(201 * 1024 * 1024)})
        anonymous = await client.post(UPLOAD.format("awa-bus"), content=b"x", headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(300 * 1024)})
    assert declared.status_code == 413
    assert declared.json()["detail"][0]["type"] == "body_too_large"
    assert anonymous.status_code == 413
    assert "without a valid access token" in anonymous.json()["detail"][0]["msg"]


async def test_a_streamed_upload_passing_its_limit_is_413() -> None:
    """The guard's count, on a tiny route of its own (a chunked body has no length)."""
    router = APIRouter()

    @router.post("/upload", openapi_extra=file_upload(1024))
    async def upload(request: Request) -> dict[str, int]:
        async with request.form() as form:
            data = form.get("file")
            return {"size": len(await data.read()) if hasattr(data, "read") else 0}

    app = FastAPI()
    app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(InputGuard, limits=BodyLimits(default=16 * 1024),
                       authenticated=lambda header: header == "Bearer ok")

    async def chunks(size: int) -> Any:
        head = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.zip\"\r\n"
                b"Content-Type: application/zip\r\n\r\n")
        yield head
        for _ in range(size // 256):
            yield b"\x00\xff" * 128
        yield b"\r\n--b--\r\n"

    headers = {"Authorization": "Bearer ok", "Content-Type": "multipart/form-data; boundary=b"}
    async with asgi_client(app) as client:
        small = await client.post("/upload", content=chunks(512), headers=headers)
        large = await client.post("/upload", content=chunks(4096), headers=headers)
    assert small.status_code == 200 and small.json() == {"size": 512}
    assert large.status_code == 413
    assert large.json()["detail"][0]["type"] == "body_too_large"
