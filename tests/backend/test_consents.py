"""The consent ledger: append-only history, refusals, has_consent, parents for minors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from backend.models import AccessLogEntry, ConsentRecord
from backend.services.consent_catalog import catalog, read_catalog, text_sha256
from backend.services.consents import has_consent
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person

MakeApp = Callable[..., FastAPI]
PURPOSES = {
    "health_data_analysis",
    "health_record",
    "school_data_sharing",
    "recycling_points",
    "transit_location",
    "delegation",
}


def decision(purpose: str, granted: bool, lang: str = "ja", **overrides: Any) -> dict[str, Any]:
    current = catalog()[purpose].current
    return {
        "purpose": purpose,
        "version": current.version,
        "granted": granted,
        "text_sha256": current.sha256(lang),
        **overrides,
    }


def state(body: dict[str, Any], purpose: str) -> dict[str, Any]:
    return next(item for item in body["purposes"] if item["purpose"] == purpose)


def test_catalog_has_every_purpose_in_both_languages() -> None:
    purposes = read_catalog()
    assert set(purposes) == PURPOSES
    for purpose in purposes.values():
        assert purpose.current.ja and purpose.current.en
        assert purpose.current.matches(text_sha256(purpose.current.en))
        assert not purpose.current.matches(text_sha256(purpose.current.en + " "))


@pytest.mark.anyio
async def test_ledger_is_append_only_and_latest_wins(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    person = make_person(app)
    headers = bearer(app, person)
    assert not has_consent(app.state.engine, person.id, "recycling_points")

    async with asgi_client(app) as client:
        before = (await client.get("/me/consents", headers=headers)).json()
        assert {item["purpose"] for item in before["purposes"]} == PURPOSES
        assert all(item["granted"] is False and item["history"] == []
                   for item in before["purposes"])
        recycling = state(before, "recycling_points")
        assert recycling["text"]["ja"].startswith("資源回収拠点")
        assert recycling["text_sha256"]["en"] == text_sha256(recycling["text"]["en"])

        granted = await client.post(
            "/me/consents", json=decision("recycling_points", True), headers=headers
        )
        assert granted.status_code == 201
        assert granted.json()["granted"] is True
        assert has_consent(app.state.engine, person.id, "recycling_points")

        withdrawn = await client.post(
            "/me/consents", json=decision("recycling_points", False, "en"), headers=headers
        )
        assert withdrawn.status_code == 201
        after = (await client.get("/me/consents", headers=headers)).json()

    assert not has_consent(app.state.engine, person.id, "recycling_points")
    assert not has_consent(app.state.engine, person.id, "transit_location")
    history = state(after, "recycling_points")["history"]
    assert [row["granted"] for row in history] == [False, True]  # newest first
    assert all(row["actor_common_id"] == person.id for row in history)
    assert all(row["channel"] == "app" for row in history)
    with Session(app.state.engine) as session:
        rows = session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)).all()
    assert [(row.purpose, row.granted) for row in rows] == [
        ("recycling_points", True),
        ("recycling_points", False),
    ]
    assert rows[0].text_sha256 == catalog()["recycling_points"].current.sha256("ja")
    assert rows[1].text_sha256 == catalog()["recycling_points"].current.sha256("en")


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"purpose": "marketing"}, 422, "unknown purpose"),
        ({"version": 0}, 409, "not the current one"),
        ({"version": 2}, 409, "not the current one"),
        ({"text_sha256": "0" * 64}, 409, "text_sha256 does not match"),
        ({"channel": "fax"}, 422, "channel"),
        ({"purpose": "delegation"}, 422, "/me/delegations"),
    ],
)
@pytest.mark.anyio
async def test_refused_decisions_leave_no_row(
    database_url: str, make_app: MakeApp, change: dict[str, Any], status: int, message: str
) -> None:
    app = make_app(database_url)
    person = make_person(app)
    body = {**decision("health_data_analysis", True), **change}
    async with asgi_client(app) as client:
        response = await client.post("/me/consents", json=body, headers=bearer(app, person))
    assert response.status_code == status
    assert message in response.json()["detail"]
    with Session(app.state.engine) as session:
        assert session.scalar(select(func.count()).select_from(ConsentRecord)) == 0


@pytest.mark.anyio
async def test_a_new_text_version_asks_again(
    database_url: str, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import json

    from backend.services import consent_catalog

    app = make_app(database_url)
    person = make_person(app)
    headers = bearer(app, person)
    async with asgi_client(app) as client:
        await client.post("/me/consents", json=decision("transit_location", True),
                          headers=headers)
        assert has_consent(app.state.engine, person.id, "transit_location")

        document = json.loads(consent_catalog.PURPOSES_PATH.read_text(encoding="utf-8"))
        document["purposes"]["transit_location"]["versions"].append(
            {"version": 2, "ja": "新しい文面", "en": "New text"}
        )
        path = tmp_path / "purposes.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        monkeypatch.setattr(consent_catalog, "catalog", lambda: consent_catalog.read_catalog(path))
        monkeypatch.setattr("backend.services.consents.catalog",
                            lambda: consent_catalog.read_catalog(path))

        assert not has_consent(app.state.engine, person.id, "transit_location")
        listed = state((await client.get("/me/consents", headers=headers)).json(),
                       "transit_location")
        assert listed["granted"] is False and listed["needs_renewal"] is True
        stale = await client.post(
            "/me/consents", json={**decision("transit_location", True), "version": 1,
                                  "text_sha256": text_sha256(document["purposes"][
                                      "transit_location"]["versions"][0]["ja"])},
            headers=headers,
        )
        assert stale.status_code == 409
        fresh = await client.post(
            "/me/consents",
            json={"purpose": "transit_location", "version": 2, "granted": True,
                  "text_sha256": text_sha256("New text")},
            headers=headers,
        )
        assert fresh.status_code == 201
    assert has_consent(app.state.engine, person.id, "transit_location")


async def school_consent(
    client: httpx.AsyncClient, app: FastAPI, actor: Any, child_id: str
) -> httpx.Response:
    return await client.post(
        "/me/consents",
        params={"on_behalf_of": child_id},
        json=decision("school_data_sharing", True),
        headers=bearer(app, actor),
    )


@pytest.mark.anyio
async def test_parent_records_consent_for_a_minor_child_only(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    parent = make_person(app, birthdate=date(1980, 1, 1))
    minor = make_person(app, birthdate=date(2014, 4, 1))
    adult_child = make_person(app, birthdate=date(2003, 4, 1))
    make_household(app, [(parent, "self", None), (minor, "child", None),
                         (adult_child, "child", None)])
    neighbour = make_person(app)

    async with asgi_client(app) as client:
        assert (await school_consent(client, app, parent, minor.id)).status_code == 201
        assert (await school_consent(client, app, parent, adult_child.id)).status_code == 404
        assert (await school_consent(client, app, neighbour, minor.id)).status_code == 404
        assert (await school_consent(client, app, minor, parent.id)).status_code == 404
        read = await client.get("/me/consents", params={"on_behalf_of": minor.id},
                                headers=bearer(app, parent))
        refused = await client.get("/me/consents", params={"on_behalf_of": minor.id},
                                   headers=bearer(app, neighbour))

    assert read.status_code == 200
    history = state(read.json(), "school_data_sharing")["history"]
    assert len(history) == 1 and history[0]["actor_common_id"] == parent.id
    assert refused.status_code == 404 and minor.id not in refused.text
    assert has_consent(app.state.engine, minor.id, "school_data_sharing")
    assert not has_consent(app.state.engine, adult_child.id, "school_data_sharing")
    with Session(app.state.engine) as session:
        logged = session.scalars(select(AccessLogEntry)).all()
    assert [(e.subject_person_id, e.actor_person_id, e.actor_kind) for e in logged] == [
        (minor.id, parent.id, "delegate")
    ]


def test_records_cannot_be_updated_through_the_orm(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    person = make_person(app)
    current = catalog()["recycling_points"].current
    with Session(app.state.engine) as session:
        session.add(ConsentRecord(
            municipality_code="332038", person_id=person.id, purpose="recycling_points",
            version=current.version, text_sha256=current.sha256("ja"), granted=True,
            recorded_at=datetime.now(UTC), actor_person_id=person.id,
        ))
        session.commit()
        record = session.scalars(select(ConsentRecord)).one()
        record.granted = False
        with pytest.raises(ValueError, match="append-only"):
            session.commit()
