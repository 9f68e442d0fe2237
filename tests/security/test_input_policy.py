"""Issue 10: every bad input gets a clear 4xx and no request can make the server read more
than it accepts, on SQLite and PostgreSQL.

- oversized bodies: 413 from `Content-Length` without reading a byte; a chunked body is cut
  at the limit; the push limit is only for a valid access token;
- integers past 64 bits in every numeric parameter (found by walking the routes): 422;
- NUL, lone surrogates and bytes that are not UTF-8 in JSON, forms, queries and paths
  (anonymous login routes included): 400;
- JSON nested deeper than 32 levels: 400;
- bulky-waste days at the edge of the calendar: `invalid_args` (push), 422 (staff routes);
- a staff purpose of spaces: 422;
- every 4xx of the policy and of validation is `{"detail": [{"loc", "msg", "type"}]}` and
  never carries the input beyond a short prefix.

Calls go in-process; `raise_app_exceptions=False` turns a crash into the 500 an outsider
would see, so the assertions say which status came instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import annotated_types
import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from backend.http.body_limit import DEFAULT_BODY_LIMIT_BYTES, DEFAULT_PUSH_BODY_LIMIT_BYTES
from backend.http.errors import LINGER_BYTES
from backend.identity.clients import APP_CLIENT_ID
from backend.models import Person
from backend.tiles.waste.bulky import deadline
from tests.backend.bulky_helpers import AREA_A, TODAY, add_slot, book_args, seed_waste
from tests.backend.people import bearer, make_person
from tests.backend.points_payment_helpers import make_shop
from tests.identity_helpers import BASE_URL, AppLogin, wire_upstream

OVERSIZE = 64 * 1024 * 1024
CHUNK = 64 * 1024
MAX_ERROR_BYTES = 4096  # at most 21 entries of a short loc, msg and type
D1 = date(2026, 12, 3)


@dataclass
class Site:
    app: FastAPI
    resident: Person
    staff: Person

    @property
    def as_resident(self) -> dict[str, str]:
        return bearer(self.app, self.resident)

    @property
    def as_staff(self) -> dict[str, str]:
        return bearer(self.app, self.staff)

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url=BASE_URL,
                                 follow_redirects=False)


@pytest.fixture
def site(database_url: str, make_app: Callable[..., FastAPI],
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    app = make_app(database_url, public_url=BASE_URL, load_demo_data=False)
    wire_upstream(app)
    seed_waste(app.state.engine)
    monkeypatch.setattr(deadline, "today", lambda: TODAY)
    yield Site(app, make_person(app, name="住民 花子"),
               make_person(app, role="staff", name="職員 一郎",
                           departments=("waste", "citizens", "points", "health")))


def error_entries(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    """The checked `detail` list of a refusal: the status, the one shape, a short answer."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert len(response.content) < MAX_ERROR_BYTES, len(response.content)
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    for entry in detail:
        assert set(entry) == {"loc", "msg", "type"}, entry
    return detail


def error_types(response: httpx.Response, status: int) -> set[str]:
    return {entry["type"] for entry in error_entries(response, status)}


# --- the body limit ----------------------------------------------------------------------

BODY_ROUTES = [
    ("POST", "/me/consents", b"application/json"),
    ("POST", "/me/delegations", b"application/json"),
    ("POST", "/me/delegations/some-id/accept", b"application/json"),
    ("DELETE", "/me", b"application/json"),
    ("PUT", "/staff/bulky/slots", b"application/json"),
    ("POST", "/sync/push", b"application/json"),
    ("POST", "/token", b"application/x-www-form-urlencoded"),
    ("POST", "/revoke", b"application/x-www-form-urlencoded"),
    ("POST", "/auth/email/start", b"application/x-www-form-urlencoded"),
    ("POST", "/auth/email/verify", b"application/x-www-form-urlencoded"),
    ("POST", "/dev-idp/login", b"application/x-www-form-urlencoded"),
    ("POST", "/dev-idp/token", b"application/x-www-form-urlencoded"),
]


@dataclass
class RawExchange:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    read_before_answer: int  # body bytes the app had read when the answer went out
    bytes_read: int  # in all, the lingering after the answer included


