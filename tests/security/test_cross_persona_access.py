"""Resident A tries every route with resident B's IDs: 403/404, and never B's data.

`CASES` is the table of every non-public route; `test_every_route_is_in_the_table` walks
`app.routes` and fails when a route is neither public (`PUBLIC_ROUTES`) nor in the table,
so a new route cannot ship without an authorization test.
"""

from __future__ import annotations

import fnmatch
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlmodel import Session

from backend.app import create_app
from backend.models import Person
from backend.services.access_log import record_access
from backend.services.clock import city_today
from backend.services.consent_catalog import catalog
from backend.settings import Settings
from backend.sync.change_log import append_changes
from backend.sync.types import ChangeRow
from tests.backend.asgi_client import asgi_client
from tests.backend.bulky_helpers import AREA_A, add_slot, book_args, seed_waste
from tests.backend.people import bearer, make_household, make_person
from tests.backend.transit_helpers import demo_zip
from tests.security.reservation_persona_cases import RESERVATION_CASES

pytestmark = pytest.mark.sqlite_enough

MakeApp = Callable[..., FastAPI]


@pytest.fixture
def make_app() -> Iterator[MakeApp]:
    """`make_app(database_url)`: the app as production wires it, disposed afterwards."""
    apps: list[FastAPI] = []

    def make(url: str, **overrides: Any) -> FastAPI:
        app = create_app(Settings(database_url=url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.engine.dispose()


# Routes anyone may call: health, public content, the OAuth/OIDC endpoints and the docs.
PUBLIC_ROUTES = (
    "/healthz",
    "/notices",
    "/.well-known/*",
    "/jwks.json",
    "/authorize",
    "/token",
    "/revoke",
    "/auth/*",  # incl. /auth/email*: the email sign-in pages, before anyone is logged in
    "/dev-idp/*",
    "/dev-mail",  # development mailbox (never mounted in production), public by nature
    "/docs",
    "/docs/*",
    "/openapi.json",
    "/redoc",
    "/points/rules",  # how points are earned: the city's public rules
    "/transit/*",  # timetables and live data: visitors plan trips too
)


@dataclass
class World:
    app: FastAPI
    a: Person  # the attacker: an ordinary resident
    b: Person  # the victim, in another household
    b_child: Person  # B's minor child (has an account)
    staff: Person  # of 市民課 ("citizens"): may look residents up
    b_household_id: str
    b_delegation_ids: list[str]
    secrets: list[str] = field(default_factory=list)  # B's data A must never see
    b_invitation_id: str = ""  # B's open invitation code's id (the code is a secret)
    # Staff of 環境事業課 ("waste"): another department than the resident lookup's (ADR 0023).
    waste_staff: Person | None = None

    def as_a(self) -> dict[str, str]:
        return bearer(self.app, self.a)


def build_world(app: FastAPI) -> World:
    a = make_person(app, name="攻撃 太郎", address="岡山県津山市林田1", email="a@example.jp",
                    birthdate=date(1980, 1, 1))
    a_child = make_person(app, name="攻撃 次郎", birthdate=date(2014, 1, 1))
    make_household(app, [(a, "self", None), (a_child, "child", None)], address="津山市林田1")
    b = make_person(app, name="被害 花子", address="岡山県津山市秘密町9-9",
                    email="hanako-secret@example.jp", birthdate=date(1977, 3, 14),
                    gender="female")
    b_child = make_person(app, name="被害 陽翔", birthdate=date(2015, 5, 20))
    b_household_id, _ = make_household(
        app, [(b, "self", None), (b_child, "child", None)], address="岡山県津山市秘密町9-9"
    )
    helper = make_person(app, name="代理 三郎")
    staff = make_person(app, role="staff", name="職員 さくら", departments=("citizens",))
    world = World(app, a, b, b_child, staff, b_household_id, [])
    world.waste_staff = make_person(app, role="staff", name="職員 一郎", departments=("waste",))
    world.secrets = [
        b.name, "秘密町", "hanako-secret@example.jp", "1977-03-14", b_child.name,
        b_household_id, helper.name, "B-ONLY-PURPOSE",
    ]
    return world


async def seed_b(client: httpx.AsyncClient, world: World) -> None:
    """B's consents, a delegation each way (one active, one pending), and access-log rows."""
    app, b = world.app, world.b
    current = catalog()["health_data_analysis"].current
    await client.post("/me/consents", headers=bearer(app, b), json={
        "purpose": "health_data_analysis", "version": current.version, "granted": True,
        "text_sha256": current.sha256("ja")})
    helper = make_person(app, name="代理 四郎")
    active = (await client.post("/me/delegations", json={"grantor_common_id": b.id},
                                headers=bearer(app, helper))).json()
    delegation_text = catalog()["delegation"].current
    await client.post(f"/me/delegations/{active['id']}/accept", headers=bearer(app, b),
                      json={"version": delegation_text.version,
                            "text_sha256": delegation_text.sha256("ja")})
    pending = (await client.post("/me/delegations", json={"grantor_common_id": helper.id},
                                 headers=bearer(app, b))).json()
    world.b_delegation_ids = [active["id"], pending["id"]]
    world.secrets += world.b_delegation_ids
    invited = (await client.post("/me/delegation-invitations", headers=bearer(app, b), json={
        "version": delegation_text.version, "text_sha256": delegation_text.sha256("ja")}))
    assert invited.status_code == 201, invited.text
    world.b_invitation_id = invited.json()["id"]
    world.secrets += [invited.json()["code"], world.b_invitation_id]
    record_access(app.state.engine, municipality_code="332038", subject_person_id=b.id,
                  actor_kind="service", actor_service="health", purpose="B-ONLY-PURPOSE",
                  resource="meals")


Attempt = Callable[[httpx.AsyncClient, World], Awaitable[list[httpx.Response]]]


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the route's path template, as in app.routes
    attempt: Attempt
    # Statuses that count as refused; 200/201 only where the route is the caller's own.
    allowed: tuple[int, ...] = (403, 404)


async def _get_me(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [await client.get("/me", headers=w.as_a())]


async def _get_household(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [await client.get("/me/household", headers=w.as_a())]


async def _export(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [await client.get("/me/export", headers=w.as_a())]


async def _delete_me(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # DELETE /me takes no IDs: it can only ever delete the caller. Without the confirmation
    # nothing happens; with it, A's own account goes and B's stays (checked afterwards).
    victimless = make_person(w.app, name="削除 テスト")
    return [
        await client.request("DELETE", "/me", headers=w.as_a(), json={"common_id": w.b.id}),
        await client.request("DELETE", "/me", headers=bearer(w.app, victimless),
                             json={"confirm": "DELETE", "common_id": w.b.id}),
    ]


async def _get_consents(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [
        await client.get("/me/consents", params={"on_behalf_of": w.b.id}, headers=w.as_a()),
        await client.get("/me/consents", params={"on_behalf_of": w.b_child.id},
                         headers=w.as_a()),
        await client.get("/me/consents", headers=w.as_a()),
    ]


async def _post_consents(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    current = catalog()["school_data_sharing"].current
    body = {"purpose": "school_data_sharing", "version": current.version, "granted": True,
            "text_sha256": current.sha256("ja")}
    return [
        await client.post("/me/consents", params={"on_behalf_of": who}, json=body,
                          headers=w.as_a())
        for who in (w.b.id, w.b_child.id)
    ]


async def _list_delegations(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [await client.get("/me/delegations", headers=w.as_a())]


async def _ask_delegation(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # Asking is allowed (it only creates a pending request B must accept), but it must not
    # give A anything of B's: afterwards B's profile is still out of reach.
    asked = await client.post("/me/delegations", json={"grantor_common_id": w.b.id},
                              headers=w.as_a())
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    return [await client.get(f"/people/{w.b.id}", headers=w.as_a())]


async def _list_invitations(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [await client.get("/me/delegation-invitations", headers=w.as_a())]


async def _invite(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A makes A's own code (allowed); it must give A nothing of B's.
    text = catalog()["delegation"].current
    made = await client.post("/me/delegation-invitations", headers=w.as_a(), json={
        "version": text.version, "text_sha256": text.sha256("ja")})
    assert made.status_code == 201, made.text
    return [await client.get(f"/people/{w.b.id}", headers=w.as_a())]


async def _accept_guess(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # Guessing B's code: unknown codes and malformed ones are refused.
    return [await client.post("/me/delegation-invitations/accept", headers=w.as_a(),
                              json={"code": code})
            for code in ("ABCDEFGH", "xx", w.b_invitation_id)]


async def _cancel_others(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [await client.post(f"/me/delegation-invitations/{w.b_invitation_id}/cancel",
                              headers=w.as_a())]


def _decide(action: str) -> Attempt:
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        text = catalog()["delegation"].current
        body = {"version": text.version, "text_sha256": text.sha256("ja")}
        return [
            await client.post(f"/me/delegations/{delegation_id}/{action}", json=body,
                              headers=w.as_a())
            for delegation_id in w.b_delegation_ids
        ]

    return attempt


async def _access_log(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [await client.get("/me/access-log", params={"include_self": True},
                             headers=w.as_a())]


async def _people(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    return [await client.get(f"/people/{who}", headers=w.as_a())
            for who in (w.b.id, w.b_child.id)]


def _outside_scope(response: httpx.Response) -> None:
    """Staff of another department: 403 with the project's `{"detail": {"code", ...}}`."""
    assert response.status_code == 403, response.text[:300]
    assert response.json()["detail"]["code"] == "outside_staff_scope", response.text[:300]


async def _staff_lookup(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    assert w.waste_staff is not None
    other = await client.get(f"/staff/residents/{w.b.id}", params={"purpose": "興味本位"},
                             headers=bearer(w.app, w.waste_staff))
    _outside_scope(other)
    return [await client.get(f"/staff/residents/{w.b.id}", params={"purpose": "興味本位"},
                             headers=w.as_a()), other]


async def _logout(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # Ends only the caller's own login (B's token keeps working: checked afterwards).
    return [await client.post("/logout", headers=w.as_a(), json={"common_id": w.b.id})]


B_SYNC_SECRET = "B-SYNC-SECRET-VALUE"


async def _b_syncs(client: httpx.AsyncClient, w: World) -> dict[str, Any]:
    """B pushes a preference and a health record; B's mutation ids are A's to guess."""
    mutation = {"seq": 1, "mutation_id": "b-mutation-1", "collection": "preferences",
                "name": "set", "args": {"key": "secret", "value": B_SYNC_SECRET},
                "created_at": "2026-11-26T00:00:00+00:00"}
    record = {**mutation, "seq": 2, "mutation_id": "b-mutation-2",
              "collection": "health_records", "name": "add",
              "args": {"id": "b-record", "kind": "weight", "data": {"note": B_SYNC_SECRET}}}
    pushed = await client.post("/sync/push", headers=bearer(w.app, w.b),
                               json={"client_id": "b-phone", "mutations": [mutation, record]})
    assert pushed.json()["last_seq"] == 2
    w.secrets.append(B_SYNC_SECRET)
    return mutation


async def _b_sync_state(client: httpx.AsyncClient, w: World) -> list[tuple[str, str, Any]]:
    page = (await client.get("/sync/pull", headers=bearer(w.app, w.b))).json()
    return [(c["collection"], c["op"], c["data"] and c["data"].get("value"))
            for c in page["changes"] if c["collection"] != "notices"]


async def _sync_push(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A reuses B's device id, mutation id and seq, writes B's preference key and deletes
    # B's record id: all of it lands in A's own rows (or is refused), never in B's.
    b_mutation = await _b_syncs(client, w)
    before = await _b_sync_state(client, w)
    mine = {**b_mutation, "args": {"key": "secret", "value": "A-value"}}
    delete = {**b_mutation, "seq": 2, "mutation_id": "a-2", "collection": "health_records",
              "name": "delete", "args": {"id": "b-record"}}
    response = await client.post("/sync/push", headers=w.as_a(),
                                 json={"client_id": "b-phone", "mutations": [mine, delete]})
    statuses = [(r["status"], r["error"] and r["error"]["code"])
                for r in response.json()["results"]]
    assert statuses == [("applied", None), ("rejected", "not_found")]
    assert await _b_sync_state(client, w) == before
    return [response]


async def _sync_pull(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    await _b_syncs(client, w)
    return [await client.get("/sync/pull", params={"cursor": 0, "limit": 1000},
                             headers=w.as_a())]


async def _sync_streams(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # The read-only streams hold no one's own rows. A (a parent, not 75+) may pull "public"
    # and "audience:parents"; "audience:age75plus" is refused (403 access_revoked), also
    # when A asks for another municipality; another municipality's public stream (asked for
    # anonymously or by A) gives only that municipality's public rows.
    await _b_syncs(client, w)
    with w.app.state.engine.begin() as connection:
        append_changes(connection, "339999", None, [
            ChangeRow("notices", "elsewhere", "upsert", {"title_en": "elsewhere"}, public=True),
            ChangeRow("notices", "elsewhere-75", "upsert", {"title_en": "e75"}, public=True,
                      audience="age75plus")])
    path = "/sync/streams/{}/pull"
    params = {"cursor": 0, "limit": 1000}
    public = await client.get(path.format("public"), params=params, headers=w.as_a())
    parents = await client.get(path.format("audience:parents"), params=params,
                               headers=w.as_a())
    elders = [await client.get(path.format("audience:age75plus"),
                               params={**params, **extra}, headers=w.as_a())
              for extra in ({}, {"municipality": "339999"})]
    elsewhere = [await client.get(path.format("public"),
                                  params={**params, "municipality": "339999"}, headers=headers)
                 for headers in (None, w.as_a())]
    assert public.status_code == 200 and parents.status_code == 200
    assert {c["collection"] for c in public.json()["changes"] + parents.json()["changes"]} <= {
        "notices", "procedures", "reservation_resources", "reservation_slots", "holidays"
    }  # the city's notices, procedure definitions, bookable resources, slots and holidays
    for refused in elders:
        assert refused.status_code == 403
        assert refused.json()["detail"]["code"] == "access_revoked"
    for other in elsewhere:
        assert other.status_code == 200
        assert [c["key"] for c in other.json()["changes"]] == ["elsewhere"]
    return [public, parents, *elders, *elsewhere]


async def _b_books_bulky_waste(client: httpx.AsyncClient, w: World) -> dict[str, Any]:
    """B books a bulky-waste collection; its number is B's to keep."""
    engine = w.app.state.engine
    seed_waste(engine)
    day = city_today() + timedelta(days=60)
    add_slot(engine, AREA_A, day, capacity=5)
    mutation = {"seq": 10, "mutation_id": "b-bulky-1", "collection": "bulky_waste",
                "name": "book", "args": book_args("b-booking", AREA_A, day),
                "created_at": "2026-11-26T00:00:00+00:00"}
    pushed = await client.post("/sync/push", headers=bearer(w.app, w.b),
                               json={"client_id": "b-phone", "mutations": [mutation]})
    result = pushed.json()["results"][0]
    assert result["status"] == "applied", result
    w.secrets.append(result["result"]["number"])
    return result["result"]


async def _bulky_push(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A changes and cancels B's booking id: looked up among A's own bookings, so not_found,
    # and B's booking and place stay.
    booking = await _b_books_bulky_waste(client, w)
    mutations = [{"seq": seq, "mutation_id": f"a-bulky-{seq}", "collection": "bulky_waste",
                  "name": name, "args": args, "created_at": "2026-11-26T00:00:00+00:00"}
                 for seq, (name, args) in enumerate(
                     (("cancel", {"id": "b-booking"}),
                      ("change", {"id": "b-booking", "items": [
                          {"item_id": "sofa", "quantity": 1}]})), start=1)]
    response = await client.post("/sync/push", headers=w.as_a(),
                                 json={"client_id": "b-phone", "mutations": mutations})
    assert [r["error"]["code"] for r in response.json()["results"]] == ["not_found"] * 2
    b_rows = [c for c in (await client.get("/sync/pull", headers=bearer(w.app, w.b))).json()[
        "changes"] if c["collection"] == "bulky_waste"]
    assert [c["data"] for c in b_rows] == [booking]
    return [response]


def _staff_bulky(method: str, path: str) -> Attempt:
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        booking = await _b_books_bulky_waste(client, w)
        url = path.replace("{number}", booking["number"])
        body = ([{"area_id": AREA_A, "day": booking["day"], "capacity": 0}]
                if method == "PUT" else None)
        params = None
        if method == "GET":
            params = {"area_id": AREA_A}
            if path.endswith("/slots"):
                params.update({"from": booking["day"], "to": booking["day"]})
        answers = [await client.request(method, url, headers=w.as_a(), json=body,
                                        params=params)]
        # Staff of 市民課 are staff, but not of the waste department.
        other = await client.request(method, url, headers=bearer(w.app, w.staff), json=body,
                                     params=params)
        _outside_scope(other)
        answers.append(other)
        anonymous = await client.request(method, url, json=body, params=params)
        assert [a.status_code for a in answers] == [403, 403]
        assert anonymous.status_code == 401
        return answers

    return attempt


async def _bulky_points_payment(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A pays B's booking with A's own PIN: B's booking number is not A's booking (404), and
    # nothing is paid for it.
    booking = await _b_books_bulky_waste(client, w)
    url = f"/bulky/bookings/{booking['number']}/points-payment"
    body = {"pin": "2580", "idempotency_key": "a-pays-b-fee-1"}
    await client.put("/points/pin", headers=w.as_a(), json={"pin": "2580"})
    answer = await client.post(url, headers=w.as_a(), json=body)
    anonymous = await client.post(url, json=body)
    assert anonymous.status_code == 401
    b_rows = [c for c in (await client.get("/sync/pull", headers=bearer(w.app, w.b))).json()[
        "changes"] if c["collection"] == "bulky_waste"]
    assert all(c["data"]["payment"]["method"] != "points" for c in b_rows)
    return [answer]


async def _b_shop_sale(client: httpx.AsyncClient, w: World) -> tuple[str, str]:
    """B is the clerk of a points shop and charged B's child once: (shop id, payment id)."""
    from tests.backend.points_payment_helpers import give_points, make_shop, with_pin

    shop = make_shop(w.app, name="被害商店", merchant_id="9990000000093", clerk=w.b)
    give_points(w.app, w.b_child, 100)
    await with_pin(client, w.app, w.b_child, "8642")
    token = (await client.post("/points/customer-codes", json={"pin": "8642"},
                               headers=bearer(w.app, w.b_child))).json()["token"]
    sale = await client.post(f"/points/shops/{shop.id}/charges", headers=bearer(w.app, w.b),
                             json={"customer_token": token, "amount": 40,
                                   "idempotency_key": "b-sale-0001"})
    assert sale.status_code == 201, sale.text
    w.secrets += [sale.json()["id"], "被害商店"]
    return shop.id, sale.json()["id"]


def _points_shop(method: str, suffix: str) -> Attempt:
    """A (not B's shop's clerk; clerk of A's own shop) uses B's shop id and B's payment id."""
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        from tests.backend.points_payment_helpers import make_shop

        shop_id, payment_id = await _b_shop_sale(client, w)
        own = make_shop(w.app, name="攻撃商店", merchant_id="9990000000086", clerk=w.a)
        bodies = {"/charges": {"customer_token": "TPC1.AAAA.AAAA", "amount": 1,
                               "idempotency_key": "a-charge-01"},
                  "/refunds": {"transfer_id": payment_id, "reason": "返品",
                               "idempotency_key": "a-refund-01"}}
        body = bodies.get(suffix)
        answers = [await client.request(method, f"/points/shops/{shop_id}{suffix}",
                                        headers=w.as_a(), json=body)]
        if suffix == "/refunds":  # B's payment through A's own shop: not A's shop's payment
            answers.append(await client.post(f"/points/shops/{own.id}/refunds",
                                             headers=w.as_a(), json=body))
        return answers

    return attempt


async def _points_mine(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    await _b_shop_sale(client, w)
    mine = await client.get("/points/shops/mine", headers=w.as_a())
    assert mine.json() == {"shops": []}
    return [mine]


async def _points_with_b_pin(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    """B's PIN is B's: A (no PIN of A's own) cannot pay or make a customer code with it."""
    from tests.backend.points_payment_helpers import make_shop, static_code, with_pin

    await with_pin(client, w.app, w.b, "1357")
    payload = static_code(make_shop(w.app, name="店", merchant_id="9990000000079"))
    return [
        await client.post("/points/payments", headers=w.as_a(), json={
            "qr_payload": payload, "amount": 1, "pin": "1357",
            "idempotency_key": "a-pay-0001"}),
        await client.post("/points/customer-codes", headers=w.as_a(), json={"pin": "1357"}),
    ]


async def _points_own(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    """PIN and preview are about the caller alone (no ids): A's own answers, no B data."""
    await _b_shop_sale(client, w)
    return [await client.put("/points/pin", headers=w.as_a(), json={"pin": "2468"}),
            await client.post("/points/payments/preview", headers=w.as_a(),
                              json={"qr_payload": "000201"})]


async def _b_earns(client: httpx.AsyncClient, w: World) -> dict[str, Any]:
    """B claims an earn code (the code is public, B's claim and transfer are B's)."""
    from tests.backend.points_earning_helpers import issue

    minori = make_person(w.app, role="staff", name="職員 みのり", departments=("points",))
    code = issue(w.app, minori, label="被害まつり")
    claimed = await client.post("/points/claims", headers=bearer(w.app, w.b),
                                json={"code": code, "idempotency_key": "b-claim-key-1"})
    assert claimed.status_code == 201, claimed.text
    w.secrets.append(claimed.json()["transfer"]["id"])
    return {"code": code, "transfer_id": claimed.json()["transfer"]["id"]}


async def _points_of_b(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    """A asks for B's and B's child's wallet and history: 404, as for anyone unknown."""
    await _b_earns(client, w)
    return [await client.get(path, params={"person_id": who}, headers=w.as_a())
            for path in ("/points/wallet", "/points/history")
            for who in (w.b.id, w.b_child.id)]


async def _b_receipt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    earned = await _b_earns(client, w)
    return [await client.get(f"/points/transfers/{earned['transfer_id']}/receipt",
                             headers=w.as_a())]


async def _claim_with_b_key(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A sends B's code with B's idempotency key: keys are per person, so this is A's own
    # claim (A's points), B's claim and balance stay as they were.
    earned = await _b_earns(client, w)
    mine = await client.post("/points/claims", headers=w.as_a(), json={
        "code": earned["code"], "idempotency_key": "b-claim-key-1"})
    assert mine.status_code == 201 and mine.json()["transfer"]["id"] != earned["transfer_id"]
    b_wallet = await client.get("/points/wallet", headers=bearer(w.app, w.b))
    assert b_wallet.json()["balance"] == 50
    return [mine]


async def _district_own(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    """The district goal is the caller's household's: A's answers hold nothing of B's."""
    await _b_earns(client, w)
    return [await client.put("/points/district-optin", headers=w.as_a(),
                             json={"opted_in": True}),
            await client.get("/points/district-progress", headers=w.as_a())]


def _staff_points(method: str, path: str) -> Attempt:
    """A resident and staff of another department use a points staff route with B's ids."""
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        earned = await _b_earns(client, w)
        url = (path.replace("{person_id}", w.b.id)
               .replace("{shop_id}", "00000000-0000-0000-0000-000000000000"))
        bodies: dict[str, Any] = {
            "/staff/points/shops": {"name": "攻撃商店", "merchant_id": "9990000000062",
                                    "category": "雑貨", "postal_code": "708-0001"},
            "/staff/points/grants": {"person_id": w.a.id, "rule_id": "stamp-rally",
                                     "reason": "自分に付与", "idempotency_key": "a-grant-001"},
            "/staff/points/earn-codes": {"rule_id": "event-checkin", "label": "偽",
                                         "valid_from": "2026-01-01T00:00:00+09:00",
                                         "valid_until": "2026-01-02T00:00:00+09:00"},
            "/staff/points/corrections": {"transfer_id": earned["transfer_id"],
                                          "reason": "取り消し", "idempotency_key": "a-fix-001"},
            "/staff/points/district-weights": {"district_id": "area-4d4d6ab0d1ad797f",
                                               "period": "2026-01", "kg": 999},
        }
        body = bodies.get(path) if method in ("POST", "PUT") else None
        params = {"purpose": "興味本位"} if path.endswith("/history") else None
        answers = [await client.request(method, url, headers=w.as_a(), json=body,
                                        params=params)]
        other = await client.request(method, url, headers=bearer(w.app, w.staff), json=body,
                                     params=params)
        _outside_scope(other)
        answers.append(other)
        anonymous = await client.request(method, url, json=body, params=params)
        assert [a.status_code for a in answers] == [403, 403]
        assert anonymous.status_code == 401
        b_wallet = await client.get("/points/wallet", headers=bearer(w.app, w.b))
        assert b_wallet.json()["balance"] == 50
        return answers

    return attempt


def _staff_transit(method: str, path: str) -> Attempt:
    """A resident, staff of another department and an anonymous caller use a transit staff
    route (a feed upload with a real zip): refused, and no feed appears."""
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        url = path.replace("{feed_id}", "attack-feed")
        files = None
        if method == "POST":
            with tempfile.TemporaryDirectory() as folder:
                files = {"file": ("feed.zip", demo_zip(Path(folder)).read_bytes(),
                                  "application/zip")}
        data = {"name": "偽", "licence": "x", "attribution": "x"} if files else None
        answers = [await client.request(method, url, headers=w.as_a(), files=files,
                                        data=data)]
        other = await client.request(method, url, headers=bearer(w.app, w.staff),
                                     files=files, data=data)
        _outside_scope(other)
        answers.append(other)
        anonymous = await client.request(method, url, files=files, data=data)
        assert [a.status_code for a in answers] == [403, 403]
        assert anonymous.status_code == 401
        feeds = (await client.get("/transit/feeds")).json()["feeds"]
        assert "attack-feed" not in {feed["id"] for feed in feeds}
        return answers

    return attempt


async def _staff_health_counts(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    """A resident and staff of another department (市民課) ask for the city's health risk
    counts: 403; anonymous: 401. Only 健康増進課 staff see them (and never a person)."""
    answers = [await client.get("/staff/health/risk-counts", headers=w.as_a())]
    other = await client.get("/staff/health/risk-counts", headers=bearer(w.app, w.staff))
    _outside_scope(other)
    answers.append(other)
    anonymous = await client.get("/staff/health/risk-counts")
    assert [a.status_code for a in answers] == [403, 403]
    assert anonymous.status_code == 401
    return answers


async def _b_applies(client: httpx.AsyncClient, w: World) -> dict[str, Any]:
    """B (a parent of a minor) applies for the child allowance with an attached photo; the
    submission, its number and the file are B's (こども課 reviews it, not 市民課)."""
    from tests.backend.procedure_helpers import (
        Device,
        applied,
        attachment_ref,
        child_allowance_data,
        load_demo,
        uploaded,
    )

    load_demo(w.app)
    meta = await uploaded(client, w.app, w.b)
    submission = applied(await Device(client, w.app, w.b).submit(
        "child-allowance", child_allowance_data(), attachments=[attachment_ref(meta)]))
    w.secrets += [submission["id"], submission["number"], meta["attachment_id"], "津山銀行"]
    return submission


async def _procedure_upload(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # An upload is always the caller's own: A's file, nothing of B's in the answer.
    from tests.backend.procedure_helpers import upload

    await _b_applies(client, w)
    mine = await upload(client, w.app, w.a, b"%PDF-1.4\n%%EOF\n",
                        filename="a.pdf", content_type="application/pdf")
    assert mine.status_code == 201, mine.text
    return [mine]


async def _procedure_file(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    submission = await _b_applies(client, w)
    attachment_id = submission["attachments"][0]["attachment_id"]
    return [await client.get(f"/procedures/attachments/{attachment_id}", headers=w.as_a())]


async def _procedure_points(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A pays B's submission with A's own PIN: not A's submission (404), nothing paid.
    submission = await _b_applies(client, w)
    await client.put("/points/pin", headers=w.as_a(), json={"pin": "2580"})
    url = f"/procedures/submissions/{submission['id']}/points-payment"
    answer = await client.post(url, headers=w.as_a(),
                               json={"pin": "2580", "idempotency_key": "a-pays-b-proc-1"})
    assert (await client.post(url, json={"pin": "2580", "idempotency_key": "x" * 8})
            ).status_code == 401
    return [answer]


def _staff_procedures(method: str, path: str) -> Attempt:
    """A resident and staff of another department (市民課, not こども課) use a procedures
    staff route with B's submission: 403 for the resident, 404 (never a hint) for the
    staff; the staff's list is theirs and lacks B's submission; B's log stays clean."""
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        submission = await _b_applies(client, w)
        url = (path.replace("{submission_id}", submission["id"])
               .replace("{attachment_id}", submission["attachments"][0]["attachment_id"]))
        body = {"to": "rejected", "reason": "興味本位"} if method == "POST" else None
        resident = await client.request(method, url, headers=w.as_a(), json=body)
        other = await client.request(method, url, headers=bearer(w.app, w.staff), json=body)
        anonymous = await client.request(method, url, json=body)
        assert resident.status_code == 403 and anonymous.status_code == 401
        if path == "/staff/procedures/submissions":
            assert other.status_code == 200 and other.json()["submissions"] == []
        else:
            assert other.status_code == 404, other.text
        b_rows = [c for c in (await client.get("/sync/pull", headers=bearer(w.app, w.b))
                              ).json()["changes"] if c["collection"] == "procedure_submissions"]
        assert [c["data"]["status"] for c in b_rows] == ["received"]
        log = (await client.get("/me/access-log", headers=bearer(w.app, w.b))).json()
        assert all(e["actor_kind"] != "staff" for e in log["entries"])
        return [resident, other]

    return attempt


async def _b_at_the_counter(client: httpx.AsyncClient, w: World) -> tuple[str, str]:
    """B applies for a copy of the resident record (a counter procedure of 市民課) and asks
    a 書かない窓口 handoff code: (submission id, code), both B's secrets."""
    from tests.backend.procedure_helpers import RECORD_COPY, Device, applied, load_demo
    from tests.backend.procedure_helpers import record_copy_data as copy_data

    load_demo(w.app)
    submission = applied(await Device(client, w.app, w.b).submit(
        RECORD_COPY, copy_data(), fee_method="counter"))
    issued = await client.post(f"/procedures/submissions/{submission['id']}/handoff",
                               headers=bearer(w.app, w.b))
    assert issued.status_code == 201, issued.text
    w.secrets += [submission["id"], submission["number"], issued.json()["code"]]
    return submission["id"], issued.json()["code"]


async def _handoff_for_b(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A asks a handoff code for B's submission: 404 (not even its existence is told).
    submission_id, _ = await _b_at_the_counter(client, w)
    url = f"/procedures/submissions/{submission_id}/handoff"
    assert (await client.post(url)).status_code == 401
    return [await client.post(url, headers=w.as_a())]


def _staff_counter(method: str, path: str) -> Attempt:
    """A resident and staff of another department (環境事業課) use a 書かない窓口 route with B's
    code or submission: 403 for the resident, 403 `outside_staff_scope` (the code) or 404
    (the submission) for the staff; B's code is not used up: 市民課 can still scan it."""
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        assert w.waste_staff is not None
        submission_id, code = await _b_at_the_counter(client, w)
        url = path.replace("{submission_id}", submission_id)
        body = ({"code": code} if path.endswith("/scan")
                else {"document": "passport"} if path.endswith("/identity-check") else None)
        resident = await client.request(method, url, headers=w.as_a(), json=body)
        other = await client.request(method, url, headers=bearer(w.app, w.waste_staff),
                                     json=body)
        anonymous = await client.request(method, url, json=body)
        assert resident.status_code == 403 and anonymous.status_code == 401
        if path.endswith("/scan"):
            _outside_scope(other)
        else:
            assert other.status_code == 404, other.text[:300]
        scanned = await client.post("/staff/procedures/handoffs/scan", json={"code": code},
                                    headers=bearer(w.app, w.staff))
        assert scanned.status_code == 200, scanned.text[:300]
        return [resident, other]

    return attempt


OWN = (200, 201, 204, 422)  # routes about the caller only: any answer, but no B data

CASES: tuple[Case, ...] = (
    Case("GET", "/me", _get_me, OWN),
    Case("DELETE", "/me", _delete_me, OWN),
    Case("GET", "/me/household", _get_household, OWN),
    Case("GET", "/me/export", _export, OWN),
    Case("GET", "/me/consents", _get_consents, (404, 200)),
    Case("POST", "/me/consents", _post_consents),
    Case("GET", "/me/delegations", _list_delegations, OWN),
    Case("POST", "/me/delegations", _ask_delegation),
    Case("POST", "/me/delegations/{delegation_id}/accept", _decide("accept")),
    Case("POST", "/me/delegations/{delegation_id}/decline", _decide("decline")),
    Case("POST", "/me/delegations/{delegation_id}/revoke", _decide("revoke")),
    Case("GET", "/me/delegation-invitations", _list_invitations, OWN),
    Case("POST", "/me/delegation-invitations", _invite),
    Case("POST", "/me/delegation-invitations/accept", _accept_guess, (404, 422, 429)),
    Case("POST", "/me/delegation-invitations/{invitation_id}/cancel", _cancel_others),
    Case("GET", "/me/access-log", _access_log, OWN),
    Case("GET", "/people/{common_id}", _people),
    Case("GET", "/staff/residents/{common_id}", _staff_lookup),
    Case("POST", "/logout", _logout, OWN),
    Case("POST", "/sync/push", _sync_push, OWN),
    Case("GET", "/sync/pull", _sync_pull, OWN),
    Case("GET", "/sync/streams/{stream}/pull", _sync_streams, (200, 403)),
    Case("POST", "/sync/push", _bulky_push, OWN),
    Case("GET", "/staff/bulky/slots", _staff_bulky("GET", "/staff/bulky/slots")),
    Case("PUT", "/staff/bulky/slots", _staff_bulky("PUT", "/staff/bulky/slots")),
    Case("GET", "/staff/bulky/bookings", _staff_bulky("GET", "/staff/bulky/bookings")),
    Case("GET", "/staff/bulky/bookings.csv", _staff_bulky("GET", "/staff/bulky/bookings.csv")),
    Case("POST", "/staff/bulky/bookings/{number}/collected",
         _staff_bulky("POST", "/staff/bulky/bookings/{number}/collected")),
    Case("POST", "/bulky/bookings/{number}/points-payment", _bulky_points_payment, (404,)),
    Case("PUT", "/points/pin", _points_own, OWN),
    Case("POST", "/points/payments/preview", _points_own, OWN),
    Case("POST", "/points/payments", _points_with_b_pin, (409,)),
    Case("POST", "/points/customer-codes", _points_with_b_pin, (409,)),
    Case("GET", "/points/shops/mine", _points_mine, OWN),
    Case("GET", "/points/shops/{shop_id}/jpqr", _points_shop("GET", "/jpqr")),
    Case("POST", "/points/shops/{shop_id}/charges", _points_shop("POST", "/charges")),
    Case("GET", "/points/shops/{shop_id}/takings", _points_shop("GET", "/takings")),
    Case("POST", "/points/shops/{shop_id}/refunds", _points_shop("POST", "/refunds")),
    Case("GET", "/points/wallet", _points_of_b, (404,)),
    Case("GET", "/points/history", _points_of_b, (404,)),
    Case("GET", "/points/transfers/{transfer_id}/receipt", _b_receipt, (404,)),
    Case("POST", "/points/claims", _claim_with_b_key, OWN),
    Case("GET", "/points/district-progress", _district_own, OWN),
    Case("PUT", "/points/district-optin", _district_own, OWN),
    *(Case(method, path, _staff_points(method, path)) for method, path in (
        ("GET", "/staff/points/shops"), ("POST", "/staff/points/shops"),
        ("PUT", "/staff/points/shops/{shop_id}/clerks/{person_id}"),
        ("DELETE", "/staff/points/shops/{shop_id}/clerks/{person_id}"),
        ("GET", "/staff/points/totals"), ("GET", "/staff/points/districts"),
        ("GET", "/staff/points/residents/{person_id}/history"),
        ("POST", "/staff/points/grants"), ("POST", "/staff/points/earn-codes"),
        ("POST", "/staff/points/corrections"), ("PUT", "/staff/points/district-weights"),
        ("POST", "/staff/points/expiry-runs"))),
    Case("GET", "/staff/health/risk-counts", _staff_health_counts),
    *(Case(method, path, _staff_transit(method, path)) for method, path in (
        ("GET", "/staff/transit/feeds"), ("POST", "/staff/transit/feeds/{feed_id}/import"))),
    Case("POST", "/procedures/attachments", _procedure_upload, OWN),
    Case("GET", "/procedures/attachments/{attachment_id}", _procedure_file, (404,)),
    Case("POST", "/procedures/submissions/{submission_id}/points-payment", _procedure_points,
         (404,)),
    *(Case(method, path, _staff_procedures(method, path), (200, 403, 404))
      for method, path in (
          ("GET", "/staff/procedures/submissions"),
          ("GET", "/staff/procedures/submissions/{submission_id}"),
          ("POST", "/staff/procedures/submissions/{submission_id}/status"),
          ("GET", "/staff/procedures/submissions/{submission_id}/attachments/{attachment_id}"))),
    Case("POST", "/procedures/submissions/{submission_id}/handoff", _handoff_for_b, (404,)),
    *(Case(method, path, _staff_counter(method, path)) for method, path in (
        ("POST", "/staff/procedures/handoffs/scan"),
        ("POST", "/staff/procedures/submissions/{submission_id}/identity-check"),
        ("GET", "/staff/procedures/submissions/{submission_id}/pdf"))),
    *(Case(*entry) for entry in RESERVATION_CASES),
)


def is_public(path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in PUBLIC_ROUTES)


def protected_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route that is not public, included routers flattened."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if is_public(path):
            continue
        methods = route.methods or set()
        for method in methods - {"HEAD", "OPTIONS"}:
            found.add((method, path))
        if not methods:  # a mount or websocket: must be listed explicitly too
            found.add(("*", path))
    return found


def test_every_route_is_in_the_table(tmp_path: Path, make_app: MakeApp) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    table = {(case.method, case.path) for case in CASES}
    missing = protected_routes(app) - table
    assert not missing, (
        f"routes without a cross-persona authorization case: {sorted(missing)}; add them to "
        "CASES in tests/security/test_cross_persona_access.py (or to PUBLIC_ROUTES if public)"
    )
    stale = table - protected_routes(app)
    assert not stale, f"CASES lists routes the app does not have: {sorted(stale)}"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.method} {c.path}" for c in CASES])
@pytest.mark.anyio
async def test_resident_a_cannot_reach_resident_b(
    database_url: str, make_app: MakeApp, case: Case
) -> None:
    app = make_app(database_url)
    world = build_world(app)
    async with asgi_client(app) as client:
        await seed_b(client, world)
        responses = await case.attempt(client, world)
        for response in responses:
            assert response.status_code in case.allowed, (
                f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
            )
            for secret in world.secrets:
                assert secret not in response.text, (
                    f"{case.method} {case.path} leaked {secret!r}: {response.text[:300]}"
                )
        # B is untouched: still logged in, same consents and delegations.
        b_me = await client.get("/me", headers=bearer(app, world.b))
        b_consents = await client.get("/me/consents", headers=bearer(app, world.b))
        b_delegations = await client.get("/me/delegations", headers=bearer(app, world.b))
        b_invitations = await client.get("/me/delegation-invitations",
                                         headers=bearer(app, world.b))
    assert b_me.status_code == 200 and b_me.json()["name"] == world.b.name
    health = next(p for p in b_consents.json()["purposes"]
                  if p["purpose"] == "health_data_analysis")
    assert health["granted"] is True and len(health["history"]) == 1
    statuses = {d["id"]: d["status"] for d in b_delegations.json()["delegations"]}
    assert statuses[world.b_delegation_ids[0]] == "active"
    assert statuses[world.b_delegation_ids[1]] == "pending"
    assert [i["id"] for i in b_invitations.json()["invitations"]] == [world.b_invitation_id]
    with Session(app.state.engine) as session:
        assert session.get(Person, world.b.id).deleted_at is None  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_staff_lookup_is_staff_only_and_logged(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    world = build_world(app)
    async with asgi_client(app) as client:
        ok = await client.get(f"/staff/residents/{world.b.id}", params={"purpose": "児童手当"},
                              headers=bearer(app, world.staff))
        log = (await client.get("/me/access-log", headers=bearer(app, world.b))).json()
        child = await client.get(f"/people/{world.b_child.id}", headers=bearer(app, world.b))
    assert ok.status_code == 200 and ok.json()["profile"]["name"] == world.b.name
    assert [(e["actor_kind"], e["actor_common_id"]) for e in log["entries"]] == [
        ("staff", world.staff.id)
    ]
    assert child.status_code == 200  # the parent may see their own minor child


@pytest.mark.parametrize("path", ["/me", "/me/household", "/me/export", "/me/consents",
                                  "/me/delegations", "/me/access-log", "/sync/pull",
                                  "/sync/streams/audience:parents/pull"])
@pytest.mark.anyio
async def test_anonymous_callers_are_refused(tmp_path: Path, make_app: MakeApp,
                                             path: str) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    async with asgi_client(app) as client:
        response = await client.get(path)
    assert response.status_code == 401
