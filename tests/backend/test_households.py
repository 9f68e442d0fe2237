"""Households, `/me`, `/me/household`, the demo households and targeted notices."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from backend.models import Household, HouseholdMember, Person
from backend.services.clock import age_on, city_today
from backend.services.households import attach_demo_household, read_demo_households
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person

MakeApp = Callable[..., FastAPI]


def years_ago(years: int, days_later: int = 0) -> date:
    """A birthdate making someone `years` old today (younger by `days_later` days)."""
    today = city_today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return date.fromordinal(day.toordinal() + days_later)


def count(app: FastAPI, model: type) -> int:
    with Session(app.state.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_households_file_is_marked_and_valid() -> None:
    households = read_demo_households()
    assert set(households) == {"dev-taro", "dev-hanako", "dev-hana", "dev-ichiro"}
    hanako = households["dev-hanako"]["members"]
    children = [m for m in hanako if m["relation"] == "child"]
    assert {m["school_class"] for m in children} == {"5年1組", "2年3組"}


@pytest.mark.anyio
async def test_attach_demo_household_is_idempotent(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    hanako = make_person(app, upstream_subject="dev-hanako", name="津山 花子", birthdate=None,
                         address=None)

    first = attach_demo_household(app.state.engine, hanako)
    second = attach_demo_household(app.state.engine, hanako)

    assert first is not None and first == second
    assert count(app, Household) == 1
    assert count(app, HouseholdMember) == 3
    with Session(app.state.engine) as session:
        row = session.get(Person, hanako.id)
        assert row is not None
        assert row.birthdate == date(1986, 7, 3)  # filled from the demo registry
        assert row.address and "津山市" in row.address
    async with asgi_client(app) as client:
        body = (await client.get("/me/household", headers=bearer(app, row))).json()
    members = body["household"]["members"]
    assert body["household"]["is_demo"] is True
    assert {m["name"] for m in members} == {"津山 花子", "津山 陽翔", "津山 結衣"}
    haruto = next(m for m in members if m["name"] == "津山 陽翔")
    assert haruto["school_name"] == "津山市立北小学校"
    assert haruto["age"] == age_on(date(2015, 5, 20), city_today())
    assert body["home_profile"]["tile_order"][0] == "school"


def test_attach_demo_household_races_and_unknown_subjects(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    hana = make_person(app, upstream_subject="dev-hana")
    stranger = make_person(app, upstream_subject="someone-else")
    ichiro = make_person(app, upstream_subject="dev-ichiro", role="staff")
    results: list[str | None] = []
    barrier = threading.Barrier(3)

    def attach() -> None:
        barrier.wait()
        results.append(attach_demo_household(app.state.engine, hana))

    threads = [threading.Thread(target=attach) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 3 and len(set(results)) == 1 and results[0] is not None
    assert attach_demo_household(app.state.engine, stranger) is None
    assert attach_demo_household(app.state.engine, ichiro) is None
    with Session(app.state.engine) as session:
        linked = session.scalars(
            select(HouseholdMember).where(HouseholdMember.person_id == hana.id)
        ).all()
    assert len(linked) == 1


@pytest.mark.anyio
async def test_me_returns_profile_household_summary_and_home_profile(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    hana = make_person(app, name="美作 ハナ", birthdate=years_ago(82))
    make_household(app, [(hana, "self", None)])
    loner = make_person(app, birthdate=years_ago(40))

    async with asgi_client(app) as client:
        mine = (await client.get("/me", headers=bearer(app, hana))).json()
        other = (await client.get("/me", headers=bearer(app, loner))).json()
        anonymous = await client.get("/me")

    assert mine["sub"] == mine["common_id"] == hana.id
    assert mine["age"] == 82
    assert mine["name"] == "美作 ハナ"
    assert mine["household"]["member_count"] == 1
    assert mine["home_profile"]["tile_order"][0] == "health"
    assert mine["home_profile"]["reminders"][0]["kind"] == "health_check"
    assert other["household"] is None
    assert other["home_profile"]["reminders"] == []
    assert anonymous.status_code == 401


@pytest.mark.anyio
async def test_household_ages_for_members_without_accounts(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    parent = make_person(app, birthdate=years_ago(40))
    make_household(app, [(parent, "self", None), (None, "child", years_ago(6)),
                         (None, "child", years_ago(3))])
    async with asgi_client(app) as client:
        body = (await client.get("/me/household", headers=bearer(app, parent))).json()
    ages = sorted(m["age"] for m in body["household"]["members"])
    assert ages == [3, 6, 40]
    assert [m["has_account"] for m in body["household"]["members"]].count(True) == 1
    assert body["home_profile"]["tile_order"][0] == "school"


async def titles(app: FastAPI, headers: dict[str, str] | None = None) -> set[str]:
    async with asgi_client(app) as client:
        response = await client.get("/notices", params={"lang": "en"}, headers=headers or {})
    assert response.status_code == 200
    return {notice["title"] for notice in response.json()["notices"]}


@pytest.mark.anyio
async def test_targeted_notices_reach_only_matching_households(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    parents_title = (
        "School expense assistance: applications open for families with school children"
    )
    elderly_title = "Free health checkups for people aged 75 and over"
    parent = make_person(app, birthdate=years_ago(40))
    make_household(app, [(parent, "self", None), (None, "child", years_ago(10))])
    toddler_parent = make_person(app, birthdate=years_ago(35))
    make_household(app, [(toddler_parent, "self", None), (None, "child", years_ago(2))])
    elderly = make_person(app, birthdate=years_ago(75))
    almost = make_person(app, birthdate=years_ago(75, days_later=1))

    anonymous = await titles(app)
    assert parents_title not in anonymous and elderly_title not in anonymous
    assert len(anonymous) == 6

    for_parent = await titles(app, bearer(app, parent))
    assert parents_title in for_parent and elderly_title not in for_parent
    assert anonymous < for_parent

    assert parents_title not in await titles(app, bearer(app, toddler_parent))
    assert (await titles(app, bearer(app, elderly))) == anonymous | {elderly_title}
    assert (await titles(app, bearer(app, almost))) == anonymous
    # A refused token is treated as anonymous on this public route.
    assert await titles(app, {"Authorization": "Bearer not-a-token"}) == anonymous