async def raw_call(app: FastAPI, method: str, path: str,
                   headers: list[tuple[bytes, bytes]]) -> RawExchange:
    """One request straight through ASGI with an OVERSIZE body (64 KiB per `receive`),
    counting what the app read of it before it answered and in all."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 40000),
             "server": ("backend.test", 80), "headers": [(b"host", b"backend.test"), *headers]}
    read = 0
    read_before_answer: int | None = None
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read >= OVERSIZE:
            return {"type": "http.disconnect"}
        read += CHUNK
        return {"type": "http.request", "body": b"[" * CHUNK, "more_body": read < OVERSIZE}

    async def send(message: dict[str, Any]) -> None:
        nonlocal read_before_answer
        if message["type"] == "http.response.start":
            read_before_answer = read
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    assert read_before_answer is not None
    return RawExchange(start["status"], dict(start["headers"]), body, read_before_answer,
                       read)


def _auth(site: Site, path: str) -> list[tuple[bytes, bytes]]:
    headers = site.as_staff if path.startswith("/staff") else site.as_resident
    return [(b"authorization", headers["Authorization"].encode())]


@pytest.mark.anyio
async def test_a_declared_oversized_body_is_refused_before_a_byte_is_read(site: Site) -> None:
    for method, path, content_type in BODY_ROUTES:
        for auth in ([], _auth(site, path)):
            headers = [(b"content-type", content_type),
                       (b"content-length", str(OVERSIZE).encode()), *auth]
            exchange = await raw_call(site.app, method, path, headers)
            assert exchange.status == 413, (method, path, exchange.body[:200])
            assert exchange.read_before_answer == 0, (method, path)
            # Then only lingered over (dropped) for a moment, never all of it.
            assert exchange.bytes_read <= LINGER_BYTES + CHUNK < OVERSIZE
            assert exchange.headers[b"content-type"] == b"application/json"
            assert exchange.headers.get(b"connection") == b"close"
            assert b"date" in exchange.headers  # the server's clock, like every answer
            detail = json.loads(exchange.body)["detail"]
            assert [entry["type"] for entry in detail] == ["body_too_large"], detail
            assert len(exchange.body) < 500


@pytest.mark.anyio
async def test_a_client_waiting_for_100_continue_is_refused_and_sends_nothing(
        site: Site) -> None:
    """With `Expect: 100-continue` the body never comes: the 413 is the answer, nothing is
    read (asking for the body would make the server send "100 Continue" after the 413)."""
    headers = [(b"content-type", b"application/json"), (b"expect", b"100-continue"),
               (b"content-length", str(OVERSIZE).encode()), *_auth(site, "/sync/push")]
    exchange = await raw_call(site.app, "POST", "/sync/push", headers)
    assert exchange.status == 413
    assert exchange.bytes_read == 0
    assert exchange.headers.get(b"connection") == b"close"


@pytest.mark.anyio
async def test_a_chunked_oversized_body_is_cut_at_the_limit(site: Site) -> None:
    for method, path, content_type in BODY_ROUTES:
        limit = DEFAULT_BODY_LIMIT_BYTES
        if (method, path) == ("POST", "/sync/push"):
            limit = DEFAULT_PUSH_BODY_LIMIT_BYTES  # with the caller's valid token
        headers = [(b"content-type", content_type), (b"transfer-encoding", b"chunked"),
                   *_auth(site, path)]
        exchange = await raw_call(site.app, method, path, headers)
        assert exchange.status == 413, (method, path, exchange.body[:200])
        assert limit < exchange.read_before_answer <= limit + CHUNK, (path, exchange)
        assert exchange.bytes_read <= exchange.read_before_answer + LINGER_BYTES + CHUNK
        assert json.loads(exchange.body)["detail"][0]["type"] == "body_too_large"


@pytest.mark.anyio
async def test_the_push_limit_is_only_for_a_valid_access_token(site: Site) -> None:
    """1 MiB of push: read for the resident (the one mutation is rejected for its size), 413
    for anonymous callers and forged tokens; past 2 MiB even the resident gets 413."""
    mutation = {"seq": 1, "mutation_id": "big-1", "collection": "preferences", "name": "set",
                "args": {"key": "note", "value": "x" * (1024 * 1024)}, "created_at": "now"}
    body = json.dumps({"client_id": "phone", "mutations": [mutation]}).encode()
    forged = site.as_resident["Authorization"][:-8] + "AAAAAAAA"
    async with site.client() as client:
        read = await client.post("/sync/push", content=body, headers={
            **site.as_resident, "content-type": "application/json"})
        assert read.status_code == 200, read.text[:300]
        assert read.json()["results"][0]["error"]["code"] == "invalid_args"
        for headers in ({}, {"Authorization": forged}, {"Authorization": "Bearer x"}):
            refused = await client.post("/sync/push", content=body, headers={
                **headers, "content-type": "application/json"})
            assert error_types(refused, 413) == {"body_too_large"}
            assert "without a valid access token" in refused.json()["detail"][0]["msg"]
        mutation["args"]["value"] = "x" * DEFAULT_PUSH_BODY_LIMIT_BYTES
        too_big = await client.post("/sync/push", json={"client_id": "phone",
                                                        "mutations": [mutation]},
                                    headers=site.as_resident)
        assert error_types(too_big, 413) == {"body_too_large"}


# --- numbers ------------------------------------------------------------------------------

def _flat_params(dependant: Any) -> Iterator[tuple[str, Any]]:
    for param in dependant.query_params:
        yield "query", param
    for param in dependant.path_params:
        yield "path", param
    for sub in dependant.dependencies:
        yield from _flat_params(sub)


@dataclass(frozen=True)
class NumericParameter:
    path: str
    methods: frozenset[str]
    where: str
    param: Any


def numeric_parameters(app: FastAPI) -> list[NumericParameter]:
    """Every integer parameter of every route (dependencies and included routers too)."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for where, param in _flat_params(route.dependant):
            annotation = param.field_info.annotation
            if annotation is int or annotation == (int | None):
                found.append(NumericParameter(context.path or "",
                                              frozenset(context.methods or ()), where, param))
    return found


