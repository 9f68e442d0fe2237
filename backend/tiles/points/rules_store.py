"""Publishing the city's earning rules and districts to the database, and reading them.

Publishing makes the municipality's active rules (and districts) exactly those of the
folder: new and changed ones are written, ones the folder no longer has become inactive
(claims made under them still name them). A file that could not be read deactivates
nothing. Start-up loading of the demo never replaces a city's own published data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from backend.db import write_engine
from backend.services.clock import utc_now
from backend.tiles.points.earning_models import PointsDistrictRow, PointsRuleRow
from backend.tiles.points.rules import District, EarnRule, RulesFolder

logger = logging.getLogger(__name__)

_PG_LOCK_ID = 332038_0015


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class PublishResult:
    rules_changed: int = 0
    rules_retired: int = 0
    districts_changed: int = 0
    districts_retired: int = 0
    skipped: str = ""  # why nothing was published

    def summary(self) -> str:
        if self.skipped:
            return f"nothing published: {self.skipped}"
        return (f"published: {self.rules_changed} rules added or changed, "
                f"{self.rules_retired} retired; {self.districts_changed} districts added or "
                f"changed, {self.districts_retired} retired")


def has_city_data(session: Session, code: str) -> bool:
    """Whether rules or districts that are not demo data are published."""
    for table in (PointsRuleRow, PointsDistrictRow):
        found = session.exec(select(table).where(
            col(table.municipality_code) == code, col(table.is_demo).is_(False),
            col(table.active).is_(True))).first()
        if found is not None:
            return True
    return False


def _upsert(session: Session, table: type[PointsRuleRow] | type[PointsDistrictRow],
            values: dict[str, Any]) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["municipality_code", "id"],
        set_={name: getattr(statement.excluded, name) for name in values
              if name not in ("municipality_code", "id")}))


def _publish_rules(session: Session, code: str, rules: list[EarnRule], is_demo: bool) -> tuple[
        int, int]:
    now = utc_now()
    existing = {row.id: row for row in session.exec(
        select(PointsRuleRow).where(col(PointsRuleRow.municipality_code) == code))}
    changed = 0
    for rule in rules:
        data = _canonical(rule.data())
        row = existing.get(rule.id)
        if row is not None and row.data == data and row.active and row.is_demo == is_demo:
            continue
        _upsert(session, PointsRuleRow, {"municipality_code": code, "id": rule.id,
                                         "purpose": rule.purpose, "data": data, "active": True,
                                         "is_demo": is_demo, "updated_at": now})
        changed += 1
    gone = [rule_id for rule_id, row in existing.items()
            if row.active and rule_id not in {rule.id for rule in rules}]
    if gone:
        session.execute(update(PointsRuleRow).where(
            col(PointsRuleRow.municipality_code) == code, col(PointsRuleRow.id).in_(gone)
        ).values(active=False, updated_at=now))
    return changed, len(gone)


def _publish_districts(session: Session, code: str, districts: list[District], is_demo: bool
                       ) -> tuple[int, int]:
    now = utc_now()
    existing = {row.id: row for row in session.exec(
        select(PointsDistrictRow).where(col(PointsDistrictRow.municipality_code) == code))}
    changed = 0
    for district in districts:
        data = _canonical(district.data())
        row = existing.get(district.id)
        if row is not None and row.data == data and row.active and row.is_demo == is_demo:
            continue
        _upsert(session, PointsDistrictRow, {
            "municipality_code": code, "id": district.id, "name": district.name,
            "goal_grams": district.goal_grams, "points": district.points, "data": data,
            "active": True, "is_demo": is_demo, "updated_at": now})
        changed += 1
    gone = [district_id for district_id, row in existing.items()
            if row.active and district_id not in {d.id for d in districts}]
    if gone:
        session.execute(update(PointsDistrictRow).where(
            col(PointsDistrictRow.municipality_code) == code,
            col(PointsDistrictRow.id).in_(gone)).values(active=False, updated_at=now))
    return changed, len(gone)


def publish(engine: Engine, code: str, folder: RulesFolder, *, unless_city_data: bool = False
            ) -> PublishResult:
    """Make `folder`'s rules and districts the municipality's (one transaction)."""
    result = PublishResult()
    with Session(write_engine(engine)) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        if unless_city_data and has_city_data(session, code):
            result.skipped = "the city's own rules are published"
            return result
        if folder.rules_file_ok:
            result.rules_changed, result.rules_retired = _publish_rules(
                session, code, folder.rules, folder.is_demo)
        if folder.districts_file_ok:
            result.districts_changed, result.districts_retired = _publish_districts(
                session, code, folder.districts, folder.is_demo)
        session.commit()
    return result


def active_rules(session: Session, code: str) -> list[EarnRule]:
    rows = session.exec(select(PointsRuleRow).where(
        col(PointsRuleRow.municipality_code) == code, col(PointsRuleRow.active).is_(True)
    ).order_by(col(PointsRuleRow.id)))
    return [EarnRule.from_data(json.loads(row.data)) for row in rows]


def active_rule(session: Session, code: str, rule_id: str) -> EarnRule | None:
    row = session.get(PointsRuleRow, (code, rule_id))
    if row is None or not row.active:
        return None
    return EarnRule.from_data(json.loads(row.data))


def _district(row: PointsDistrictRow) -> District:
    return District.from_data(json.loads(row.data), row.goal_grams, row.points)


def active_districts(session: Session, code: str) -> list[District]:
    rows = session.exec(select(PointsDistrictRow).where(
        col(PointsDistrictRow.municipality_code) == code,
        col(PointsDistrictRow.active).is_(True)).order_by(col(PointsDistrictRow.id)))
    return [_district(row) for row in rows]


def active_district(session: Session, code: str, district_id: str) -> District | None:
    row = session.get(PointsDistrictRow, (code, district_id))
    return None if row is None or not row.active else _district(row)
