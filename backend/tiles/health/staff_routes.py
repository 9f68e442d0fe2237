"""Staff routes of the health tile (staff of 健康増進課, department "health", only; ADR 0023):

- `GET /staff/health/risk-counts?fiscal_year=2026`: counts by district of the residents who
  consented to `health_data_analysis`, small counts hidden (`aggregates.py`,
  docs/health_city_aggregates.md). No person is named or identified in the answer, and the
  route logs nothing about any person.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.identity.dependencies import StaffCaller, staff_of
from backend.services.clock import city_today, utc_now
from backend.tiles.health.aggregates import (
    FiscalYear,
    load_districts,
    min_cell_from_env,
    risk_counts,
)

router = APIRouter(tags=["staff"])

HealthStaff = Annotated[StaffCaller, Depends(staff_of("health"))]
FIRST_FISCAL_YEAR = 2000
LAST_FISCAL_YEAR = 2100


@router.get("/staff/health/risk-counts")
def health_risk_counts(
    staff: HealthStaff, engine: EngineDep,
    fiscal_year: Annotated[int | None, Query(
        ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR,
        description="年度: April of this year to March of the next; this one when not given",
    )] = None,
) -> dict[str, Any]:
    """Counts by district of consenting residents with a check-up (at risk, per category)
    and of those aged 65+ with a 基本チェックリスト (要介護リスク) in the fiscal year."""
    current = FiscalYear.of(city_today(utc_now()))
    year = current if fiscal_year is None else FiscalYear(fiscal_year)
    if year.year > current.year:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"fiscal_year cannot be after the current one ({current.year})")
    with Session(engine) as session:
        return risk_counts(session, staff.municipality_code, year,
                           min_cell=min_cell_from_env(os.environ), districts=load_districts())