@pytest.mark.anyio
async def test_every_numeric_parameter_is_bounded_and_huge_values_are_422(site: Site) -> None:
    found = numeric_parameters(site.app)
    assert {(n.path, n.param.alias) for n in found} >= {
        ("/me/access-log", "offset"), ("/me/access-log", "limit"), ("/sync/pull", "cursor"),
        ("/sync/streams/{stream}/pull", "cursor"), ("/staff/bulky/bookings", "offset")}
    for numeric in found:
        metadata = numeric.param.field_info.metadata
        assert any(isinstance(m, annotated_types.Le | annotated_types.Lt) for m in metadata), (
            f"{numeric.path} {numeric.param.alias} has no upper bound")
    fill = {"stream": "public", "common_id": site.resident.id, "delegation_id": "x",
            "number": "S2612-0001", "person_id": site.resident.id,
            # The caller clerks for a shop: its routes check membership before the query.
            "shop_id": make_shop(site.app, clerk=site.staff).id,
            "transfer_id": "x"}
    async with site.client() as client:
        for numeric in found:
            alias = numeric.param.alias
            assert numeric.where == "query", (numeric.path, alias)  # none in paths today
            path = numeric.path.format(**fill)
            for value in (2**64, 2**70, -(2**64), int("9" * 40)):
                for method in numeric.methods - {"HEAD"}:
                    response = await client.request(method, path, params={alias: value},
                                                     headers=site.as_staff)
                    entries = error_entries(response, 422)
                    # (a route may also name a required parameter the request left out)
                    assert ["query", alias] in [e["loc"] for e in entries], (path, entries)
                    assert str(value) not in response.text


# --- strings: NUL, surrogates, encodings ------------------------------------------------

def _login_query(**overrides: str) -> str:
    return "/authorize?" + "&".join(
        f"{key}={quote(value, safe='')}"
        for key, value in AppLogin().authorize_params(**overrides).items())


