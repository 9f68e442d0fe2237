"""District recycling goals: 「ご近所さんと合計で50kgの成果があり、地域ポイントが貰えた」.

Staff record a district's weight per month; reaching the goal grants each taking-part
household once for that month; residents see their district's progress (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
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

from backend.models import Person, Preference
from backend.models.person import ASSURANCE_EMAIL
from backend.services.clock import city_today
from backend.tiles.points.districts import (
    district_for_address,
    period_of,
    recent_periods,
)
from backend.tiles.points.earning_models import PointsDistrictGrant
from backend.tiles.points.rules import District, read_demo
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person
from tests.backend.points_earning_helpers import points_of

pytestmark = pytest.mark.anyio

CENTRAL = "area-5033d28f9d677fbd"  # 津山中央 (goal 50 kg, 100 points)
HAYASHIDA = "area-4d4d6ab0d1ad797f"  # 林田


def test_district_from_an_address_longest_match_first() -> None:
    districts = read_demo().districts
    assert district_for_address("岡山県津山市山北520", districts).id == CENTRAL  # type: ignore[union-attr]
    assert district_for_address("津山市林田町1-2", districts).id == HAYASHIDA  # type: ignore[union-attr]
    assert district_for_address("東京都千代田区", districts) is None
    assert district_for_address(None, districts) is None
    short = District("a", "林田", "", 1000, 10)
    long = District("b", "別", "", 1000, 10, towns=("林田町",))
    assert district_for_address("林田町", [short, long]) is long


def test_recent_periods_cross_the_year() -> None:
    assert recent_periods(date(2026, 2, 15), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert period_of(date(2026, 2, 15)) == "2026-02"


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(database_url)


@pytest.fixture
def staff(app: FastAPI) -> Person:
    return make_person(app, role="staff", name="職員 みのり", departments=("points",))


def _resident(app: FastAPI, address: str, **fields: Any) -> Person:
    person = make_person(app, address=address, **fields)
    make_household(app, [(person, "self", None)], address=address)
    return person


async def _weight(client: httpx.AsyncClient, app: FastAPI, staff: Person, kg: object,
                  period: str | None = None, district_id: str = CENTRAL) -> httpx.Response:
    return await client.put("/staff/points/district-weights", headers=bearer(app, staff),
                            json={"district_id": district_id, "kg": kg,
                                  "period": period or period_of(city_today())})


async def test_reaching_the_goal_grants_each_taking_part_household_once(
        app: FastAPI, staff: Person) -> None:
    taro = _resident(app, "岡山県津山市山北520")
    neighbour = _resident(app, "岡山県津山市大手町3")
    not_in = _resident(app, "岡山県津山市山下1")
    elsewhere = _resident(app, "岡山県津山市林田町5")
    period = period_of(city_today())
    async with asgi_client(app) as client:
        for person in (taro, neighbour, elsewhere):
            opted = await client.put("/points/district-optin", headers=bearer(app, person),
                                     json={"opted_in": True})
            assert opted.status_code == 200, opted.text
            assert opted.json()["opted_in"] is True
        below = await _weight(client, app, staff, 30)
        assert below.json() == {"district_id": CENTRAL, "district": "津山中央",
                                "period": period, "kg": 30.0, "goal_kg": 50.0,
                                "reached": False, "granted_households": 0}
        reached = await _weight(client, app, staff, "50.5")
        again = await _weight(client, app, staff, 61)
        late = _resident(app, "岡山県津山市茅町2")
        await client.put("/points/district-optin", headers=bearer(app, late),
                         json={"opted_in": True})
        later = await _weight(client, app, staff, 62)
        progress = await client.get("/points/district-progress", headers=bearer(app, taro))
        one = await client.get("/points/district-progress", headers=bearer(app, taro),
                               params={"period": period})
    assert reached.json()["reached"] is True and reached.json()["granted_households"] == 2
    assert again.json()["granted_households"] == 0
    assert later.json()["granted_households"] == 1  # joined after the goal was reached
    assert [points_of(app, p) for p in (taro, neighbour, not_in, elsewhere, late)] == [
        100, 100, 0, 0, 100]
    body = progress.json()
    assert body["district"] == {"id": CENTRAL, "name": "津山中央", "name_en": "Tsuyama-chuo"}
    assert body["goal_kg"] == 50.0 and body["opted_in"] is True and body["points"] == 100
    assert len(body["periods"]) == 6
    assert body["periods"][-1] == {"period": period, "kg": 62.0, "goal_kg": 50.0,
                                   "reached": True, "granted": True}
    assert body["periods"][0]["kg"] == 0 and body["periods"][0]["granted"] is False
    assert [p["period"] for p in one.json()["periods"]] == [period]


async def test_leaving_and_the_chosen_waste_district(app: FastAPI, staff: Person) -> None:
    taro = _resident(app, "岡山県津山市山北520")
    with Session(app.state.engine) as session:  # chose 林田 in the waste tile
        session.add(Preference(person_id=taro.id, key="waste.district",
                               municipality_code="332038", value=json.dumps(HAYASHIDA),
                               updated_at=datetime.now(UTC)))
        session.commit()
    async with asgi_client(app) as client:
        joined = await client.put("/points/district-optin", headers=bearer(app, taro),
                                  json={"opted_in": True})
        left = await client.put("/points/district-optin", headers=bearer(app, taro),
                                json={"opted_in": False})
        hayashida = await _weight(client, app, staff, 80, district_id=HAYASHIDA)
    assert joined.json()["district"]["id"] == HAYASHIDA
    assert left.json()["opted_in"] is False
    assert hayashida.json()["granted_households"] == 0
    assert points_of(app, taro) == 0


async def test_who_cannot_take_part(app: FastAPI) -> None:
    alone = make_person(app, address="岡山県津山市山北1")  # no household
    far = _resident(app, "東京都千代田区1")
    visitor = make_person(app, assurance_level=ASSURANCE_EMAIL)
    async with asgi_client(app) as client:
        no_household = await client.put("/points/district-optin", headers=bearer(app, alone),
                                        json={"opted_in": True})
        no_district = await client.put("/points/district-optin", headers=bearer(app, far),
                                       json={"opted_in": True})
        not_resident = await client.put("/points/district-optin",
                                        headers=bearer(app, visitor), json={"opted_in": True})
        not_bool = await client.put("/points/district-optin", headers=bearer(app, far),
                                    json={"opted_in": "maybe"})
        progress = await client.get("/points/district-progress", headers=bearer(app, alone))
        future = await client.get("/points/district-progress", headers=bearer(app, far),
                                  params={"period": "2999-01"})
    assert (no_household.status_code, no_household.json()["detail"]["code"]) == (
        409, "no_household")
    assert (no_district.status_code, no_district.json()["detail"]["code"]) == (
        409, "no_district")
    assert (not_resident.status_code, not_resident.json()["detail"]["code"]) == (
        403, "not_eligible")
    assert not_bool.status_code == 422
    assert progress.status_code == 200
    assert progress.json()["district"] is None and progress.json()["has_household"] is False
    assert future.status_code == 422


async def test_bad_weights_are_refused(app: FastAPI, staff: Person) -> None:
    async with asgi_client(app) as client:
        answers = [
            await _weight(client, app, staff, -1),
            await _weight(client, app, staff, "1.0001"),
            await _weight(client, app, staff, 10**9),
            await _weight(client, app, staff, "abc"),
            await _weight(client, app, staff, 10, period="2026-13"),
            await _weight(client, app, staff, 10, period="2999-01"),
            await _weight(client, app, staff, 10, period="26-01"),
        ]
        unknown = await _weight(client, app, staff, 10, district_id="area-nowhere")
    assert [a.status_code for a in answers] == [422] * len(answers)
    assert (unknown.status_code, unknown.json()["detail"]["code"]) == (422, "unknown_district")


async def test_two_recordings_at_once_grant_once(app: FastAPI, staff: Person) -> None:
    households = [_resident(app, f"岡山県津山市山北{n}") for n in range(4)]
    async with asgi_client(app) as client:
        for person in households:
            await client.put("/points/district-optin", headers=bearer(app, person),
                             json={"opted_in": True})
    other_staff = make_person(app, role="staff", departments=("points",))
    start = threading.Barrier(2)

    async def put(who: Person, kg: int) -> httpx.Response:
        async with asgi_client(app) as client:
            return await _weight(client, app, who, kg)

    def run(args: tuple[Person, int]) -> int:
        import anyio

        start.wait()
        return anyio.run(put, *args).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(pool.map(run, [(staff, 55), (other_staff, 70)]))
    assert statuses == [200, 200]
    assert [points_of(app, p) for p in households] == [100] * 4
    with Session(app.state.engine) as session:
        assert session.scalar(select(func.count()).select_from(PointsDistrictGrant)) == 4


async def test_staff_see_every_district_with_the_months_recording(
        app: FastAPI, staff: Person) -> None:
    period = period_of(city_today())
    async with asgi_client(app) as client:
        before = await client.get("/staff/points/districts", headers=bearer(app, staff))
        await _weight(client, app, staff, "51.25")
        after = await client.get("/staff/points/districts", headers=bearer(app, staff),
                                 params={"period": period})
        to_come = await client.get("/staff/points/districts", headers=bearer(app, staff),
                                   params={"period": "2999-01"})
        malformed = await client.get("/staff/points/districts", headers=bearer(app, staff),
                                     params={"period": "2026-1"})
    assert before.status_code == 200, before.text
    rows = {row["id"]: row for row in before.json()["districts"]}
    assert before.json()["period"] == period and CENTRAL in rows and len(rows) > 1
    assert rows[CENTRAL]["name"] == "津山中央" and rows[CENTRAL]["goal_kg"] == 50.0
    assert rows[CENTRAL]["kg"] is None and rows[CENTRAL]["reached"] is False
    central = next(r for r in after.json()["districts"] if r["id"] == CENTRAL)
    assert (central["kg"], central["reached"]) == (51.25, True)
    others = [r for r in after.json()["districts"] if r["id"] != CENTRAL]
    assert all(r["kg"] is None for r in others)
    assert to_come.status_code == 422 and malformed.status_code == 422
