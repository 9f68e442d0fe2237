"""受付番号: "手-" + the year + "-" + a six-digit sequence per municipality and year, e.g.
"手-2026-000123". Residents quote it on the phone and at the counter; staff find it by it.

The sequence comes from `procedure_number_counter`, bumped with `UPDATE ... RETURNING` in
the submission's transaction (the row lock makes concurrent submissions take turns; a
rolled-back one leaves at most a gap). The unique (municipality_code, number) constraint is
the backstop.
"""

from __future__ import annotations

from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend.services.clock import city_today
from backend.tiles.procedures.models import ProcedureNumberCounter

COUNTER: Table = ProcedureNumberCounter.__table__  # type: ignore[attr-defined]


def format_number(year: int, sequence: int) -> str:
    return f"手-{year:04d}-{sequence:06d}"


def next_number(session: Session, code: str) -> str:
    """The next 受付番号 of this (city) year; holds the year's counter until commit."""
    year = city_today().year
    bump = (update(COUNTER)
            .where(COUNTER.c.municipality_code == code, COUNTER.c.year == year)
            .values(value=COUNTER.c.value + 1)
            .returning(COUNTER.c.value))
    value = session.execute(bump).scalar_one_or_none()
    if value is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(COUNTER).values(municipality_code=code, year=year, value=0)
                        .on_conflict_do_nothing(index_elements=["municipality_code", "year"]))
        value = session.execute(bump).scalar_one()
    return format_number(year, value)
