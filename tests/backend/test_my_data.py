"""My data: the export, account deletion, staff look-ups and the access log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from backend.models import (
    AccessLogEntry,
    ConsentRecord,
    Delegation,
    Household,
    HouseholdMember,
    Person,
)
from backend.services.access_log import record_access
from backend.services.consent_catalog import catalog
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person
from tests.backend.sync_helpers import add_record, mutation, push, set_pref

MakeApp = Callable[..., FastAPI]


def decision(purpose: str, granted: bool = True) -> dict[str, Any]:
    current = catalog()[purpose].current
    return {"purpose": purpose, "version": current.version, "granted": granted,
            "text_sha256": current.sha256("ja")}


def count(app: FastAPI, model: type, *where: Any) -> int:
    with Session(app.state.engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.mark.anyio
async def test_staff_reads_are_logged_and_need_a_purpose(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    resident = make_person(app, name="津山 太郎")
    staff = make_person(app, role="staff", name="職員 一郎", departments=("citizens",))
    async with asgi_client(app) as client:
        no_purpose = await client.get(f"/staff/residents/{resident.id}", headers=bearer(app, staff))
        as_resident = await client.get(f"/staff/residents/{staff.id}",
                                       params={"purpose": "窓口での本人確認"},
                                       headers=bearer(app, resident))
        unknown = await client.get("/staff/residents/nobody",
                                   params={"purpose": "窓口での本人確認"},
                                   headers=bearer(app, staff))
        looked_up = await client.get(f"/staff/residents/{resident.id}",
                                     params={"purpose": "窓口での本人確認"},
                                     headers=bearer(app, staff))
        log = (await client.get("/me/access-log", headers=bearer(app, resident))).json()
        staff_log = (await client.get("/me/access-log", headers=bearer(app, staff))).json()

    assert no_purpose.status_code == 422
    assert as_resident.status_code == 403
    assert unknown.status_code == 404
    assert looked_up.status_code == 200
    assert looked_up.json()["profile"]["name"] == "津山 太郎"
    assert log["total"] == 1
    (entry,) = log["entries"]
    assert entry["actor_kind"] == "staff"
    assert entry["actor_common_id"] == staff.id
    assert entry["purpose"] == "窓口での本人確認"
    assert staff_log == {"entries": [], "total": 0, "limit": 50, "offset": 0}


@pytest.mark.anyio
async def test_access_log_is_newest_first_paginated_and_hides_self_reads(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    person = make_person(app)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for day in range(5):
        record_access(app.state.engine, municipality_code="332038", subject_person_id=person.id,
                      actor_kind="service", actor_service="recycling-points",
                      purpose="award points", resource=f"dropoffs/{day}",
                      at=start + timedelta(days=day))
    record_access(app.state.engine, municipality_code="332038", subject_person_id=person.id,
                  actor_kind="self", actor_person_id=person.id, purpose="look",
                  resource="profile", at=start + timedelta(days=10))
    with pytest.raises(ValueError):
        record_access(app.state.engine, municipality_code="332038",
                      subject_person_id=person.id, actor_kind="service", purpose="x",
                      resource="y")
    async with asgi_client(app) as client:
        headers = bearer(app, person)
        first = (await client.get("/me/access-log", params={"limit": 2},
                                  headers=headers)).json()
        second = (await client.get("/me/access-log", params={"limit": 2, "offset": 2},
                                   headers=headers)).json()
        everything = (await client.get("/me/access-log", params={"include_self": True},
                                       headers=headers)).json()
    assert first["total"] == 5
    assert [e["resource"] for e in first["entries"]] == ["dropoffs/4", "dropoffs/3"]
    assert [e["resource"] for e in second["entries"]] == ["dropoffs/2", "dropoffs/1"]
    assert everything["total"] == 6
    assert everything["entries"][0]["actor_kind"] == "self"


@pytest.mark.anyio
async def test_export_contains_everything(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    person = make_person(app, name="津山 花子", birthdate=date(1986, 7, 3))
    make_household(app, [(person, "self", None), (None, "child", date(2015, 5, 20))])
    helper = make_person(app, name="手伝い 次郎")
    staff = make_person(app, role="staff", departments=("citizens",))
    headers = bearer(app, person)
    async with asgi_client(app) as client:
        await client.post("/me/consents", json=decision("health_data_analysis"), headers=headers)
        asked = (await client.post("/me/delegations", json={"grantor_common_id": person.id},
                                   headers=bearer(app, helper))).json()
        await client.get(f"/staff/residents/{person.id}", params={"purpose": "児童手当の確認"},
                         headers=bearer(app, staff))
        pushed = await push(client, app, person, "phone-1", [
            set_pref(1, "notices.read.7", True),
            add_record(2, "bp-1"),
            add_record(3, "bp-2"),
            mutation(4, "health_records", "delete", {"id": "bp-2"}),
        ])
        assert [r["status"] for r in pushed.json()["results"]] == ["applied"] * 4
        response = await client.get("/me/export", headers=headers)

    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="tsuyama-portal-my-data.json"'
    )
    document = json.loads(response.content)
    assert document["profile"]["common_id"] == person.id
    assert document["profile"]["name"] == "津山 花子"
    assert document["profile"]["email"] == person.email
    assert len(document["household"]["members"]) == 2
    assert document["home_profile"]["tile_order"][0] == "school"
    health = next(c for c in document["consents"] if c["purpose"] == "health_data_analysis")
    assert health["granted"] is True and len(health["history"]) == 1
    assert [d["id"] for d in document["delegations"]] == [asked["id"]]
    assert [e["purpose"] for e in document["access_log"]] == ["児童手当の確認"]
    assert helper.name not in response.text  # only common IDs of the other parties
    synced = document["synced_data"]
    assert [(p["key"], p["value"]) for p in synced["preferences"]] == [("notices.read.7", True)]
    records = {r["id"]: r for r in synced["health_records"]}
    assert records["bp-1"]["data"] == {"sys": 120} and records["bp-1"]["deleted_at"] is None
    assert records["bp-2"]["data"] is None and records["bp-2"]["deleted_at"] is not None


@pytest.mark.anyio
async def test_delete_me_wipes_and_refuses_the_token(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    person = make_person(app, name="津山 花子", upstream_subject="dev-hanako")
    spouse = make_person(app, name="津山 一郎")
    household_id, _ = make_household(app, [(person, "self", None), (spouse, "spouse", None),
                                           (None, "child", date(2015, 5, 20))])
    grantee = make_person(app)
    staff = make_person(app, role="staff", departments=("citizens",))
    deleted: list[str] = []
    app.state.on_account_deleted = [deleted.append]
    headers = bearer(app, person)
    async with asgi_client(app) as client:
        await client.post("/me/consents", json=decision("recycling_points"), headers=headers)
        asked = (await client.post("/me/delegations", json={"grantor_common_id": person.id},
                                   headers=bearer(app, grantee))).json()
        current = catalog()["delegation"].current
        await client.post(f"/me/delegations/{asked['id']}/accept", headers=headers,
                          json={"version": current.version,
                                "text_sha256": current.sha256("ja")})
        await client.get(f"/staff/residents/{person.id}", params={"purpose": "確認"},
                         headers=bearer(app, staff))

        no_body = await client.request("DELETE", "/me", headers=headers)
        wrong = await client.request("DELETE", "/me", json={"confirm": "yes"}, headers=headers)
        assert (no_body.status_code, wrong.status_code) == (422, 422)
        assert count(app, ConsentRecord, ConsentRecord.person_id == person.id) == 2

        response = await client.request("DELETE", "/me", json={"confirm": "DELETE"},
                                        headers=headers)
        assert response.status_code == 204
        after = await client.get("/me", headers=headers)
        export_after = await client.get("/me/export", headers=headers)

    assert after.status_code == 401 and export_after.status_code == 401
    assert deleted == [person.id]
    with Session(app.state.engine) as session:
        row = session.get(Person, person.id)
        assert row is not None and row.deleted_at is not None
        assert (row.name, row.address, row.birthdate, row.gender, row.email) == (
            "", None, None, None, None
        )
        assert row.upstream_subject != "dev-hanako"
        assert session.get(Household, household_id) is not None
        remaining = session.scalars(
            select(HouseholdMember).where(HouseholdMember.household_id == household_id)
        ).all()
        delegation = session.get(Delegation, asked["id"])
    assert len(remaining) == 2 and person.id not in {m.person_id for m in remaining}
    assert delegation is not None and delegation.status == "revoked"
    assert count(app, ConsentRecord, ConsentRecord.person_id == person.id) == 0
    assert count(app, AccessLogEntry, AccessLogEntry.subject_person_id == person.id) == 0
    # The staff member's and the spouse's own data are untouched.
    with Session(app.state.engine) as session:
        spouse_row = session.get(Person, spouse.id)
    assert spouse_row is not None and spouse_row.name == "津山 一郎"
