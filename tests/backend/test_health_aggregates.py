"""The city's health-risk counts by district (backend/tiles/health/aggregates.py): who is
counted (consent, current text, municipality, the latest non-deleted record of the fiscal
year, 65+ for the checklist), each person's district, and the hiding of small counts
(primary, complement, whole rows, secondary by row and by column)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from backend.models import Person, Preference
from backend.services.consent_catalog import catalog
from backend.services.consents import append_record
from backend.sync.types import Mutation
from backend.tiles.health.aggregates import (
    COLUMNS,
    TOTAL,
    UNASSIGNED,
    Districts,
    FiscalYear,
    HealthDistrict,
    collect,
    load_districts,
    min_cell_from_env,
    risk_counts,
    suppress,
    tally,
)
from backend.tiles.health.records import add_record, delete_record
from tests.backend.people import make_household, make_person

MakeApp = Callable[..., FastAPI]
PURPOSE = "health_data_analysis"
OTHER_CITY = "331007"
NORTH = HealthDistrict("area-north", "北", "Kita", ("北町",))
HAYASHIDA = HealthDistrict("area-hayashida", "林田", "Hayashida", ("林田町",))
DISTRICTS = Districts((NORTH, HAYASHIDA))
FY2026 = FiscalYear(2026)


# -- building residents through the real services ----------------------------------------

def consent(app: FastAPI, person: Person, granted: bool = True,
            version: int | None = None) -> None:
    current = catalog()[PURPOSE].current
    with Session(app.state.engine) as session:
        append_record(session, municipality_code=person.municipality_code, person_id=person.id,
                      actor_person_id=person.id, purpose=PURPOSE,
                      version=current.version if version is None else version,
                      text_sha256=current.sha256("ja"), granted=granted)
        session.commit()


def record(app: FastAPI, person: Person, kind: str, data: dict[str, Any]) -> str:
    """A record pushed through the collection's own `add` handler; its id."""
    record_id = uuid.uuid4().hex
    with Session(app.state.engine) as session:
        outcome = add_record(session, person, Mutation(
            1, str(uuid.uuid4()), "health_records", "add",
            {"id": record_id, "kind": kind, "data": data}, ""))
        assert outcome.status == "applied", outcome
        session.commit()
    return record_id


def delete(app: FastAPI, person: Person, record_id: str) -> None:
    with Session(app.state.engine) as session:
        outcome = delete_record(session, person, Mutation(
            2, str(uuid.uuid4()), "health_records", "delete", {"id": record_id}, ""))
        assert outcome.status == "applied", outcome
        session.commit()


def checkup(app: FastAPI, person: Person, day: str, at_risk: bool,
            **levels: str) -> str:
    return record(app, person, "checkup", {"date": day, "values": {}, "levels": levels,
                                           "at_risk": at_risk})


def checklist(app: FastAPI, person: Person, day: str, overall: bool) -> str:
    return record(app, person, "checklist", {
        "date": day, "answers": [0] * 25,
        "result": {"overall": overall, "motor": overall, "nutrition": False, "oral": False,
                   "housebound": False, "cognitive": False, "depression": False}})


def resident(app: FastAPI, address: str = "岡山県津山市北町1-1", *, consents: bool = True,
             **fields: Any) -> Person:
    person = make_person(app, address=address, **fields)
    if consents:
        consent(app, person)
    return person


def set_waste_district(app: FastAPI, person: Person, district_id: str) -> None:
    with Session(app.state.engine) as session:
        session.add(Preference(person_id=person.id, key="waste.district",
                               municipality_code=person.municipality_code,
                               value=f'"{district_id}"', updated_at=datetime.now(UTC)))
        session.commit()


def counts(**values: int) -> dict[str, int]:
    return {name: values.get(name, 0) for name in COLUMNS}


# -- who is counted ------------------------------------------------------------------------

