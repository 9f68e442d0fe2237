"""`GET /staff/health/risk-counts`: staff of 健康増進課 only; counts of consenting residents
by district with small counts hidden; no person in the answer; bad fiscal years refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from backend.models import Person
from backend.services.clock import city_today
from backend.tiles.health import staff_routes
from backend.tiles.health.aggregates import COLUMNS, FiscalYear
from backend_client import BackendClient, BackendRejected
from backend_client.health_staff import HealthStaffClient, RiskCell
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.test_health_aggregates import checkup, resident

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]

PATH = "/staff/health/risk-counts"
THIS_YEAR = FiscalYear.of(city_today()).year


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI],
        monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    for name in ("TSUYAMA_HEALTH_MIN_CELL", "TSUYAMA_HEALTH_DISTRICTS", "TSUYAMA_POINTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    made = make_app(database_url, load_demo_data=False)
    # As the tile registry does once tile.py lists the router in `staff_routers`.
    if not any(getattr(route, "path", None) == PATH for route in made.routes):
        made.include_router(staff_routes.router)
    return made


@pytest.fixture
def staff(app: FastAPI) -> Person:
    return make_person(app, role="staff", name="職員 けんこう", departments=("health",))


def three_in_yamakita(app: FastAPI) -> list[Person]:
    """Three consenting residents of 山北 (津山中央 in the demo districts), one at risk."""
    people = [resident(app, "岡山県津山市山北520") for _ in range(3)]
    day = f"{THIS_YEAR}-06-01"
    checkup(app, people[0], day, True, sbp="referral", bmi="guidance")
    checkup(app, people[1], day, False, bmi="guidance")
    checkup(app, people[2], day, False, bmi="guidance")
    return people


async def test_health_staff_get_counts_and_no_person(app: FastAPI, staff: Person,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    people = three_in_yamakita(app)
    async with asgi_client(app) as client:
        strict = await client.get(PATH, headers=bearer(app, staff),
                                  params={"fiscal_year": THIS_YEAR})
        monkeypatch.setenv("TSUYAMA_HEALTH_MIN_CELL", "3")
        loose = await client.get(PATH, headers=bearer(app, staff))
    assert strict.status_code == 200, strict.text
    assert loose.status_code == 200, loose.text
    for answer in (strict, loose):
        for person in (*people, staff):
            assert person.id not in answer.text
            assert person.name not in answer.text
        assert "山北520" not in answer.text
    body = strict.json()
    assert body["fiscal_year"] == THIS_YEAR and body["min_cell"] == 10
    assert body["columns"] == list(COLUMNS) and body["districts_demo"] is True
    chuo = next(row for row in body["districts"] if row["name"] == "津山中央")
    assert chuo["suppressed"] is True
    assert chuo["cells"]["residents"] == {"count": None, "suppressed": True}
    # k = 3 (the setting) and the current fiscal year by default: 3 residents, 3 with a
    # check-up, obesity 3 (bmi) shown; 1 at risk and 1 for blood pressure hidden.
    body = loose.json()
    assert body["fiscal_year"] == THIS_YEAR and body["min_cell"] == 3
    chuo = next(row for row in body["districts"] if row["name"] == "津山中央")
    shown = {name: cell["count"] for name, cell in chuo["cells"].items()}
    assert shown == {"residents": 3, "with_checkup": 3, "at_risk": None, "obesity": 3,
                     "blood_pressure": None, "glucose": 0, "lipids": 0, "liver": 0,
                     "checklist_65plus": 0, "care_risk_65plus": 0}
    assert body["total"]["cells"]["residents"] == {"count": 3, "suppressed": False}


async def test_only_staff_of_health(app: FastAPI, staff: Person) -> None:
    someone = make_person(app, name="津山 花子")
    points_staff = make_person(app, role="staff", name="職員 ちいき", departments=("points",))
    async with asgi_client(app) as client:
        anonymous = await client.get(PATH)
        as_resident = await client.get(PATH, headers=bearer(app, someone))
        as_other_staff = await client.get(PATH, headers=bearer(app, points_staff))
        as_health = await client.get(PATH, headers=bearer(app, staff))
    assert anonymous.status_code == 401
    assert as_resident.status_code == 403
    assert as_other_staff.status_code == 403
    assert as_other_staff.json()["detail"]["code"] == "outside_staff_scope"
    assert as_health.status_code == 200


@pytest.mark.parametrize("value", [
    "abc", "", "2026.5", "-1", "0", "1999", "2101", "１９９９", "2026; drop table person",
    "1e3", "9" * 40, "20 26", "0x7ea", "null", "[2026]", str(THIS_YEAR + 1)])
async def test_bad_fiscal_year(app: FastAPI, staff: Person, value: str) -> None:
    async with asgi_client(app) as client:
        answer = await client.get(PATH, headers=bearer(app, staff),
                                  params={"fiscal_year": value})
    assert answer.status_code in (400, 422), (value, answer.status_code, answer.text)


async def test_an_old_fiscal_year(app: FastAPI, staff: Person) -> None:
    person = resident(app, "岡山県津山市林田町1")
    checkup(app, person, "2020-05-01", True, bmi="referral")
    async with asgi_client(app) as client:
        answer = await client.get(PATH, headers=bearer(app, staff),
                                  params={"fiscal_year": 2020})
    body = answer.json()
    assert answer.status_code == 200 and body["fiscal_year"] == 2020
    assert (body["from"], body["to"]) == ("2020-04-01", "2021-03-31")
    # one resident: hidden, in the row and in the total
    assert body["total"]["suppressed"] is True
    assert date.fromisoformat(body["to"]) < city_today()


async def test_the_client_reads_the_route(app: FastAPI, staff: Person,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSUYAMA_HEALTH_MIN_CELL", "3")
    three_in_yamakita(app)
    someone = make_person(app, name="津山 花子")
    backend = BackendClient("http://backend.test", transport=httpx.ASGITransport(app=app),
                            retries=0)
    client = HealthStaffClient(backend)
    access = bearer(app, staff)["Authorization"].removeprefix("Bearer ")
    counts = await client.risk_counts(access, THIS_YEAR)
    with pytest.raises(BackendRejected) as refused:
        await client.risk_counts(bearer(app, someone)["Authorization"][7:], THIS_YEAR)
    with pytest.raises(BackendRejected) as bad_year:
        await client.risk_counts(access, 1999)
    assert counts.fiscal_year == THIS_YEAR and counts.min_cell == 3
    chuo = next(row for row in counts.districts if row.name == "津山中央")
    assert chuo.cell("residents") == RiskCell(3, False)
    assert chuo.cell("at_risk") == RiskCell(None, True)
    assert counts.total.cell("obesity") == RiskCell(3, False)
    assert refused.value.status_code == 403 and bad_year.value.status_code == 422
