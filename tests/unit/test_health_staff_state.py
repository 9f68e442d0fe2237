"""The health staff screen's state over a fake source: the current fiscal year read once,
another year chosen and read, an answer for a year no longer chosen ignored, offline and
refusals said, retry; the table's rows; the screen renders hidden counts as 「10未満」; and
the client's DTO refuses answers it cannot read."""

from __future__ import annotations

from datetime import date
from typing import Any

import flet as ft
import pytest

from app.features.health.staff.state import (
    COLUMN_LABELS,
    TOTAL_KEY,
    UNASSIGNED_KEY,
    HealthStaffState,
    TableRow,
    fiscal_year_of,
)
from app.features.health.staff.views import cell_text, risk_counts_body
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendProtocolError, BackendRejected, BackendUnavailable
from backend_client.health_staff import RiskCounts
from tests.unit.test_views_build import texts

pytestmark = pytest.mark.anyio

COLUMNS = list(COLUMN_LABELS)
TODAY = date(2027, 2, 10)  # fiscal year 2026


def cells(*counts: int | None) -> dict[str, Any]:
    return {name: {"count": count, "suppressed": count is None}
            for name, count in zip(COLUMNS, counts, strict=True)}


def answer(year: int) -> dict[str, Any]:
    """An answer shaped as the backend's (backend/tiles/health/aggregates.py)."""
    return {
        "fiscal_year": year, "from": f"{year}-04-01", "to": f"{year + 1}-03-31",
        "min_cell": 10, "columns": COLUMNS, "districts_demo": True,
        "districts": [
            {"id": "area-a", "name": "津山中央", "name_en": "Tsuyama-chuo", "suppressed": False,
             "cells": cells(40, 30, 12, None, 15, None, 20, 13, 0, 0)},
            {"id": "area-b", "name": "阿波", "name_en": "Aba", "suppressed": True,
             "cells": cells(*[None] * 10)},
        ],
        "unassigned": {"suppressed": False, "cells": cells(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
        "total": {"suppressed": False, "cells": cells(45, 34, 14, None, 17, None, 22, 15, 0, 0)},
    }


class FakeSource:
    def __init__(self) -> None:
        self.asked: list[int] = []
        self.fail: Exception | None = None
        self.answer_year: int | None = None  # answer for another year than asked

    async def risk_counts(self, fiscal_year: int) -> RiskCounts:
        self.asked.append(fiscal_year)
        if self.fail is not None:
            raise self.fail
        return RiskCounts.from_json(answer(self.answer_year or fiscal_year))


def ctx() -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings())
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


def table_texts(controls: list[ft.Control]) -> list[list[str]]:
    """The DataTable's rows as texts (the shared `texts` does not walk tables)."""
    found: list[list[str]] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, list):
            for item in obj:
                walk(item)
        elif isinstance(obj, ft.DataTable):
            found.append([str(c.label.value) for c in obj.columns])
            found.extend([str(cell.content.value) for cell in row.cells] for row in obj.rows)
        elif isinstance(obj, ft.BaseControl):
            for attr in ("content", "controls"):
                walk(getattr(obj, attr, None))

    walk(controls)
    return found


def test_fiscal_years() -> None:
    assert fiscal_year_of(date(2027, 3, 31)) == 2026
    assert fiscal_year_of(date(2026, 4, 1)) == 2026
    state = HealthStaffState(FakeSource(), lambda: TODAY)
    assert state.fiscal_year == 2026
    assert state.year_choices() == [2026, 2025, 2024, 2023, 2022, 2021]


async def test_the_current_year_is_read_once_and_tabled() -> None:
    source = FakeSource()
    state = HealthStaffState(source, lambda: TODAY)
    assert state.table("ja") == []
    assert state.claim_load() and not state.claim_load()
    await state.load()
    assert source.asked == [2026] and not state.claim_load()
    rows = state.table("ja")
    assert [row.key for row in rows] == ["area-a", "area-b", UNASSIGNED_KEY, TOTAL_KEY]
    assert rows[0] == TableRow("area-a", "津山中央",
                               (40, 30, 12, None, 15, None, 20, 13, 0, 0), False)
    assert rows[1].suppressed and rows[1].counts == (None,) * 10
    assert state.table("en")[1].name == "Aba"