def build_city(app: FastAPI) -> list[Person]:
    """The residents of the scenario; returns every person made (for the no-id check)."""
    made: list[Person] = []

    def add(person: Person) -> Person:
        made.append(person)
        return person

    # 北 (from the address 北町)
    p1 = add(resident(app))
    checkup(app, p1, "2026-06-01", True, bmi="guidance", sbp="referral", hdl="normal")
    p2 = add(resident(app))
    checkup(app, p2, "2026-07-01", True, bmi="referral", waist_cm="guidance", ldl="guidance")
    p3 = add(resident(app))  # the later check-up of the year counts
    checkup(app, p3, "2026-05-01", False, bmi="normal")
    checkup(app, p3, "2027-02-01", True, ast="guidance")
    p4 = add(resident(app))  # at risk in September, not in October: October counts
    checkup(app, p4, "2026-10-01", False, sbp="normal")
    checkup(app, p4, "2026-09-01", True, sbp="guidance")
    p5 = add(resident(app))  # the deleted record does not count: the older one does
    checkup(app, p5, "2026-08-01", False)
    delete(app, p5, checkup(app, p5, "2026-12-01", True, hba1c="referral"))
    p6 = add(resident(app))  # only a check-up of fiscal year 2025
    checkup(app, p6, "2026-03-31", True, bmi="referral")
    p7 = add(resident(app, consents=False))  # never consented
    checkup(app, p7, "2026-06-01", True, bmi="referral")
    p8 = add(resident(app))  # consented, then revoked
    consent(app, p8, granted=False)
    checkup(app, p8, "2026-06-01", True, bmi="referral")
    p9 = add(resident(app, consents=False))  # granted an older text only
    consent(app, p9, version=0)
    checkup(app, p9, "2026-06-01", True, bmi="referral")
    p10 = add(resident(app, birthdate=date(1955, 5, 1)))  # 71: the checklist counts
    checklist(app, p10, "2026-11-20", True)
    p11 = add(resident(app, birthdate=date(1962, 12, 1)))  # 63 on the day: not counted
    checklist(app, p11, "2026-11-20", True)
    p12 = add(resident(app, deleted_at=datetime.now(UTC)))  # account closed
    checkup(app, p12, "2026-06-01", True, bmi="referral")
    p13 = add(resident(app))  # revoked, then granted again: counted
    consent(app, p13, granted=False)
    consent(app, p13)
    checkup(app, p13, "2026-06-02", False, tg="guidance")
    p14 = add(resident(app))  # only a record about a child of theirs
    record(app, p14, "checkup", {"date": "2026-06-01", "subject": str(uuid.uuid4()),
                                 "levels": {"bmi": "referral"}, "at_risk": True})
    p15 = add(resident(app))  # a meal and a screening: nothing to count
    record(app, p15, "meal", {"meal": "lunch", "items": []})
    record(app, p15, "screening", {"screening": "gastric", "date": "2026-06-01"})

    # 林田: by the household's address, by the chosen waste district, by their own address
    q1 = add(resident(app, "岡山県津山市北町2-2"))
    make_household(app, [(q1, "head", None)], address="岡山県津山市林田町10")
    checkup(app, q1, "2026-04-01", True, fasting_glucose="referral", hba1c="guidance")
    q2 = add(resident(app, "岡山県津山市北町3-3"))
    set_waste_district(app, q2, HAYASHIDA.id)
    checkup(app, q2, "2026-06-01", False, tg="guidance")
    q3 = add(resident(app, "岡山県津山市林田町5"))
    checkup(app, q3, "2027-03-31", False)
    q4 = add(resident(app, "岡山県津山市林田町6", birthdate=date(1960, 1, 1)))  # 66
    checklist(app, q4, "2026-06-01", False)
    checkup(app, q4, "2026-06-01", True, alt="referral")

    # nowhere known
    u1 = add(resident(app, "東京都千代田区1-1"))
    checkup(app, u1, "2026-06-01", False)

    # another municipality's resident, with their own consent and records
    o1 = add(resident(app, municipality_code=OTHER_CITY))
    checkup(app, o1, "2026-06-01", True, bmi="referral")
    return made


EXPECTED = {
    NORTH.id: counts(residents=7, with_checkup=6, at_risk=3, obesity=2, blood_pressure=1,
                     lipids=2, liver=1, checklist_65plus=1, care_risk_65plus=1),
    HAYASHIDA.id: counts(residents=4, with_checkup=4, at_risk=2, glucose=1, lipids=1,
                         liver=1, checklist_65plus=1),
    UNASSIGNED: counts(residents=1, with_checkup=1),
    TOTAL: counts(residents=12, with_checkup=11, at_risk=5, obesity=2, blood_pressure=1,
                  glucose=1, lipids=3, liver=2, checklist_65plus=2, care_risk_65plus=1),
}


