"""受付番号: "手-" + the year + "-" + a six-digit sequence per municipality and year, e.g.
"手-2026-000123". Residents quote it on the phone and at the counter; staff find it by it.

The sequence comes from `procedure_number_counter`, bumped with `UPDATE ... RETURNING` in
the submission's transaction (the row lock makes concurrent submissions take turns; a
rolled-back one leaves at most a gap). The unique (municipality_code, number) constraint is
the backstop.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import Session

from backend.services.clock import city_today
from backend.services.counters import next_in_sequence
from backend.tiles.procedures.models import ProcedureNumberCounter

COUNTER: Table = ProcedureNumberCounter.__table__  # type: ignore[attr-defined]


def format_number(year: int, sequence: int) -> str:
    return f"手-{year:04d}-{sequence:06d}"


def next_number(session: Session, code: str) -> str:
    """The next 受付番号 of this (city) year; holds the year's counter until commit."""
    year = city_today().year
    return format_number(year, next_in_sequence(
        session, COUNTER, {"municipality_code": code, "year": year}))