async def test_another_year_is_read_and_a_late_answer_ignored() -> None:
    source = FakeSource()
    state = HealthStaffState(source, lambda: TODAY)
    await state.load()
    assert not state.choose_year(2026)  # already shown
    assert not state.choose_year(2030) and not state.choose_year(2019)  # not offered
    assert state.choose_year(2024)
    assert state.shown is None  # 2026's counts are not shown as 2024's
    assert state.claim_load()
    source.answer_year = 2026  # a confused answer: not for the year asked
    await state.load()
    assert state.shown is None and state.table("ja") == []
    source.answer_year = None
    state.retry()
    assert state.claim_load()
    await state.load()
    assert source.asked == [2026, 2024, 2024]
    shown = state.shown
    assert shown is not None and shown.fiscal_year == 2024
    assert shown.first_day == date(2024, 4, 1) and shown.last_day == date(2025, 3, 31)


async def test_offline_and_refused_are_said_and_retried() -> None:
    source = FakeSource()
    state = HealthStaffState(source, lambda: TODAY)
    source.fail = BackendUnavailable("down")
    state.claim_load()
    await state.load()
    assert state.offline and not state.claim_load()  # no loop of reads while offline
    shown = texts(risk_counts_body(ctx(), state, lambda y: None, lambda: None))
    assert ctx().t("The city's server cannot be reached. Please try again later.") in shown
    source.fail = BackendRejected(403, "outside_staff_scope: for staff of 健康増進課 only")
    state.retry()
    assert state.claim_load()
    await state.load()
    assert not state.offline and "健康増進課" in state.error


async def test_the_screen_shows_hidden_counts_as_under_k() -> None:
    source = FakeSource()
    state = HealthStaffState(source, lambda: TODAY)
    chosen: list[int] = []
    view_ctx = ctx()
    before = risk_counts_body(view_ctx, state, chosen.append, lambda: None)
    assert table_texts(before) == []
    await state.load()
    controls = risk_counts_body(view_ctx, state, chosen.append, lambda: None)
    t = view_ctx.t
    under = cell_text(view_ctx, None, 10)
    assert under == t("Under {k}", k=10)
    table = table_texts(controls)
    assert table[0] == [t("District")] + [t(label) for label in COLUMN_LABELS.values()]
    assert table[1] == ["津山中央", "40", "30", "12", under, "15", under, "20", "13", "0", "0"]
    assert table[2] == ["阿波", *[under] * 10]
    assert table[3][0] == t("District not known") and table[4][0] == t("Whole city")
    shown = texts(controls)
    assert any(t("Health risks by district") == s for s in shown)
    assert t("The districts are demo data.") in shown
    picker = next(c for c in controls if isinstance(c, ft.Dropdown))
    assert picker.value == "2026" and [o.key for o in picker.options] == [
        str(y) for y in state.year_choices()]


@pytest.mark.parametrize("change", [
    {"fiscal_year": "2026"}, {"columns": []}, {"from": "April"}, {"districts": {}},
    {"total": {"suppressed": False, "cells": cells(1, 2, 3, 4, 5, 6, 7, 8, 9, "x")}},
    {"total": {"suppressed": False, "cells": cells(1, 2, 3, 4, 5, 6, 7, 8, 9, -1)}},
    {"unassigned": None},
])
def test_an_unreadable_answer_is_a_protocol_error(change: dict[str, Any]) -> None:
    with pytest.raises(BackendProtocolError):
        RiskCounts.from_json({**answer(2026), **change})


def test_a_hidden_cell_with_a_count_is_refused() -> None:
    data = answer(2026)
    data["total"]["cells"]["at_risk"] = {"count": 3, "suppressed": True}
    with pytest.raises(BackendProtocolError):
        RiskCounts.from_json(data)
