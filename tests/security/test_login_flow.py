"""The whole login through the development identity provider, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from backend.identity.dev_idp.personas import PERSONAS
from backend.models import AuthorizationCode, Person
from tests.identity_helpers import (
    BASE_URL,
    AppLogin,
    authorize_code,
    login,
    unverified_claims,
)
from tests.security.conftest import WHOAMI_PATH

pytestmark = pytest.mark.anyio


def people(app: FastAPI) -> list[Person]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(Person).order_by(Person.upstream_subject)))


async def test_each_persona_gets_one_common_id_that_survives_the_next_login(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    first = {p.sub: await login(client, p.sub) for p in PERSONAS}
    second = {p.sub: await login(client, p.sub, device_id="second-device") for p in PERSONAS}

    stored = people(identity)
    assert len(stored) == len(PERSONAS)
    by_subject = {person.upstream_subject: person for person in stored}
    for persona in PERSONAS:
        person = by_subject[persona.sub]
        assert first[persona.sub].common_id == person.id == second[persona.sub].common_id
        assert person.upstream_issuer == f"{BASE_URL}/dev-idp"
        assert person.name == persona.name
    assert len({p.id for p in stored}) == len(PERSONAS)


async def test_profile_assurance_and_roles_come_from_the_claims(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    for sub in ("dev-taro", "dev-hana", "dev-ichiro", "dev-visitor"):
        await login(client, sub)
    by_subject = {p.upstream_subject: p for p in people(identity)}

    taro = by_subject["dev-taro"]
    assert (taro.assurance_level, taro.role) == ("card", "resident")
    assert taro.address == "岡山県津山市山北520"
    assert taro.birthdate is not None and taro.birthdate.isoformat() == "1981-04-12"
    assert taro.gender == "male"
    hana = by_subject["dev-hana"]
    assert hana.birthdate is not None and hana.birthdate.isoformat() == "1944-02-11"
    assert hana.address == "岡山県津山市小田中"
    ichiro = by_subject["dev-ichiro"]
    assert (ichiro.assurance_level, ichiro.role) == ("card", "staff")
    visitor = by_subject["dev-visitor"]
    assert (visitor.assurance_level, visitor.role) == ("email", "resident")
    assert visitor.email == "visitor@example.com" and visitor.address is None


async def test_tokens_are_what_the_app_expects(client: httpx.AsyncClient,
                                               identity: FastAPI) -> None:
    app_login = AppLogin(device_id="phone-1")
    code = await authorize_code(client, "dev-taro", app_login)
    response = await client.post("/token", data=app_login.token_form(code))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "openid profile"
    jwks = (await client.get("/jwks.json")).json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    id_claims = jwt.decode(body["id_token"], key, algorithms=["ES256"],
                           audience="tsuyama-portal-app", issuer=BASE_URL)
    assert id_claims["nonce"] == app_login.nonce
    assert id_claims["acr"] == "card"
    assert id_claims["name"] == "津山 太郎"
    assert isinstance(id_claims["auth_time"], int)
    access = unverified_claims(body["access_token"])
    assert access["sub"] == id_claims["sub"]
    assert access["device_id"] == "phone-1"
    assert len(body["refresh_token"]) >= 43

    me = await client.get(WHOAMI_PATH, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {"common_id": id_claims["sub"], "role": "resident",
                         "assurance_level": "card"}


async def test_the_staff_persona_is_staff(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    staff = await login(client, "dev-ichiro")
    me = await client.get(WHOAMI_PATH, headers=staff.auth_header)
    assert me.json()["role"] == "staff"


async def test_the_app_code_is_256_bits_and_stored_hashed(client: httpx.AsyncClient,
                                                          identity: FastAPI) -> None:
    code = await authorize_code(client, "dev-taro", AppLogin())
    assert len(code) >= 43
    with identity.state.engine.connect() as connection:
        stored = connection.execute(select(AuthorizationCode.code_hash)).scalars().all()
        assert stored and code not in stored
        assert connection.execute(select(func.count()).select_from(Person)).scalar_one() == 1
