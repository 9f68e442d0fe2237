"""Staff departments and a staff member's memberships (ADR 0023, docs/identity.md).

A scope is a department id ("waste") or a department and one of its units
("school:tsuyama-higashi-es", for the school tiles later). A staff route names the department
it serves (`backend.identity.dependencies.staff_of`); a member of another department is
refused. Memberships come from the identity provider's `tsuyama_departments` claim at login
(development provider only; replaced at each login) or are granted with
`python -m backend staff grant` (kept across logins).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select
from sqlmodel import Session, col

from backend.db import write_engine
from backend.models.staff_membership import SOURCE_ADMIN, SOURCE_IDP, StaffMembership
from backend.services.clock import utc_now


@dataclass(frozen=True)
class Department:
    id: str
    name_ja: str
    name_en: str
    serves: str  # what the department's staff screens cover


DEPARTMENTS: tuple[Department, ...] = (
    Department("waste", "環境事業課", "Environmental Services Division", "ごみ・粗大ごみ"),
    Department("citizens", "市民課", "Citizens Division", "手続き・窓口"),
    Department("children", "こども課", "Children's Division", "児童手当・子育て"),
    Department("care", "高齢介護福祉課", "Elderly Care and Welfare Division", "介護保険"),
    Department("health", "健康増進課", "Health Promotion Division", "健康"),
    Department("school", "学校教育課", "School Education Division", "学校"),
    Department("notices", "広報・情報発信", "Public Relations", "お知らせ"),
    Department("points", "地域振興課", "Regional Promotion Division", "ポイント"),
    Department("transit", "交通政策課", "Transport Policy Division", "交通"),
    # Manages staff memberships; reads no resident data by itself.
    Department("admin", "システム管理者", "System administrator", "職員の権限"),
)
DEPARTMENTS_BY_ID: dict[str, Department] = {d.id: d for d in DEPARTMENTS}

_UNIT = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class UnknownScope(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Scope:
    department: str
    unit: str = ""  # "" = the whole department

    @property
    def text(self) -> str:
        return f"{self.department}:{self.unit}" if self.unit else self.department


def parse_scope(text: str) -> Scope:
    """ "waste" or "school:some-school" → Scope; `UnknownScope` for anything else."""
    department, _, unit = text.strip().partition(":")
    if department not in DEPARTMENTS_BY_ID:
        raise UnknownScope(f"unknown department {department!r}; known: "
                           f"{', '.join(DEPARTMENTS_BY_ID)}")
    if unit and not _UNIT.fullmatch(unit):
        raise UnknownScope(f"a unit is lowercase letters, digits and '-': {unit!r}")
    return Scope(department, unit)


def scopes_from_claim(value: object) -> tuple[Scope, ...]:
    """The `tsuyama_departments` claim (a list of scope texts); unknown entries are dropped."""
    if not isinstance(value, list):
        return ()
    scopes: set[Scope] = set()
    for item in value:
        if isinstance(item, str):
            try:
                scopes.add(parse_scope(item))
            except UnknownScope:
                continue
    return tuple(sorted(scopes))


def scopes_of(connection: Session | Connection | Engine, person_id: str) -> tuple[Scope, ...]:
    """Everything `person_id` is a member of, sorted."""
    statement = select(col(StaffMembership.department), col(StaffMembership.unit)).where(
        col(StaffMembership.person_id) == person_id)
    if isinstance(connection, Engine):
        with connection.connect() as conn:
            rows = conn.execute(statement).all()
    else:
        rows = connection.execute(statement).all()
    return tuple(sorted(Scope(row.department, row.unit) for row in rows))


def replace_idp_scopes(session: Session, person_id: str, municipality_code: str,
                       scopes: Iterable[Scope], now: datetime) -> None:
    """At login: the provider's scopes replace the ones it gave before (granted ones stay)."""
    session.execute(delete(StaffMembership).where(
        col(StaffMembership.person_id) == person_id,
        col(StaffMembership.source) == SOURCE_IDP))
    granted = {Scope(m.department, m.unit) for m in session.scalars(
        select(StaffMembership).where(col(StaffMembership.person_id) == person_id))}
    for scope in sorted(set(scopes) - granted):
        session.add(StaffMembership(person_id=person_id, department=scope.department,
                                    unit=scope.unit, municipality_code=municipality_code,
                                    source=SOURCE_IDP, granted_by="identity provider",
                                    granted_at=now))


def grant(engine: Engine, person_id: str, municipality_code: str, scope: Scope,
          granted_by: str) -> bool:
    """Grant `scope` (kept across logins); False when the person already had it."""
    with Session(write_engine(engine)) as session:
        row = session.get(StaffMembership, (person_id, scope.department, scope.unit))
        if row is not None and row.source == SOURCE_ADMIN:
            return False
        if row is None:
            row = StaffMembership(person_id=person_id, department=scope.department,
                                  unit=scope.unit, municipality_code=municipality_code,
                                  source=SOURCE_ADMIN, granted_at=utc_now())
        row.source = SOURCE_ADMIN
        row.granted_by = granted_by[:200]
        row.granted_at = utc_now()
        session.add(row)
        session.commit()
    return True


def revoke(engine: Engine, person_id: str, scope: Scope) -> bool:
    """Remove `scope` (whatever its source); False when the person did not have it.

    A scope the identity provider gives comes back at the next login: revoke it there."""
    with Session(write_engine(engine)) as session:
        row = session.get(StaffMembership, (person_id, scope.department, scope.unit))
        if row is None:
            return False
        session.delete(row)
        session.commit()
    return True


def delete_memberships(session: Session, person_id: str) -> None:
    """Account deletion: the person keeps no staff scope."""
    session.execute(delete(StaffMembership).where(
        col(StaffMembership.person_id) == person_id))
