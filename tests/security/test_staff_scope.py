"""Staff roles with department scope (ADR 0023): memberships from the development
provider's claims, `/me` scopes, `staff_of` on the staff routes, the staff CLI and account
deletion; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from backend.db import make_engine
from backend.identity import staff_cli
from backend.identity.staff_departments import (
    Scope,
    UnknownScope,
    grant,
    parse_scope,
    scopes_from_claim,
    scopes_of,
)
from backend.models import StaffMembership
from backend.settings import Settings
from tests.backend.asgi_client import asgi_client
from tests.backend.bulky_helpers import AREA_A, AREA_B, add_slot, seed_waste
from tests.backend.people import bearer, make_person
from tests.identity_helpers import login

pytestmark = pytest.mark.anyio

DAY = date(2026, 12, 15)


def test_scope_texts() -> None:
    assert parse_scope("waste") == Scope("waste")
    assert parse_scope("school:tsuyama-higashi-es") == Scope("school", "tsuyama-higashi-es")
    assert parse_scope("school:tsuyama-higashi-es").text == "school:tsuyama-higashi-es"
    for bad in ("", "mayor", "school:Bad Unit", "waste:" + "x" * 70):
        with pytest.raises(UnknownScope):
            parse_scope(bad)
    # A claim is a list; unknown entries are dropped, duplicates collapse, order is fixed.
    assert scopes_from_claim(["waste", "mayor", "waste", 3, "citizens"]) == (
        Scope("citizens"), Scope("waste"))
    assert scopes_from_claim("waste") == ()


async def test_each_staff_persona_gets_its_scopes(client: httpx.AsyncClient) -> None:
    expected = {"dev-ichiro": ["waste"], "dev-sakura": ["citizens"], "dev-kenta": ["health"],
                "dev-kyoin": ["school:tsuyama-higashi-es"], "dev-koho": ["notices"],
                "dev-admin": ["admin"], "dev-taro": [], "dev-visitor": []}
    for sub, scopes in expected.items():
        tokens = await login(client, sub)
        me = (await client.get("/me", headers=tokens.auth_header)).json()
        assert me["staff_scopes"] == scopes, sub
        assert me["role"] == ("staff" if scopes else "resident"), sub


async def test_login_replaces_the_providers_scopes_and_keeps_granted_ones(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    first = await login(client, "dev-ichiro")
    engine = identity.state.engine
    person_id = first.common_id
    code = identity.state.settings.municipality_code
    assert grant(engine, person_id, code, Scope("notices"), "test") is True
    assert grant(engine, person_id, code, Scope("notices"), "test") is False  # already
    with Session(engine) as session:  # an old provider scope the provider no longer gives
        session.add(StaffMembership(person_id=person_id, department="health",
                                    municipality_code=code, source="idp",
                                    granted_at=identity.state.clock()))
        session.commit()
    await login(client, "dev-ichiro")
    assert [s.text for s in scopes_of(engine, person_id)] == ["notices", "waste"]


async def test_staff_of_refuses_other_departments_and_residents(
    identity: FastAPI,
) -> None:
    seed_waste(identity.state.engine)
    add_slot(identity.state.engine, AREA_A, DAY, capacity=5, booked=2)
    add_slot(identity.state.engine, AREA_B, DAY, capacity=3)
    waste = make_person(identity, role="staff", departments=("waste",))
    citizens = make_person(identity, role="staff", departments=("citizens",))
    not_staff = make_person(identity, departments=("waste",))  # a membership, but no role
    params = {"from": DAY.isoformat(), "to": DAY.isoformat()}
    async with asgi_client(identity) as http:
        ok = await http.get("/staff/bulky/slots", params=params, headers=bearer(identity, waste))
        one_area = await http.get("/staff/bulky/slots", params={**params, "area_id": AREA_B},
                                  headers=bearer(identity, waste))
        other = await http.get("/staff/bulky/slots", params=params,
                               headers=bearer(identity, citizens))
        resident = await http.get("/staff/bulky/slots", params=params,
                                  headers=bearer(identity, not_staff))
        too_long = await http.get("/staff/bulky/slots", headers=bearer(identity, waste),
                                  params={"from": "2026-01-01", "to": "2027-06-01"})
        lookup = await http.get(f"/staff/residents/{waste.id}", params={"purpose": "窓口対応"},
                                headers=bearer(identity, citizens))
    assert ok.status_code == 200
    assert [(s["area_id"], s["capacity"], s["booked"], s["remaining"])
            for s in ok.json()["slots"]] == [(AREA_A, 5, 2, 3), (AREA_B, 3, 0, 3)]
    assert [s["area_id"] for s in one_area.json()["slots"]] == [AREA_B]
    assert other.status_code == 403
    assert other.json()["detail"]["code"] == "outside_staff_scope"
    assert other.json()["detail"]["department"] == "waste"
    assert resident.status_code == 403 and resident.json()["detail"] == "city staff only"
    assert too_long.status_code == 422
    assert lookup.status_code == 200


async def test_account_deletion_removes_the_scopes(identity: FastAPI) -> None:
    staff = make_person(identity, role="staff", departments=("waste", "notices"))
    async with asgi_client(identity) as http:
        deleted = await http.request("DELETE", "/me", json={"confirm": "DELETE"},
                                     headers=bearer(identity, staff))
    assert deleted.status_code == 204
    assert scopes_of(identity.state.engine, staff.id) == ()


def test_the_staff_cli_grants_lists_and_revokes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data = str(tmp_path)
    assert staff_cli.main(["--data-dir", data, "list"]) == 0  # creates the schema
    settings = Settings.from_env(tmp_path)
    engine = make_engine(settings.database_url)
    try:
        app = SimpleNamespace(state=SimpleNamespace(engine=engine, settings=settings))
        person = make_person(app, role="staff", name="職員 二郎",  # type: ignore[arg-type]
                             upstream_subject="national-sub-42")
        assert staff_cli.main(["--data-dir", data, "grant", "national-sub-42", "waste",
                               "--by", "情報政策課"]) == 0
        assert staff_cli.main(["--data-dir", data, "grant", person.id, "waste"]) == 1
        assert staff_cli.main(["--data-dir", data, "grant", person.id, "mayor"]) == 2
        assert staff_cli.main(["--data-dir", data, "grant", "nobody", "waste"]) == 1
        capsys.readouterr()
        assert staff_cli.main(["--data-dir", data, "list"]) == 0
        listed = capsys.readouterr().out
        assert f"waste\t環境事業課\t{person.id}\t職員 二郎\tadmin\t情報政策課" in listed
        assert staff_cli.main(["--data-dir", data, "revoke", person.id, "waste"]) == 0
        assert staff_cli.main(["--data-dir", data, "revoke", person.id, "waste"]) == 1
        with Session(engine) as session:
            assert list(session.scalars(select(StaffMembership))) == []
    finally:
        engine.dispose()
