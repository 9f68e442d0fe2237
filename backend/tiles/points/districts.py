"""District recycling goals: 「ご近所さんと合計で50kgの成果があり、地域ポイントが貰えた」.

Staff of 地域振興課 record each district's sorted-recyclables weight per month
(`record_weight`); when it reaches the district's goal (`districts.json`), every household
of the district that takes part (`set_opt_in`) earns the district's points once for that
month. The unique (municipality, period, household) row of `points_district_grant` makes it
once, however often the weight is recorded again; recording it again (or later in the
month) also grants households that joined since.

Who receives: one grant per household, to the member who turned the household's taking
part on (any card-verified adult member may; the latest one receives), provided they still
live in the household. One per household rather than per adult: the goal rewards a
household's sorting, and the amount is the district's, whatever the household's size.

A household's district: the resident's chosen waste district (the synced preference
`waste.district`, an area id of the waste tile) if it is one of the goals' districts, else
the district one of whose towns (町字) appears in the household's address.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from backend.models import Person, Preference
from backend.models.household import Household
from backend.models.person import ASSURANCE_CARD
from backend.services.clock import city_today
from backend.services.households import member_of
from backend.tiles.points import ledger
from backend.tiles.points.earning_models import (
    PointsDistrictGrant,
    PointsDistrictOptIn,
    PointsDistrictWeight,
)
from backend.tiles.points.errors import PointsError
from backend.tiles.points.rules import District
from backend.tiles.points.rules_store import active_district, active_districts
from backend.tiles.points.settings import PointsSettings

PURPOSE = "district_goal"
GRANT_SCOPE = "tile:points-district"
WASTE_DISTRICT_KEY = "waste.district"
PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
HISTORY_MONTHS = 6


class NoHousehold(PointsError):
    code = "no_household"


class NoDistrict(PointsError):
    code = "no_district"


class UnknownDistrict(PointsError):
    code = "unknown_district"
    status = 422


class ResidentsOnly(PointsError):
    code = "not_eligible"
    status = 403


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def recent_periods(today: date, count: int = HISTORY_MONTHS) -> list[str]:
    """The last `count` months up to `today`'s, oldest first."""
    year, month = today.year, today.month
    found: list[str] = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(found))


def district_for_address(address: str | None, districts: list[District]) -> District | None:
    """The district whose name or one of whose towns appears in `address`, the longest
    match first (「林田町」 before 「林田」)."""
    if not address:
        return None
    best: tuple[int, District] | None = None
    for district in districts:
        for name in (district.name, *district.towns):
            if name and name in address and (best is None or len(name) > best[0]):
                best = (len(name), district)
    return best[1] if best else None


@dataclass(frozen=True)
class HouseholdPlace:
    household_id: str
    district: District | None


def household_place(session: Session, person: Person) -> HouseholdPlace | None:
    """The caller's household and its district; None without a household."""
    member = member_of(session, person.municipality_code, person.id)
    if member is None:
        return None
    code = person.municipality_code
    chosen = session.get(Preference, (person.id, WASTE_DISTRICT_KEY))
    if chosen is not None:
        try:
            district_id = json.loads(chosen.value)
        except ValueError:
            district_id = None
        if isinstance(district_id, str) and (
                found := active_district(session, code, district_id)) is not None:
            return HouseholdPlace(member.household_id, found)
    household = session.get(Household, member.household_id)
    districts = active_districts(session, code)
    guess = district_for_address(household.address if household else None, districts)
    return HouseholdPlace(member.household_id, guess or district_for_address(person.address,
                                                                             districts))


def _opt_in(session: Session, household_id: str) -> PointsDistrictOptIn | None:
    return session.get(PointsDistrictOptIn, household_id)


def progress(session: Session, person: Person, periods: list[str]) -> dict[str, Any]:
    """`GET /points/district-progress`: the caller's district toward its goal."""
    place = household_place(session, person)
    district = place.district if place else None
    opt_in = _opt_in(session, place.household_id) if place else None
    document: dict[str, Any] = {
        "district": None, "goal_kg": None, "points": None, "periods": [],
        "opted_in": bool(opt_in and opt_in.opted_in),
        "has_household": place is not None}
    if district is None:
        return document
    code = person.municipality_code
    weights = {row.period: row for row in session.exec(select(PointsDistrictWeight).where(
        col(PointsDistrictWeight.municipality_code) == code,
        col(PointsDistrictWeight.district_id) == district.id,
        col(PointsDistrictWeight.period).in_(periods)))}
    granted: set[str] = set()
    if place is not None:
        granted = set(session.exec(select(PointsDistrictGrant.period).where(
            col(PointsDistrictGrant.municipality_code) == code,
            col(PointsDistrictGrant.household_id) == place.household_id,
            col(PointsDistrictGrant.period).in_(periods))))
    rows = []
    for period in periods:
        weight = weights.get(period)
        grams = weight.grams if weight else 0
        goal = weight.goal_grams if weight else district.goal_grams
        rows.append({"period": period, "kg": grams / 1000, "goal_kg": goal / 1000,
                     "reached": grams >= goal, "granted": period in granted})
    document.update({"district": {"id": district.id, "name": district.name,
                                  "name_en": district.name_en},
                     "goal_kg": district.goal_kg, "points": district.points,
                     "periods": rows})
    return document