def policy_cases(site: Site) -> list[tuple[str, str, dict[str, Any], set[str]]]:
    """(method, url, request kwargs, acceptable types): JSON, forms, queries, paths;
    anonymous login routes too."""
    json_type = {"content-type": "application/json"}
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    resident, staff = site.as_resident, site.as_staff
    nul, bad_utf8 = {"nul_character"}, {"invalid_utf8"}
    consent = (b'{"purpose":"%s","version":1,"granted":true,"text_sha256":"' + b"a" * 64
               + b'"}')
    push = b'{"client_id":"phone","mutations":[{"seq":1,"mutation_id":"m1",' \
           b'"collection":"preferences","name":"set","args":%s,"created_at":"now"}]}'
    return [
        ("POST", "/me/consents", {"content": consent % b"\\ud800",
                                  "headers": {**resident, **json_type}}, {"lone_surrogate"}),
        ("POST", "/me/consents", {"content": consent % b"a\\u0000",
                                  "headers": {**resident, **json_type}}, nul),
        ("POST", "/me/delegations", {"content": b'{"grantor_common_id":"\\udc00"}',
                                     "headers": {**resident, **json_type}}, {"lone_surrogate"}),
        ("POST", "/me/delegations", {"content": b'{"grantor_common_id":"a\\u0000"}',
                                     "headers": {**resident, **json_type}}, nul),
        ("POST", "/me/delegations", {"content": '{"grantor_common_id":"x"}'.encode("utf-16"),
                                     "headers": {**resident, **json_type}}, bad_utf8),
        ("POST", "/sync/push", {"content": b'{"client_id":"\\ud800","mutations":[]}',
                                "headers": {**resident, **json_type}}, {"lone_surrogate"}),
        ("POST", "/sync/push", {"content": push % b'{"key":"k","value":"\\u0000"}',
                                "headers": {**resident, **json_type}}, nul),
        ("POST", "/sync/push", {"content": push % b'{"key":"k","value":"\\ud83d"}',
                                "headers": {**resident, **json_type}}, {"lone_surrogate"}),
        ("POST", "/sync/push", {"content": push % b'{"key":"\\udfff","value":1}',
                                "headers": {**resident, **json_type}}, {"lone_surrogate"}),
        ("PUT", "/staff/bulky/slots", {"content": b'[{"area_id":"a\\u0000","day":"2026-12-03",'
                                                  b'"capacity":1}]',
                                       "headers": {**staff, **json_type}}, nul),
        ("DELETE", "/me", {"content": b'{"confirm":"\\ud800"}',
                           "headers": {**resident, **json_type}}, {"lone_surrogate"}),
        # Forms (the token endpoint and the HTML login forms, anonymous).
        ("POST", "/token", {"content": f"grant_type=refresh_token&client_id={APP_CLIENT_ID}"
                                       "&refresh_token=a%00b&device_id=d".encode(),
                            "headers": form_type}, nul),
        ("POST", "/token", {"content": b"grant_type=refresh_token&refresh_token=%ED%A0%80",
                            "headers": form_type}, bad_utf8),
        ("POST", "/revoke", {"content": f"client_id={APP_CLIENT_ID}&token=%00".encode(),
                             "headers": form_type}, nul),
        ("POST", "/auth/email/start", {"content": b"login=a%00&email=x%40example.jp",
                                       "headers": form_type}, nul),
        ("POST", "/auth/email/start", {"content": b"login=a&email=%ED%B0%80%40example.jp",
                                       "headers": form_type}, bad_utf8),
        ("POST", "/auth/email/verify", {"content": b"login=a%00&code=123456",
                                        "headers": form_type}, nul),
        ("POST", "/dev-idp/login", {"content": b"persona=dev-taro%00", "headers": form_type},
         nul),
        ("POST", "/dev-idp/login", {"content": b"persona=\xff", "headers": form_type},
         bad_utf8),
        ("POST", "/dev-idp/token", {"content": b"grant_type=authorization_code&code=%00",
                                    "headers": form_type}, nul),
        # Query strings, anonymous login routes included.
        ("GET", _login_query(state="s\x00"), {}, nul),
        ("GET", _login_query(nonce="n\x00"), {}, nul),
        ("GET", _login_query(ui_locales="ja\x00"), {}, nul),
        ("GET", _login_query(acr_values="email", login_hint="a\x00@example.jp"), {}, nul),
        ("GET", "/authorize?state=%ED%A0%80", {}, bad_utf8),
        ("GET", "/auth/email?login=a%00", {}, nul),
        ("GET", "/auth/upstream/callback?state=a%00&code=b", {}, nul),
        ("GET", "/auth/upstream/callback?state=%ED%A0%80&code=b", {}, bad_utf8),
        ("GET", "/staff/bulky/bookings?area_id=a%00", {"headers": staff}, nul),
        ("GET", "/staff/residents/x?purpose=abc%ED%A0%80", {"headers": staff}, bad_utf8),
        ("GET", "/sync/streams/public/pull?municipality=33203%00", {}, nul),
        ("GET", "/me/consents?on_behalf_of=a%00", {"headers": resident}, nul),
        # Paths.
        ("GET", "/people/a%00b", {"headers": resident}, nul),
        ("GET", "/staff/residents/%ED%A0%80?purpose=check", {"headers": staff}, bad_utf8),
        ("POST", "/staff/bulky/bookings/S2612%000001/collected", {"headers": staff}, nul),
        ("POST", "/me/delegations/a%00/revoke", {"headers": resident}, nul),
    ]


