"""The health staff screen's state in plain Python: which fiscal year is shown, the counts
the backend answered for it (small counts already hidden there), and what went wrong.

The counts come from the backend, which hides every count under its threshold (10 by
default) before answering: this state and the screen never see a hidden value."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.health_staff import RiskCounts, RiskRow

log = logging.getLogger(__name__)

YEARS_BACK = 5  # fiscal years offered before the current one
UNASSIGNED_KEY = "unassigned"
TOTAL_KEY = "total"
# The table's columns in the order shown, with their English message ids.
COLUMN_LABELS: dict[str, str] = {
    "residents": "Residents counted",
    "with_checkup": "With a check-up",
    "at_risk": "At risk",
    "obesity": "Obesity",
    "blood_pressure": "Blood pressure",
    "glucose": "Blood glucose",
    "lipids": "Lipids",
    "liver": "Liver function",
    "checklist_65plus": "65+ with the checklist",
    "care_risk_65plus": "Care risk (65+)",
}


class RiskCountsSource(Protocol):
    """Where the counts come from (the backend's staff route, for the signed-in staff)."""

    async def risk_counts(self, fiscal_year: int) -> RiskCounts: ...


def fiscal_year_of(day: date) -> int:
    """年度: April to March."""
    return day.year if day.month >= 4 else day.year - 1


@dataclass(frozen=True)
class TableRow:
    key: str  # the district id, UNASSIGNED_KEY or TOTAL_KEY
    name: str  # the district's name in the language asked for; "" for the two others
    counts: tuple[int | None, ...]  # in `HealthStaffState.columns` order; None: hidden
    suppressed: bool


class HealthStaffState:
    def __init__(self, source: RiskCountsSource, today: Callable[[], date]) -> None:
        self._source = source
        self._today = today
        self.fiscal_year = fiscal_year_of(today())
        self.counts: RiskCounts | None = None
        self.loading = False
        self.loaded_year: int | None = None
        self.offline = False
        self.error = ""

    def year_choices(self) -> list[int]:
        """The current fiscal year first, then the `YEARS_BACK` before it."""
        current = fiscal_year_of(self._today())
        return [current - back for back in range(YEARS_BACK + 1)]

    def choose_year(self, year: int) -> bool:
        """Show `year`; True when it must be read."""
        if year not in self.year_choices() or year == self.fiscal_year:
            return False
        self.fiscal_year = year
        self.error, self.offline = "", False
        return self.loaded_year != year

    def retry(self) -> None:
        """Read the chosen year again (after the server could not be reached)."""
        if not self.loading:
            self.loaded_year = None

    def claim_load(self) -> bool:
        if self.loading or self.loaded_year == self.fiscal_year:
            return False
        self.loading = True
        return True

    async def load(self) -> None:
        year = self.fiscal_year
        self.loading = True
        try:
            counts = await self._source.risk_counts(year)
            if year == self.fiscal_year:  # not changed meanwhile
                self.counts, self.error, self.offline = counts, "", False
        except BackendUnavailable:
            self.offline, self.error = True, ""
        except BackendRejected as exc:
            self.offline, self.error = False, exc.detail
        except BackendError as exc:
            log.warning("the health risk counts could not be read: %s", exc)
            self.offline, self.error = False, str(exc)
        finally:
            self.loading = False
            self.loaded_year = year

    @property
    def shown(self) -> RiskCounts | None:
        """The counts of the chosen year, if read (never another year's)."""
        counts = self.counts
        return counts if counts is not None and counts.fiscal_year == self.fiscal_year else None

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns shown: those this screen knows, in its order, that the answer has."""
        counts = self.shown
        have = counts.columns if counts is not None else tuple(COLUMN_LABELS)
        return tuple(name for name in COLUMN_LABELS if name in have)

    def table(self, language: str) -> list[TableRow]:
        """Each district, then the residents whose district is not known, then the city."""
        counts = self.shown
        if counts is None:
            return []
        columns = self.columns

        def row(key: str, name: str, source: RiskRow) -> TableRow:
            return TableRow(key, name, tuple(source.cell(c).count for c in columns),
                            source.suppressed)

        rows = [row(d.district_id or d.name, d.label(language), d) for d in counts.districts]
        rows.append(row(UNASSIGNED_KEY, "", counts.unassigned))
        rows.append(row(TOTAL_KEY, "", counts.total))
        return rows