def staff_overview(session: Session, code: str, period: str) -> dict[str, Any]:
    """`GET /staff/points/districts`: every active district with its goal and what was
    recorded for `period` (None when nothing yet), for the staff's weight form."""
    districts = active_districts(session, code)
    weights = {row.district_id: row for row in session.exec(select(PointsDistrictWeight).where(
        col(PointsDistrictWeight.municipality_code) == code,
        col(PointsDistrictWeight.period) == period))}
    rows = []
    for district in districts:
        weight = weights.get(district.id)
        rows.append({**district.data(), "period": period,
                     "kg": weight.grams / 1000 if weight else None,
                     "reached": bool(weight and weight.grams >= weight.goal_grams)})
    return {"period": period, "districts": rows}


def set_opt_in(session: Session, person: Person, opted_in: bool, now: datetime) -> None:
    """The caller's household takes part in (or leaves) its district's goal."""
    if person.assurance_level != ASSURANCE_CARD:
        raise ResidentsOnly("the district goal is for residents logged in with the My Number "
                            "card（マイナンバーカードでログインした住民の方が対象です）")
    place = household_place(session, person)
    if place is None:
        raise NoHousehold("you are not in a household of the city's registry"
                          "（世帯の情報がありません）")
    if place.district is None:
        raise NoDistrict("your district could not be found from your address; choose your "
                         "district in the waste tile（ごみのページで地区を選んでください）")
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"household_id": place.household_id, "municipality_code": person.municipality_code,
              "district_id": place.district.id, "opted_in": opted_in, "person_id": person.id,
              "updated_at": now}
    statement = dialect.insert(PointsDistrictOptIn).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["household_id"],
        set_={name: getattr(statement.excluded, name) for name in values
              if name != "household_id"}))


@dataclass(frozen=True)
class WeightResult:
    district: District
    period: str
    grams: int
    goal_grams: int
    granted: int  # households granted by this recording

    @property
    def reached(self) -> bool:
        return self.grams >= self.goal_grams

    def to_json(self) -> dict[str, Any]:
        return {"district_id": self.district.id, "district": self.district.name,
                "period": self.period, "kg": self.grams / 1000,
                "goal_kg": self.goal_grams / 1000, "reached": self.reached,
                "granted_households": self.granted}


def check_period(period: str, today: date) -> None:
    """A month in YYYY-MM, not after the current one."""
    matched = PERIOD.fullmatch(period)
    if matched is None or int(matched.group(1)) < 2000:
        raise ValueError("period must be a month YYYY-MM")
    if period > period_of(today):
        raise ValueError("period cannot be a month still to come")


def record_weight(session: Session, *, staff_id: str, municipality_code: str,
                  district_id: str, period: str, grams: int, now: datetime) -> WeightResult:
    """Record (or correct) a district's weight for a month; grant if the goal is reached."""
    district = active_district(session, municipality_code, district_id)
    if district is None:
        raise UnknownDistrict(f"no recycling district {district_id!r}",
                              district_id=district_id)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"municipality_code": municipality_code, "district_id": district.id,
              "period": period, "grams": grams, "goal_grams": district.goal_grams,
              "recorded_by": staff_id, "recorded_at": now}
    statement = dialect.insert(PointsDistrictWeight).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["municipality_code", "district_id", "period"],
        set_={"grams": statement.excluded.grams, "recorded_by": statement.excluded.recorded_by,
              "recorded_at": statement.excluded.recorded_at}))
    stored = session.get(PointsDistrictWeight, (municipality_code, district.id, period))
    assert stored is not None
    session.refresh(stored)
    granted = 0
    if stored.grams >= stored.goal_grams:
        granted = grant_period(session, municipality_code, district, period, now)
    return WeightResult(district, period, stored.grams, stored.goal_grams, granted)


def grant_period(session: Session, municipality_code: str, district: District, period: str,
                 now: datetime) -> int:
    """Grant every taking-part household of `district` not yet granted for `period`."""
    already = set(session.exec(select(PointsDistrictGrant.household_id).where(
        col(PointsDistrictGrant.municipality_code) == municipality_code,
        col(PointsDistrictGrant.period) == period)))
    opted = session.exec(select(PointsDistrictOptIn).where(
        col(PointsDistrictOptIn.municipality_code) == municipality_code,
        col(PointsDistrictOptIn.district_id) == district.id,
        col(PointsDistrictOptIn.opted_in).is_(True),
    ).order_by(col(PointsDistrictOptIn.household_id))).all()
    expiry_days = PointsSettings.from_env(os.environ).expiry_days
    granted = 0
    for opt_in in opted:
        if opt_in.household_id in already:
            continue
        recipient = session.get(Person, opt_in.person_id)
        member = member_of(session, municipality_code, opt_in.person_id)
        if (recipient is None or not recipient.active or member is None
                or member.household_id != opt_in.household_id):
            continue  # moved out or closed the account: the household must opt in again
        transfer = ledger.earn(
            session, person_id=recipient.id, amount=district.points, purpose=PURPOSE,
            idempotency_key=f"district:{period}:{opt_in.household_id}",
            reference=f"{district.id}:{period}", scope=GRANT_SCOPE,
            expiry_days=expiry_days, now=now)
        session.add(PointsDistrictGrant(
            municipality_code=municipality_code, period=period,
            household_id=opt_in.household_id, district_id=district.id,
            person_id=recipient.id, transfer_id=transfer.transfer_id, granted_at=now))
        granted += 1
    session.flush()
    return granted


def default_periods(now: datetime) -> list[str]:
    return recent_periods(city_today(now))