@pytest.mark.anyio
async def test_nul_surrogates_and_other_encodings_are_400_everywhere(site: Site) -> None:
    async with site.client() as client:
        for method, url, kwargs, expected in policy_cases(site):
            response = await client.request(method, url, **kwargs)
            assert response.status_code == 400, (method, url, response.status_code,
                                                  response.text[:200])
            assert error_types(response, 400) <= expected, (url, response.text)
        # A surrogate pair as an escape (how ASCII-only JSON writes an emoji) is one
        # character, and Japanese as UTF-8 is what the app sends: both are stored.
        mutation = {"seq": 1, "mutation_id": "emoji", "collection": "preferences",
                    "name": "set", "args": {"key": "greeting", "value": "こんにちは😀"},
                    "created_at": "now"}
        body = json.dumps({"client_id": "phone", "mutations": [mutation]}, ensure_ascii=True)
        assert "\\ud83d\\ude00" in body
        stored = await client.post("/sync/push", content=body.encode(), headers={
            **site.as_resident, "content-type": "application/json"})
        assert stored.status_code == 200, stored.text
        assert stored.json()["results"][0]["result"]["value"] == "こんにちは😀"


@pytest.mark.anyio
async def test_json_nested_deeper_than_32_levels_is_400(site: Site) -> None:
    def push(args: str, seq: int) -> bytes:
        return (f'{{"client_id":"phone","mutations":[{{"seq":{seq},"mutation_id":"d{seq}",'
                f'"collection":"preferences","name":"set","args":{args},'
                f'"created_at":"now"}}]}}').encode()

    def value(depth: int) -> str:
        return '{"key":"k","value":' + "[" * depth + "]" * depth + "}"

    headers = {**site.as_resident, "content-type": "application/json"}
    async with site.client() as client:
        # body (1) > mutations (2) > mutation (3) > args (4) > value: 28 more levels fit.
        fits = await client.post("/sync/push", content=push(value(28), 1), headers=headers)
        assert fits.status_code == 200, fits.text[:300]
        assert fits.json()["results"][0]["status"] == "applied"
        for body in (push(value(29), 2), push(value(300), 3), push(value(5000), 4),
                     b"[" * 100_000,
                     b'{"purpose":' + b"[" * 300 + b"]" * 300 + b"}"):
            for path in ("/sync/push", "/me/consents"):
                response = await client.post(path, content=body, headers=headers)
                assert error_types(response, 400) == {"too_deep"}, (path, response.text[:200])


# --- bulky-waste days at the edge of the calendar ------------------------------------------

EDGE_DAYS = [date(9999, 12, 31), date(1, 1, 1), date(1, 1, 5), date(1999, 12, 31),
             date(2100, 1, 1)]


async def _push(client: httpx.AsyncClient, site: Site, name: str, args: dict[str, Any],
                seq: int) -> dict[str, Any]:
    mutation = {"seq": seq, "mutation_id": f"bulky-{seq}", "collection": "bulky_waste",
                "name": name, "args": args, "created_at": "now"}
    response = await client.post("/sync/push", json={"client_id": "phone",
                                                     "mutations": [mutation]},
                                 headers=site.as_resident)
    assert response.status_code == 200, (args, response.status_code, response.text[:300])
    return response.json()["results"][0]


