"""A staff grant from the points staff screen's state through `BackendPointsStaff` to the
real backend in-process (SQLite; the routes' SQL
runs on PostgreSQL in the backend tests): only rules staff may grant are offered; the
grant reaches the resident's balance once, even when it is sent again after a lost answer;
the rule's eligibility refusal comes back as the screen's refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from app.features.points.staff.repository import BackendPointsStaff
from app.features.points.staff.state import Part, PointsStaffState
from backend.identity.access_tokens import issue_access_token
from backend.services.clock import city_today
from backend_client import BackendClient
from tests.backend.people import make_person
from tests.backend.points_earning_helpers import points_of

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(database_url)


async def test_staff_grant_through_the_screen_state(app: FastAPI) -> None:
    staff = make_person(app, role="staff", name="職員 みのり", departments=("points",))
    older = make_person(app, name="住民 健", birthdate=date(1970, 5, 1))
    young = make_person(app, name="住民 若", birthdate=date(2001, 5, 1))
    token = issue_access_token(app.state.signing_key, app.state.settings.issuer, staff.id)

    async def staff_token() -> str:
        return token

    client = BackendClient("http://backend.test", transport=httpx.ASGITransport(app=app))
    keys = iter(["grant-key-0001", "grant-key-0002"])
    state = PointsStaffState(BackendPointsStaff(client, staff_token), date.today,
                             lambda: next(keys))
    try:
        await state.load_rules()
        assert "health-check" in [r.id for r in state.grantable_rules()]
        assert "event-checkin" not in [r.id for r in state.grantable_rules()]

        state.set_field("grant_rule", "health-check")
        state.set_field("grant_person", older.id)
        state.set_field("grant_reason", "2026-11-20 特定健診受診")
        assert await state.grant(), state.refusals
        granted = state.done[Part.GRANT]
        assert granted["amount"] == 500 and points_of(app, older) == 500
        # The same request again with the same key (its answer was lost): granted once.
        source = BackendPointsStaff(client, staff_token)
        again = await source.grant(person_id=older.id, rule_id="health-check",
                                   reason="2026-11-20 特定健診受診",
                                   idempotency_key="grant-key-0001")
        assert again["replayed"] is True and points_of(app, older) == 500

        # Under 40: the rule's eligibility refuses, the screen says why.
        state.set_field("grant_person", young.id)
        state.set_field("grant_reason", "2026-11-21 特定健診受診")
        assert not await state.grant()
        assert state.refusals[Part.GRANT].code == "not_eligible"
        assert points_of(app, young) == 0
    finally:
        await client.aclose()


async def test_staff_districts_through_the_screen_state(app: FastAPI) -> None:
    """The weight form's district list comes from `GET /staff/points/districts`; a recorded
    weight shows in the list read again for its month."""
    staff = make_person(app, role="staff", name="職員 みのり", departments=("points",))
    token = issue_access_token(app.state.signing_key, app.state.settings.issuer, staff.id)

    async def staff_token() -> str:
        return token

    client = BackendClient("http://backend.test", transport=httpx.ASGITransport(app=app))
    state = PointsStaffState(BackendPointsStaff(client, staff_token), city_today)
    try:
        await state.load_districts()
        assert state.districts and all(d.kg is None for d in state.districts)
        chosen = state.districts[0]
        state.set_field("weight_district", chosen.id)
        state.set_field("weight_kg", str(chosen.goal_kg + 1))
        assert await state.record_weight(), state.refusals
        await state.load_districts()
        again = next(d for d in state.districts if d.id == chosen.id)
        assert again.kg == chosen.goal_kg + 1 and again.reached
    finally:
        await client.aclose()