def test_counts_by_district_by_hand(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    build_city(app)
    with Session(app.state.engine) as session:
        rows = tally(collect(session, app.state.settings.municipality_code, FY2026, DISTRICTS),
                     [d.id for d in DISTRICTS.districts])
        other = tally(collect(session, OTHER_CITY, FY2026, DISTRICTS), [])
        last_year = tally(collect(session, app.state.settings.municipality_code,
                                  FiscalYear(2025), DISTRICTS), [])
    assert rows == EXPECTED
    assert other[TOTAL] == counts(residents=1, with_checkup=1, at_risk=1, obesity=1)
    # fiscal year 2025: p6's check-up of 31 March 2026 only
    assert last_year[TOTAL] == counts(residents=1, with_checkup=1, at_risk=1, obesity=1)


@pytest.mark.sqlite_enough
def test_the_answer_hides_small_counts_and_names_nobody(database_url: str,
                                                        make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    made = build_city(app)
    code = app.state.settings.municipality_code
    with Session(app.state.engine) as session:
        strict = risk_counts(session, code, FY2026, min_cell=10, districts=DISTRICTS)
        loose = risk_counts(session, code, FY2026, min_cell=3, districts=DISTRICTS)
        floor = risk_counts(session, code, FY2026, min_cell=1, districts=DISTRICTS)
    text = repr(strict) + repr(loose)
    assert not [p.id for p in made if p.id in text]
    # k = 10: every district has fewer than 10 residents: each row is hidden whole.
    assert [row["suppressed"] for row in strict["districts"]] == [True, True]
    assert strict["unassigned"]["suppressed"] is True
    assert all(cell == {"count": None, "suppressed": True}
               for row in strict["districts"] for cell in row["cells"].values())
    # The total row (12 residents): every count but 12 and 11 is 1 to 9: hidden. The
    # residents and with_checkup columns hide three rows adding up to 12 and 11: fine.
    total = {name: cell["count"] for name, cell in strict["total"]["cells"].items()}
    assert total == {"residents": 12, "with_checkup": 11, **{
        name: None for name in COLUMNS if name not in ("residents", "with_checkup")}}
    assert strict["min_cell"] == 10 and strict["fiscal_year"] == 2026
    assert (strict["from"], strict["to"]) == ("2026-04-01", "2027-03-31")
    # k = 1 asked: 3 is used
    assert floor["min_cell"] == 3 and floor == loose
    # k = 3, by hand. 北 (7, 6, 3, 2, 1, 0, 2, 1, 1, 1): the 1s and 2s are hidden; at_risk 3
    # of 6 leaves 3: shown. 林田 (4, 4, 2, 0, 0, 1, 1, 1, 1, 0): the 1s and 2s are hidden.
    # unassigned (1 resident): hidden whole. Total (12, 11, 5, 2, 1, 1, 3, 2, 2, 1): the 1s
    # and 2s are hidden.
    # Columns: residents and with_checkup hide only the unassigned row (12 - 7 - 4 would
    # be its 1): 林田's 4 and 4, the smaller, go too. at_risk hides 林田's 2 and the
    # unassigned 0: 5 - 3 = 2 < 3: 北's 3 goes too. lipids hides 2 + 1 + 0 = 3: fine.
    north = {n: c["count"] for n, c in loose["districts"][0]["cells"].items()}
    hayashida = {n: c["count"] for n, c in loose["districts"][1]["cells"].items()}
    total = {n: c["count"] for n, c in loose["total"]["cells"].items()}
    assert north == {"residents": 7, "with_checkup": 6, "at_risk": None, "obesity": None,
                     "blood_pressure": None, "glucose": 0, "lipids": None, "liver": None,
                     "checklist_65plus": None, "care_risk_65plus": None}
    assert hayashida == {"residents": None, "with_checkup": None, "at_risk": None,
                         "obesity": 0, "blood_pressure": 0, "glucose": None, "lipids": None,
                         "liver": None, "checklist_65plus": None, "care_risk_65plus": 0}
    assert total == {"residents": 12, "with_checkup": 11, "at_risk": 5, "obesity": None,
                     "blood_pressure": None, "glucose": None, "lipids": 3, "liver": None,
                     "checklist_65plus": None, "care_risk_65plus": None}
    assert loose["unassigned"]["suppressed"] is True
    assert loose["districts"][1]["suppressed"] is False  # 4 residents >= 3
    assert all(cell["suppressed"] is (cell["count"] is None)
               for row in (*loose["districts"], loose["unassigned"], loose["total"])
               for cell in row["cells"].values())


# -- hiding, on counts made by hand -------------------------------------------------------

def test_a_single_hidden_cell_takes_the_next_smallest_of_its_row_and_column() -> None:
    rows = {
        "a": counts(residents=40, with_checkup=30, at_risk=12, obesity=4, blood_pressure=15,
                    glucose=11, lipids=20, liver=13),
        "b": counts(residents=50, with_checkup=40, at_risk=20, obesity=25, blood_pressure=18,
                    glucose=14, lipids=22, liver=16, checklist_65plus=12),
        UNASSIGNED: counts(),
        TOTAL: counts(residents=90, with_checkup=70, at_risk=32, obesity=29,
                      blood_pressure=33, glucose=25, lipids=42, liver=29, checklist_65plus=12),
    }
    hidden = suppress(rows, 10)
    # a.obesity (4) is small; alone in its row: a.glucose (11, the next smallest) goes too.
    # Each alone in its column: b's obesity (25) and glucose (14) go too; then every column
    # hides two cells whose sum (29, 25) is at least 10: done.
    assert hidden == {"a": {"obesity", "glucose"}, "b": {"obesity", "glucose"},
                      UNASSIGNED: set(), TOTAL: set()}


def test_complement_of_a_finding_and_whole_rows() -> None:
    rows = {
        "a": counts(residents=30, with_checkup=20, at_risk=18, obesity=10, blood_pressure=10,
                    glucose=10, lipids=10, liver=10),
        "small": counts(residents=9, with_checkup=9, at_risk=2),
        TOTAL: counts(residents=39, with_checkup=29, at_risk=20, obesity=10,
                      blood_pressure=10, glucose=10, lipids=10, liver=10),
    }
    hidden = suppress(rows, 10)
    # a.at_risk 18 of 20 tells that 2 are not: hidden; so is the total's 20 of 29 (9 not).
    # Each alone in its row: the next smallest above 0 (obesity, the first of the 10s) too.
    # "small" has 9 residents: hidden whole. Then every column whose total is shown hides
    # only "small" (or its 0s): a's count goes too, or, with a's at 0, the total's.
    assert hidden["small"] == set(COLUMNS)
    assert hidden["a"] == {"residents", "with_checkup", "at_risk", "obesity",
                           "blood_pressure", "glucose", "lipids", "liver"}
    assert hidden[TOTAL] == {"at_risk", "obesity", "checklist_65plus", "care_risk_65plus"}


def test_a_column_with_nothing_else_to_hide_hides_its_total() -> None:
    rows = {
        "a": counts(residents=40, with_checkup=30, at_risk=12, obesity=4, blood_pressure=15,
                    lipids=13, liver=16, checklist_65plus=25, care_risk_65plus=11),
        "b": counts(residents=30, with_checkup=30, at_risk=15, blood_pressure=15, glucose=5,
                    lipids=13, liver=16),
        TOTAL: counts(residents=70, with_checkup=60, at_risk=27, obesity=4,
                      blood_pressure=30, glucose=5, lipids=26, liver=32,
                      checklist_65plus=25, care_risk_65plus=11),
    }
    hidden = suppress(rows, 10)
    # primary: a.obesity 4, b.glucose 5, the total's obesity 4 and glucose 5.
    # rows: a's next smallest is care_risk 11; b's is lipids 13; the total has two.
    # columns: lipids hides b alone: a's 13 goes; care_risk hides a alone and b's is 0:
    # the total's care_risk goes.
    assert hidden["a"] == {"obesity", "care_risk_65plus", "lipids"}
    assert hidden["b"] == {"glucose", "lipids"}
    assert hidden[TOTAL] == {"obesity", "glucose", "care_risk_65plus"}


def test_zero_is_shown_and_large_counts_are_not_hidden() -> None:
    rows = {"a": counts(residents=10, with_checkup=10), TOTAL: counts(residents=10,
                                                                      with_checkup=10)}
    assert suppress(rows, 10) == {"a": set(), TOTAL: set()}


# -- settings and districts ---------------------------------------------------------------

@pytest.mark.parametrize(("raw", "k"), [("", 10), ("15", 15), ("3", 3), ("2", 3), ("0", 3),
                                        ("-5", 3), ("ten", 10), ("4.5", 10)])
def test_min_cell_setting(raw: str, k: int) -> None:
    assert min_cell_from_env({"TSUYAMA_HEALTH_MIN_CELL": raw}) == k


def test_fiscal_years() -> None:
    assert FiscalYear.of(date(2027, 3, 31)) == FiscalYear(2026)
    assert FiscalYear.of(date(2026, 4, 1)) == FiscalYear(2026)
    assert FiscalYear.of(date(2026, 3, 31)) == FiscalYear(2025)
    assert date(2026, 3, 31) not in FY2026 and date(2027, 4, 1) not in FY2026


def test_districts_are_the_points_tiles_data(tmp_path: Any) -> None:
    demo = load_districts({})
    assert demo.is_demo and len(demo.districts) == 8
    found = demo.for_address("岡山県津山市林田町10")
    assert found is not None and found.name == "林田"
    found = demo.for_address("岡山県津山市山北520")
    assert found is not None and found.name == "津山中央"
    assert demo.for_address("東京都千代田区") is None
    (tmp_path / "districts.json").write_text(
        '{"districts": [{"id": "x", "name": "東", "towns": ["東町"]}, {"name": "no id"}]}',
        encoding="utf-8")
    city = load_districts({"TSUYAMA_POINTS_DIR": str(tmp_path)})
    assert city == Districts((HealthDistrict("x", "東", "", ("東町",)),), is_demo=False)
    assert load_districts({"TSUYAMA_HEALTH_DISTRICTS": str(tmp_path / "none.json")}) == (
        Districts(()))