@pytest.mark.anyio
async def test_days_at_the_edge_of_the_calendar_are_invalid_args(site: Site) -> None:
    engine = site.app.state.engine
    add_slot(engine, AREA_A, D1, 5)
    for day in EDGE_DAYS:
        add_slot(engine, AREA_A, day, 5)  # even a slot there does not make it bookable
    async with site.client() as client:
        booked = await _push(client, site, "book", book_args("b-ok", AREA_A, D1), 1)
        assert booked["status"] == "applied", booked
        seq = 2
        for day in EDGE_DAYS:
            for name, args in (("book", book_args(f"b-{day}", AREA_A, day)),
                               ("change", {"id": "b-ok", "day": day.isoformat()})):
                result = await _push(client, site, name, args, seq)
                seq += 1
                assert result["status"] == "rejected", (name, day, result)
                assert result["error"]["code"] == "invalid_args", (name, day, result)
                assert "2000-01-01 to 2099-12-31" in result["error"]["message"]
            slot = await client.put("/staff/bulky/slots", headers=site.as_staff, json=[
                {"area_id": AREA_A, "day": day.isoformat(), "capacity": 3}])
            assert error_entries(slot, 422)[0]["loc"] == ["body", 0, "day"]
            for path in ("/staff/bulky/bookings", "/staff/bulky/bookings.csv"):
                listed = await client.get(path, params={"day": day.isoformat()},
                                          headers=site.as_staff)
                assert error_entries(listed, 422)[0]["loc"] == ["query", "day"]


# --- the staff purpose ---------------------------------------------------------------------

@pytest.mark.anyio
async def test_a_purpose_of_spaces_is_422_and_a_stated_one_is_logged_stripped(
        site: Site) -> None:
    engine = site.app.state.engine
    add_slot(engine, AREA_A, D1, 5)
    async with site.client() as client:
        booked = await _push(client, site, "book", book_args("b1", AREA_A, D1), 1)
        assert booked["status"] == "applied", booked
        for purpose in ("   ", "    ", "\t\t\t\t", "  a  ", "\u3000\u3000\u3000"):
            for path in (f"/staff/residents/{site.resident.id}", "/staff/bulky/bookings",
                         "/staff/bulky/bookings.csv"):
                response = await client.get(path, params={"purpose": purpose},
                                            headers=site.as_staff)
                entries = error_entries(response, 422)
                assert entries[0]["loc"] == ["query", "purpose"], entries
                assert "state a purpose" in entries[0]["msg"]
        looked_up = await client.get(f"/staff/residents/{site.resident.id}",
                                     params={"purpose": "  定期確認  "}, headers=site.as_staff)
        assert looked_up.status_code == 200, looked_up.text
        assert looked_up.json()["logged_purpose"] == "定期確認"


# --- what a refusal says ---------------------------------------------------------------------

@pytest.mark.anyio
async def test_refusals_never_echo_the_input(site: Site) -> None:
    secret = "x" * 200_000  # within the 256 KiB limit: the route's own model refuses it
    sha = "a" * 64
    async with site.client() as client:
        cases = [
            await client.post("/me/consents", headers=site.as_resident, json={
                "purpose": secret, "version": 1, "granted": True, "text_sha256": sha}),
            await client.post("/me/consents", headers=site.as_resident, json={
                "purpose": "recycling_points", "version": 1, "granted": True,
                "text_sha256": sha, "channel": secret}),
            await client.post("/me/delegations", headers=site.as_resident,
                              json={"grantor_common_id": "x", "scope": secret}),
            await client.post("/me/consents", headers={
                **site.as_resident, "content-type": "application/json"},
                content=b'{"purpose": "' + secret.encode()),  # broken JSON
            await client.get("/sync/streams/public/pull",
                             params={"municipality": secret[:5000]}),
            await client.get("/me/access-log", headers=site.as_resident,
                             params={"limit": secret[:5000]}),
            await client.get(f"/people/{secret[:5000]}", headers=site.as_resident),
            await client.put("/staff/bulky/slots", headers=site.as_staff, json=[
                {"area_id": secret[:200], "day": "someday", "capacity": -1}] * 300),
            await client.request("DELETE", "/me", headers=site.as_resident,
                                 json={"confirm": secret}),
        ]
    for response in cases:
        entries = error_entries(response, 422)
        assert "x" * 101 not in response.text, response.text[:300]
        assert len(entries) <= 21
    assert cases[1].json()["detail"][0]["type"] == "string_too_long"
    assert cases[3].json()["detail"][0]["type"] == "json_invalid"
    assert cases[7].json()["detail"][-1]["type"] == "too_many_errors"
