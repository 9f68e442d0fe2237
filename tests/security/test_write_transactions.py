"""Read-then-write requests at the same moment: none gets a 500 "database is locked".

On SQLite a transaction that reads first and writes later cannot become a writer once another
connection has committed since its read (SQLite answers SQLITE_BUSY at once, whatever the busy
timeout), so every such path starts as a write (`backend.db.write_engine`, BEGIN IMMEDIATE).
Each request below runs in its own worker thread with its own connection, as in production.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from backend.identity.authorize_request import AuthorizeRequest
from backend.identity.clients import APP_CLIENT_ID
from backend.identity.email_login.codes import CheckOutcome, check_code, new_code, store_code
from backend.identity.login_requests import start_login
from backend.identity.people import person_for_login
from backend.identity.upstream.profile import UpstreamProfile
from backend.models.access_log_entry import AccessLogEntry
from backend.models.consent_record import ConsentRecord
from backend.models.delegation import Delegation
from backend.models.login_request import LOGIN_METHOD_EMAIL
from backend.models.person import ASSURANCE_CARD, ROLE_RESIDENT, ROLE_STAFF, Person
from backend.models.refresh_token import RefreshTokenFamily
from backend.services.consent_catalog import catalog
from tests.backend.people import bearer, make_household, make_person
from tests.identity_helpers import APP_REDIRECT_URI, AppLogin, authorize_code

pytestmark = pytest.mark.anyio

RACERS = 8


def _count(app: FastAPI, model: type) -> int:
    with Session(app.state.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _statuses(responses: list[httpx.Response]) -> list[int]:
    return [response.status_code for response in responses]


async def test_simultaneous_code_exchanges_all_succeed(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    """Each exchange spends its code (a write), then reads the code and the person and
    writes the new login: was a 500 on SQLite when another exchange committed between."""
    logins = [AppLogin(device_id=f"device-{n}") for n in range(RACERS)]
    codes = [await authorize_code(client, "dev-taro", login) for login in logins]
    responses = await asyncio.gather(*(
        client.post("/token", data=login.token_form(code))
        for login, code in zip(logins, codes, strict=True)))
    assert _statuses(responses) == [200] * RACERS, [r.text for r in responses]
    assert _count(identity, RefreshTokenFamily) == RACERS


async def test_simultaneous_consents_for_a_child_all_succeed(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    """A parent recording (and reading, which is logged) a child's consents from several
    devices at once: each request reads the household, then writes."""
    parent = make_person(identity, birthdate=date(1980, 1, 1))
    child = make_person(identity, birthdate=date(2015, 4, 1))
    make_household(identity, [(parent, "self", None), (child, "child", None)])
    current = catalog()["school_data_sharing"].current
    decision = {"purpose": "school_data_sharing", "version": current.version,
                "granted": True, "text_sha256": current.sha256("ja")}
    headers = bearer(identity, parent)
    responses = await asyncio.gather(*(
        client.post("/me/consents", params={"on_behalf_of": child.id}, json=decision,
                    headers=headers) if n % 2 == 0 else
        client.get("/me/consents", params={"on_behalf_of": child.id}, headers=headers)
        for n in range(RACERS)))
    assert _statuses(responses) == [201, 200] * (RACERS // 2), [r.text for r in responses]
    assert _count(identity, ConsentRecord) == RACERS // 2
    assert _count(identity, AccessLogEntry) == RACERS // 2  # each read for the child logged


async def test_simultaneous_delegation_requests_and_decisions_all_succeed(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    grantor = make_person(identity)
    grantees = [make_person(identity) for _ in range(RACERS)]
    asked = await asyncio.gather(*(
        client.post("/me/delegations", json={"grantor_common_id": grantor.id},
                    headers=bearer(identity, grantee)) for grantee in grantees))
    assert _statuses(asked) == [201] * RACERS, [r.text for r in asked]
    current = catalog()["delegation"].current
    accepted = await asyncio.gather(*(
        client.post(f"/me/delegations/{response.json()['id']}/accept",
                    json={"version": current.version, "text_sha256": current.sha256("ja")},
                    headers=bearer(identity, grantor)) for response in asked))
    assert _statuses(accepted) == [200] * RACERS, [r.text for r in accepted]
    profiles = await asyncio.gather(*(
        client.get(f"/people/{grantor.id}", headers=bearer(identity, grantee))
        for grantee in grantees))
    assert _statuses(profiles) == [200] * RACERS, [r.text for r in profiles]
    assert _count(identity, Delegation) == RACERS


async def test_simultaneous_staff_lookups_are_all_logged(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    staff = make_person(identity, role=ROLE_STAFF, departments=("citizens",))
    residents = [make_person(identity, role=ROLE_RESIDENT) for _ in range(RACERS)]
    responses = await asyncio.gather(*(
        client.get(f"/staff/residents/{resident.id}", params={"purpose": "窓口での本人確認"},
                   headers=bearer(identity, staff)) for resident in residents))
    assert _statuses(responses) == [200] * RACERS, [r.text for r in responses]
    assert _count(identity, AccessLogEntry) == RACERS


def _in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once (a barrier), one thread each; their results or exceptions."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return call()
        except Exception as exc:  # reported, not raised: every call is checked
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_simultaneous_first_logins_all_get_their_person(identity: FastAPI) -> None:
    """Finding or creating the common ID reads, then writes."""
    now = datetime.now(UTC)
    profiles = [UpstreamProfile(issuer="https://idp.test", subject=f"subject-{n % 4}",
                                assurance_level=ASSURANCE_CARD, role=ROLE_RESIDENT,
                                name="テスト", address=None, birthdate=None, gender=None,
                                email=None)
                for n in range(RACERS)]
    engine, code = identity.state.engine, identity.state.settings.municipality_code
    results = _in_threads([lambda p=p: person_for_login(engine, code, p, now)
                           for p in profiles])
    assert all(isinstance(result, Person) for result in results), results
    assert len({result.id for result in results}) == 4


def test_simultaneous_email_code_sends_and_checks_never_fail(identity: FastAPI) -> None:
    """Sending a code counts the address's live codes and then writes; checking one reads
    the login and then counts the attempt."""
    engine, now = identity.state.engine, datetime.now(UTC)
    request = AuthorizeRequest(client_id=APP_CLIENT_ID, redirect_uri=APP_REDIRECT_URI,
                               state="s", nonce="n", code_challenge="c" * 43,
                               scope="openid", device_id="d", ui_locales=None)
    logins = [start_login(engine, request, now, method=LOGIN_METHOD_EMAIL).login_id
              for _ in range(RACERS)]
    sent = _in_threads([lambda login=login, n=n: store_code(
        engine, login, f"visitor{n}@example.jp", new_code(), now)
        for n, login in enumerate(logins)])
    assert sent == [None] * RACERS, sent
    checked = _in_threads([lambda login=login: check_code(engine, login, "000000", now)
                           for login in logins])
    assert all(not isinstance(result, Exception) for result in checked), checked
    assert {result.outcome for result in checked} <= {CheckOutcome.WRONG, CheckOutcome.OK}
