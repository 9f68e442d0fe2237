"""The health staff screen 「健康リスクの地区別集計」: renders `HealthStaffState` only.

A fiscal-year chooser, a line saying who is counted and that small counts are hidden, and
the table of districts × counts, where a hidden count reads 「10未満」 (the threshold the
backend used)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.widgets import quiet_button
from app.features.health.staff.state import (
    COLUMN_LABELS,
    TOTAL_KEY,
    UNASSIGNED_KEY,
    HealthStaffState,
    TableRow,
)
from app.shell.context import ViewContext
from app.shell.views.common import section_heading

EXPLANATION = ("Only residents who agreed that their health records may be used for the "
               "city's analysis are counted, never anyone else, and no one is shown "
               "individually. Counts under {k} are hidden, and so are some others that "
               "would reveal them.")
CATEGORY_NOTE = ("Obesity, blood pressure, blood glucose, lipids and liver function: "
                 "residents whose latest check-up of the year is at the guidance or "
                 "referral level for that item.")


def risk_counts_body(ctx: ViewContext, state: HealthStaffState,
                     on_year: Callable[[int], None], on_retry: Callable[[], None]
                     ) -> list[ft.Control]:
    """`on_year` and `on_retry` are the wiring's: they change the state and start a read."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    counts = state.shown
    k = counts.min_cell if counts is not None else 10
    out: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Health risks by district")), key="heading"),
        ft.Text(t(EXPLANATION, k=k), size=m.body_size, color=p.on_surface, key="explanation"),
        _year_picker(ctx, state, on_year),
    ]
    if state.loading and counts is None:
        out.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading…"), size=m.body_size)],
                          key="loading"))
    if state.offline or state.error:
        message = (t("The city's server cannot be reached. Please try again later.")
                   if state.offline else
                   t("The city did not accept this: {reason}", reason=state.error))
        out.append(ft.Text(message, size=m.body_size, weight=ft.FontWeight.BOLD,
                           color=p.on_surface, key="problem"))
        out.append(quiet_button(t("Try again"), m, p, lambda _: on_retry(),
                                "health-staff-retry", "REFRESH"))
    if counts is None:
        return out
    out.append(ft.Text(t("{first} to {last}", first=counts.first_day.isoformat(),
                         last=counts.last_day.isoformat()),
                       size=m.body_size * 0.9, color=p.on_surface, key="period"))
    if counts.districts_demo:
        out.append(ft.Text(t("The districts are demo data."), size=m.body_size * 0.9,
                           color=p.on_surface, key="demo"))
    out.append(ft.Row([_table(ctx, state, k)], scroll=ft.ScrollMode.AUTO, key="table"))
    out.append(ft.Text(t(CATEGORY_NOTE), size=m.body_size * 0.85, color=p.on_surface,
                       key="category-note"))
    return out


def _year_picker(ctx: ViewContext, state: HealthStaffState,
                 on_year: Callable[[int], None]) -> ft.Control:
    t, m = ctx.t, ctx.metrics

    def chosen(e: ft.Event[ft.Dropdown]) -> None:
        value = e.control.value or ""
        if value.isdigit():
            on_year(int(value))

    return ft.Dropdown(
        key="health-staff-year", label=t("Fiscal year"), value=str(state.fiscal_year),
        options=[ft.DropdownOption(key=str(year), text=t("FY {year}", year=year))
                 for year in state.year_choices()],
        on_select=chosen, text_size=m.body_size, width=m.body_size * 12)


def row_name(ctx: ViewContext, row: TableRow) -> str:
    if row.key == TOTAL_KEY:
        return ctx.t("Whole city")
    if row.key == UNASSIGNED_KEY:
        return ctx.t("District not known")
    return row.name


def cell_text(ctx: ViewContext, count: int | None, k: int) -> str:
    """A count, or 「10未満」 when the backend hid it."""
    return ctx.t("Under {k}", k=k) if count is None else str(count)


def _table(ctx: ViewContext, state: HealthStaffState, k: int) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    size = m.body_size * 0.9

    def text(value: str, bold: bool = False) -> ft.Text:
        return ft.Text(value, size=size, color=p.on_surface,
                       weight=ft.FontWeight.BOLD if bold else None)

    columns = [ft.DataColumn(label=text(t("District"), True))] + [
        ft.DataColumn(label=text(t(COLUMN_LABELS[name]), True), numeric=True)
        for name in state.columns]
    rows: list[ft.DataRow] = []
    for row in state.table(ctx.state.settings.language):
        bold = row.key == TOTAL_KEY
        cells: list[Any] = [ft.DataCell(text(row_name(ctx, row), bold))]
        cells += [ft.DataCell(text(cell_text(ctx, count, k), bold)) for count in row.counts]
        rows.append(ft.DataRow(cells=cells, key=f"row-{row.key}"))
    return ft.DataTable(columns=columns, rows=rows, column_spacing=m.body_size,
                        key="health-staff-table")
