"""The health tile's staff route (department `health`, 健康増進課):
`GET /staff/health/risk-counts?fiscal_year=`: counts by district of the residents who
consented to `health_data_analysis`, small counts hidden (docs/health_city_aggregates.md).

Built on `BackendClient`'s request helpers, like `points_staff.py`: the backend's refusals
arrive as `BackendRejected` (401/403/422), an unreachable backend as `BackendUnavailable`,
an answer this client cannot read as `BackendProtocolError`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from backend_client.client import BackendClient, _bearer
from backend_client.errors import BackendProtocolError

PATH = "/staff/health/risk-counts"
WHAT = "health risk counts"


def _object(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise BackendProtocolError(f"{WHAT}: {what} is not an object")
    return data


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BackendProtocolError(f"{WHAT}: {what} should be a whole number")
    return value


def _day(value: Any, what: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BackendProtocolError(f"{WHAT}: {what} should be a date (YYYY-MM-DD)")


@dataclass(frozen=True)
class RiskCell:
    """One count; `count` is None when it is hidden (`suppressed`)."""

    count: int | None
    suppressed: bool

    @classmethod
    def from_json(cls, data: Any, what: str) -> RiskCell:
        row = _object(data, what)
        suppressed = row.get("suppressed")
        if not isinstance(suppressed, bool):
            raise BackendProtocolError(f"{WHAT}: {what} should say whether it is suppressed")
        count = row.get("count")
        if suppressed:
            if count is not None:
                raise BackendProtocolError(f"{WHAT}: {what} is suppressed but has a count")
            return cls(None, True)
        number = _int(count, what)
        if number < 0:
            raise BackendProtocolError(f"{WHAT}: {what} is negative")
        return cls(number, False)


@dataclass(frozen=True)
class RiskRow:
    """A district's counts (`district_id` None: the unassigned row or the city's total)."""

    district_id: str | None
    name: str
    name_en: str
    suppressed: bool  # fewer residents than the threshold: every count hidden
    cells: Mapping[str, RiskCell]

    def cell(self, column: str) -> RiskCell:
        return self.cells.get(column, RiskCell(None, True))

    def label(self, language: str) -> str:
        return self.name if language == "ja" else (self.name_en or self.name)

    @classmethod
    def from_json(cls, data: Any, columns: tuple[str, ...], what: str) -> RiskRow:
        row = _object(data, what)
        cells = _object(row.get("cells"), f"{what}'s cells")
        district_id, name, name_en = row.get("id"), row.get("name"), row.get("name_en")
        if district_id is not None and not isinstance(district_id, str):
            raise BackendProtocolError(f"{WHAT}: {what}'s id should be a string")
        return cls(district_id=district_id, name=name if isinstance(name, str) else "",
                   name_en=name_en if isinstance(name_en, str) else "",
                   suppressed=row.get("suppressed") is True,
                   cells={column: RiskCell.from_json(cells.get(column), f"{what}.{column}")
                          for column in columns})


@dataclass(frozen=True)
class RiskCounts:
    """The answer for one fiscal year (April `fiscal_year` to March of the next)."""

    fiscal_year: int
    first_day: date
    last_day: date
    min_cell: int  # counts from 1 to min_cell - 1 are hidden
    columns: tuple[str, ...]
    districts: tuple[RiskRow, ...]
    unassigned: RiskRow
    total: RiskRow
    districts_demo: bool = False

    @classmethod
    def from_json(cls, data: Any) -> RiskCounts:
        body = _object(data, "the answer")
        raw_columns = body.get("columns")
        if not isinstance(raw_columns, list) or not all(
                isinstance(c, str) for c in raw_columns) or not raw_columns:
            raise BackendProtocolError(f"{WHAT}: columns should be a list of names")
        columns = tuple(raw_columns)
        districts = body.get("districts")
        if not isinstance(districts, list):
            raise BackendProtocolError(f"{WHAT}: districts should be a list")
        return cls(
            fiscal_year=_int(body.get("fiscal_year"), "fiscal_year"),
            first_day=_day(body.get("from"), "from"), last_day=_day(body.get("to"), "to"),
            min_cell=_int(body.get("min_cell"), "min_cell"), columns=columns,
            districts=tuple(RiskRow.from_json(row, columns, f"districts[{index}]")
                            for index, row in enumerate(districts)),
            unassigned=RiskRow.from_json(body.get("unassigned"), columns, "unassigned"),
            total=RiskRow.from_json(body.get("total"), columns, "total"),
            districts_demo=body.get("districts_demo") is True)


class HealthStaffClient:
    """The `/staff/health/*` routes; `access_token` is a staff member's of department
    `health`."""

    def __init__(self, backend: BackendClient) -> None:
        self._backend = backend

    async def risk_counts(self, access_token: str, fiscal_year: int) -> RiskCounts:
        data = await self._backend._get_json(PATH, params={"fiscal_year": fiscal_year},
                                             headers=_bearer(access_token))
        return RiskCounts.from_json(data)
