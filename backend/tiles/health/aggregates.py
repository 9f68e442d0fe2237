"""The city's view of health risks (issue 17): counts by district, never individuals.

Who is counted: residents of the municipality (accounts not deleted) whose latest
`health_data_analysis` decision in the consent ledger is a grant of the purpose's current
text version (`backend.services.consents.is_effective`; no row, a revocation or a grant of
an older text: not counted), and who synced at least one non-deleted `checkup` record of the
fiscal year (April to March, by the record's `data.date`), or, aged 65 or more on its date,
a `checklist` record of that year. A record about someone else (a `subject` in its data
that is not the account's own id: a child whose records a parent keeps) is not counted: the
consent is the account holder's. Per person the latest record of each kind in the year
counts (by `data.date`; the one written last breaks a tie).

What is counted, per district (`COLUMNS`): the residents of the row, those with a check-up,
among them those whose latest check-up says `at_risk: true`, and per category
(`CATEGORIES`) those with any of its items at `guidance` or `referral`; those aged 65+ with
a 基本チェックリスト and among them those whose `result.overall` is true (要介護リスク).

A person's district: the resident's chosen waste district (the synced preference
`waste.district`) when it is one of the districts, else the district one of whose towns
(町字), or whose name, appears in the household's address, else in the person's own address
(the longest match first), else "unassigned". This is how the points tile finds a
household's district (backend/tiles/points/districts.py); that module is not a tile-public
API (`backend.tiles.points.api` does not offer it), so the rule is written again here over
the same districts data: `TSUYAMA_HEALTH_DISTRICTS` (a districts.json file), else the
points folder's `districts.json` (`TSUYAMA_POINTS_DIR`), else the demo districts.

Small counts are hidden (`suppress`, docs/health_city_aggregates.md): k =
`TSUYAMA_HEALTH_MIN_CELL` (10 by default, never below 3).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.models import HealthRecord, Person, Preference
from backend.models.consent_record import ConsentRecord
from backend.models.household import Household, HouseholdMember
from backend.services.clock import age_on
from backend.services.consent_catalog import catalog
from backend.services.consents import is_effective

logger = logging.getLogger(__name__)

PURPOSE = "health_data_analysis"
MIN_CELL_VARIABLE = "TSUYAMA_HEALTH_MIN_CELL"
DEFAULT_MIN_CELL = 10
LOWEST_MIN_CELL = 3
DISTRICTS_VARIABLE = "TSUYAMA_HEALTH_DISTRICTS"
POINTS_DIR_VARIABLE = "TSUYAMA_POINTS_DIR"  # the points tile's folder of districts.json
DEMO_DISTRICTS_PATH = (Path(__file__).resolve().parents[3] / "assets" / "points"
                       / "tsuyama_demo" / "districts.json")
WASTE_DISTRICT_KEY = "waste.district"
CHECKLIST_AGE = 65
FLAGGED_LEVELS = frozenset({"guidance", "referral"})
_CHUNK = 500  # ids per IN (...) list

# The check-up items of each category (the items of `levels` in a checkup record).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "obesity": ("bmi", "waist_cm"),
    "blood_pressure": ("sbp", "dbp"),
    "glucose": ("fasting_glucose", "hba1c"),
    "lipids": ("tg", "hdl", "ldl"),
    "liver": ("ast", "alt", "ggt"),
}
COLUMNS: tuple[str, ...] = ("residents", "with_checkup", "at_risk", *CATEGORIES,
                            "checklist_65plus", "care_risk_65plus")
# Each health finding is part of the count named here (its base): showing both tells their
# difference too ("47 of 50 at risk" says that 3 are not).
BASES: dict[str, str] = {"at_risk": "with_checkup",
                         **{name: "with_checkup" for name in CATEGORIES},
                         "care_risk_65plus": "checklist_65plus"}
UNASSIGNED = "unassigned"
TOTAL = "total"


# -- settings ----------------------------------------------------------------------------

def min_cell_from_env(environ: Mapping[str, str]) -> int:
    """k: counts from 1 to k-1 are hidden. A value that is not a whole number gives the
    default; one below 3 gives 3 (both logged): a mistake makes the answer stricter."""
    raw = environ.get(MIN_CELL_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MIN_CELL
    try:
        value = int(raw)
    except ValueError:
        logger.warning("%s=%r is not a whole number: %d is used", MIN_CELL_VARIABLE, raw,
                       DEFAULT_MIN_CELL)
        return DEFAULT_MIN_CELL
    if value < LOWEST_MIN_CELL:
        logger.warning("%s=%d is below %d: %d is used", MIN_CELL_VARIABLE, value,
                       LOWEST_MIN_CELL, LOWEST_MIN_CELL)
        return LOWEST_MIN_CELL
    return value


@dataclass(frozen=True)
class FiscalYear:
    """年度 `year`: 1 April `year` to 31 March `year + 1`."""

    year: int

    @property
    def first_day(self) -> date:
        return date(self.year, 4, 1)

    @property
    def last_day(self) -> date:
        return date(self.year + 1, 3, 31)

    def __contains__(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    @classmethod
    def of(cls, day: date) -> FiscalYear:
        return cls(day.year if day.month >= 4 else day.year - 1)


# -- districts ---------------------------------------------------------------------------

@dataclass(frozen=True)
class HealthDistrict:
    id: str
    name: str
    name_en: str = ""
    towns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Districts:
    districts: tuple[HealthDistrict, ...]
    is_demo: bool = False

    def by_id(self, district_id: object) -> HealthDistrict | None:
        return next((d for d in self.districts if d.id == district_id), None)

    def for_address(self, address: str | None) -> HealthDistrict | None:
        """The district whose name or one of whose towns appears in `address`, the longest
        match first (「林田町」 before 「林田」), as the points tile does."""
        if not address:
            return None
        best: tuple[int, HealthDistrict] | None = None
        for district in self.districts:
            for name in (district.name, *district.towns):
                if name and name in address and (best is None or len(name) > best[0]):
                    best = (len(name), district)
        return best[1] if best else None


def parse_districts(document: object) -> Districts:
    """A districts.json document (the points tile's format); entries without an id or a
    name are skipped."""
    entries = document.get("districts") if isinstance(document, Mapping) else None
    found: list[HealthDistrict] = []
    seen: set[str] = set()
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        district_id, name = entry.get("id"), entry.get("name")
        if not isinstance(district_id, str) or not isinstance(name, str) or not (
                district_id and name) or district_id in seen:
            continue
        seen.add(district_id)
        name_en = entry.get("name_en")
        towns = entry.get("towns")
        found.append(HealthDistrict(
            district_id, name, name_en if isinstance(name_en, str) else "",
            tuple(t for t in towns if isinstance(t, str) and t) if isinstance(towns, list)
            else ()))
    demo = isinstance(document, Mapping) and document.get("is_demo") is True
    return Districts(tuple(found), is_demo=demo)


def districts_path(environ: Mapping[str, str]) -> Path:
    own = environ.get(DISTRICTS_VARIABLE, "").strip()
    if own:
        return Path(own).expanduser()
    points_dir = environ.get(POINTS_DIR_VARIABLE, "").strip()
    if points_dir:
        return Path(points_dir).expanduser() / "districts.json"
    return DEMO_DISTRICTS_PATH


def load_districts(environ: Mapping[str, str] | None = None) -> Districts:
    """The districts to count by; none (everyone unassigned) when the file is unreadable."""
    path = districts_path(os.environ if environ is None else environ)
    try:
        return parse_districts(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        logger.error("health districts not read from %s: %s", path, exc)
        return Districts(())


# -- the people and their records -------------------------------------------------------

@dataclass(frozen=True)
class Checkup:
    day: date
    at_risk: bool
    categories: frozenset[str]


@dataclass
class PersonFacts:
    """What is counted of one person; never leaves this module."""

    district: str  # a district id or UNASSIGNED
    checkup: Checkup | None = None
    care_risk: bool | None = None  # the latest checklist's overall result, 65+ only


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start:start + _CHUNK])


def consenting_people(session: Session, code: str) -> dict[str, Person]:
    """Active people of `code` whose latest decision grants the purpose's current text."""
    purpose = catalog()[PURPOSE]
    latest = (select(func.max(col(ConsentRecord.id)).label("id"))
              .where(col(ConsentRecord.municipality_code) == code,
                     col(ConsentRecord.purpose) == PURPOSE)
              .group_by(col(ConsentRecord.person_id))
              .subquery())
    rows = session.exec(
        select(ConsentRecord, Person)
        .join(latest, col(ConsentRecord.id) == latest.c.id)
        .join(Person, col(Person.id) == col(ConsentRecord.person_id))
        .where(col(Person.municipality_code) == code, col(Person.deleted_at).is_(None)))
    return {person.id: person for record, person in rows if is_effective(record, purpose)}


def _day(data: Mapping[str, Any]) -> date | None:
    raw = data.get("date")
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _checkup(data: Mapping[str, Any], day: date) -> Checkup:
    levels = data.get("levels")
    levels = levels if isinstance(levels, Mapping) else {}
    flagged = frozenset(name for name, items in CATEGORIES.items()
                        if any(levels.get(item) in FLAGGED_LEVELS for item in items))
    return Checkup(day, data.get("at_risk") is True, flagged)


@dataclass
class _Latest:
    """The latest valid record of one kind of one person: (date, written at, id)."""

    order: tuple[date, str, str] | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def offer(self, order: tuple[date, str, str], data: Mapping[str, Any]) -> None:
        if self.order is None or order > self.order:
            self.order, self.data = order, data


def _latest_records(session: Session, code: str, people: Mapping[str, Person],
                    year: FiscalYear) -> tuple[dict[str, _Latest], dict[str, _Latest], int]:
    """Per person, the latest checkup and checklist of the year; and how many records were
    skipped as unreadable (a count only: nothing about whose)."""
    checkups: dict[str, _Latest] = defaultdict(_Latest)
    checklists: dict[str, _Latest] = defaultdict(_Latest)
    skipped = 0
    for ids in _chunks(sorted(people)):
        rows = session.exec(select(HealthRecord).where(
            col(HealthRecord.municipality_code) == code,
            col(HealthRecord.person_id).in_(ids),
            col(HealthRecord.kind).in_(("checkup", "checklist")),
            col(HealthRecord.deleted_at).is_(None)))
        for row in rows:
            try:
                data = json.loads(row.body)
            except ValueError:
                data = None
            day = _day(data) if isinstance(data, dict) else None
            if not isinstance(data, dict) or day is None:
                skipped += 1
                continue
            subject = data.get("subject")
            if day not in year or (subject is not None and subject != row.person_id):
                continue
            order = (day, row.created_at.isoformat(), row.id)
            if row.kind == "checkup":
                checkups[row.person_id].offer(order, data)
            else:
                result = data.get("result")
                if not isinstance(result, Mapping) or not isinstance(result.get("overall"),
                                                                     bool):
                    skipped += 1
                    continue
                checklists[row.person_id].offer(order, data)
    return checkups, checklists, skipped


def _districts_of(session: Session, code: str, people: Mapping[str, Person],
                  districts: Districts) -> dict[str, str]:
    """Each person's district id (or UNASSIGNED); see the module's docstring."""
    chosen: dict[str, object] = {}
    households: dict[str, str | None] = {}
    for ids in _chunks(sorted(people)):
        for pref in session.exec(select(Preference).where(
                col(Preference.key) == WASTE_DISTRICT_KEY,
                col(Preference.person_id).in_(ids))):
            with contextlib.suppress(ValueError):
                chosen[pref.person_id] = json.loads(pref.value)
        for person_id, address in session.exec(
                select(col(HouseholdMember.person_id), col(Household.address))
                .join(Household, col(Household.id) == col(HouseholdMember.household_id))
                .where(col(HouseholdMember.municipality_code) == code,
                       col(HouseholdMember.person_id).in_(ids))):
            if person_id is not None:
                households.setdefault(person_id, address)
    found: dict[str, str] = {}
    for person_id, person in people.items():
        district = (districts.by_id(chosen.get(person_id))
                    or districts.for_address(households.get(person_id))
                    or districts.for_address(person.address))
        found[person_id] = district.id if district else UNASSIGNED
    return found


def collect(session: Session, code: str, year: FiscalYear, districts: Districts
            ) -> list[PersonFacts]:
    """The facts counted, one per consenting person with something to count."""
    people = consenting_people(session, code)
    checkups, checklists, skipped = _latest_records(session, code, people, year)
    if skipped:
        logger.warning("health risk counts: %d unreadable records skipped", skipped)
    counted = sorted(set(checkups) | set(checklists))
    where = _districts_of(session, code, {pid: people[pid] for pid in counted}, districts)
    facts: list[PersonFacts] = []
    for person_id in counted:
        fact = PersonFacts(where[person_id])
        latest = checkups.get(person_id)
        if latest is not None and latest.order is not None:
            fact.checkup = _checkup(latest.data, latest.order[0])
        listed = checklists.get(person_id)
        if listed is not None and listed.order is not None:
            age = age_on(people[person_id].birthdate, listed.order[0])
            if age is not None and age >= CHECKLIST_AGE:
                fact.care_risk = bool(listed.data["result"]["overall"])
        if fact.checkup is not None or fact.care_risk is not None:
            facts.append(fact)
    return facts


# -- counting and hiding ------------------------------------------------------------------

Counts = dict[str, int]


def empty_counts() -> Counts:
    return dict.fromkeys(COLUMNS, 0)


def tally(facts: Iterable[PersonFacts], district_ids: Iterable[str]) -> dict[str, Counts]:
    """Counts per district id (every id given, UNASSIGNED, and TOTAL)."""
    rows: dict[str, Counts] = {key: empty_counts() for key in (*district_ids, UNASSIGNED)}
    rows[TOTAL] = empty_counts()
    for fact in facts:
        for row in (rows.setdefault(fact.district, empty_counts()), rows[TOTAL]):
            row["residents"] += 1
            if fact.checkup is not None:
                row["with_checkup"] += 1
                row["at_risk"] += fact.checkup.at_risk
                for name in fact.checkup.categories:
                    row[name] += 1
            if fact.care_risk is not None:
                row["checklist_65plus"] += 1
                row["care_risk_65plus"] += fact.care_risk
    return rows


def _small(value: int, k: int) -> bool:
    return 1 <= value < k


def suppress(rows: Mapping[str, Counts], k: int) -> dict[str, set[str]]:
    """The hidden cells of each row (`rows` as `tally` gives them: TOTAL is the sum of the
    others). docs/health_city_aggregates.md says why each rule is there.

    1. A row of 1 to k-1 residents is hidden whole.
    2. Primary: a count of 1 to k-1 is hidden.
    3. Complement: a count whose base (`BASES`) is shown and differs from it by 1 to k-1 is
       hidden (47 of 50 at risk would tell that 3 are not).
    4. Secondary, repeated until nothing changes:
       a. a row with exactly one hidden cell hides its next smallest count above 0 too;
       b. in a column whose total is shown, when exactly one district's cell is hidden, or
          the hidden cells add up to less than k (the total minus the shown ones), the next
          smallest shown count above 0 is hidden too; with none left, the total's cell is.
    A 0 is shown (it tells nothing about anyone)."""
    hidden: dict[str, set[str]] = {key: set() for key in rows}
    for key, row in rows.items():
        if _small(row["residents"], k):
            hidden[key] = set(COLUMNS)
            continue
        hidden[key] = {name for name in COLUMNS if _small(row[name], k)}
        for name, base in BASES.items():
            if base not in hidden[key] and _small(row[base] - row[name], k):
                hidden[key].add(name)
    parts = [key for key in rows if key != TOTAL]
    changed = True
    while changed:
        changed = False
        for key in rows:
            if len(hidden[key]) == 1:
                changed |= _hide_smallest(hidden, [(key, name) for name in COLUMNS], rows)
        if TOTAL not in rows:
            continue
        for name in COLUMNS:
            if name in hidden[TOTAL]:
                continue
            covered = [key for key in parts if name in hidden[key]]
            shown_sum = sum(rows[key][name] for key in parts if key not in covered)
            if covered and (len(covered) == 1 or rows[TOTAL][name] - shown_sum < k):
                if not _hide_smallest(hidden, [(key, name) for key in parts], rows):
                    hidden[TOTAL].add(name)
                changed = True
    return hidden


def _hide_smallest(hidden: dict[str, set[str]], cells: list[tuple[str, str]],
                   rows: Mapping[str, Counts]) -> bool:
    """Hide the smallest shown count above 0 among `cells` (the first on a tie)."""
    shown = [(rows[key][name], index, key, name) for index, (key, name) in enumerate(cells)
             if name not in hidden[key] and rows[key][name] > 0]
    if not shown:
        return False
    _value, _index, key, name = min(shown)
    hidden[key].add(name)
    return True


# -- the answer ---------------------------------------------------------------------------

def _row_json(counts: Counts, hidden: set[str], k: int) -> dict[str, Any]:
    return {"suppressed": _small(counts["residents"], k),
            "cells": {name: {"count": None if name in hidden else counts[name],
                             "suppressed": name in hidden} for name in COLUMNS}}


def risk_counts(session: Session, code: str, year: FiscalYear, *, min_cell: int,
                districts: Districts) -> dict[str, Any]:
    """`GET /staff/health/risk-counts`: the counts of `code`'s consenting residents for
    `year`, by district, small counts hidden. Nothing in it names or ids a person."""
    k = max(min_cell, LOWEST_MIN_CELL)
    ids = [d.id for d in districts.districts]
    rows = tally(collect(session, code, year, districts), ids)
    hidden = suppress(rows, k)
    logger.info("health risk counts for fiscal year %d: %d districts", year.year, len(ids))
    return {
        "fiscal_year": year.year,
        "from": year.first_day.isoformat(),
        "to": year.last_day.isoformat(),
        "min_cell": k,
        "columns": list(COLUMNS),
        "categories": {name: list(items) for name, items in CATEGORIES.items()},
        "districts_demo": districts.is_demo,
        "districts": [{"id": d.id, "name": d.name, "name_en": d.name_en,
                       **_row_json(rows[d.id], hidden[d.id], k)} for d in districts.districts],
        "unassigned": _row_json(rows[UNASSIGNED], hidden[UNASSIGNED], k),
        "total": _row_json(rows[TOTAL], hidden[TOTAL], k),
    }
