"""The waste tile's screens: render `WasteState` and `BulkyBooking` and nothing else.

Reads are started by the shell before a render (`wiring.prepare`); the states come from
`wiring.py`. Every line that comes and goes has a key, so a re-render is a diff: the search
field keeps its focus and the page its scroll position.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import flet as ft

from app.design.widgets import big_button
from app.features.waste.bulky import BulkyBooking
from app.features.waste.calendar import DayCell
from app.features.waste.search import SearchHit
from app.features.waste.state import Section, Status, WasteState
from app.i18n.formatting import (
    city_today,
    format_datetime_short,
    format_day_short,
    format_month,
    format_yen,
    weekday_names,
)
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_switch, controlled_text_field
from app.shell.views.common import section_heading

SECTION_LABELS = {
    Section.SEARCH: ("How to sort", "SEARCH"),
    Section.CALENDAR: ("Collection days", "CALENDAR_MONTH"),
    Section.BULKY: ("Bulky waste", "WEEKEND"),
}


def waste_body(ctx: ViewContext, state: WasteState, bulky: BulkyBooking) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [_section_switch(ctx, state)]
    if state.status is Status.FAILED:
        controls.append(ft.Text(t("The waste information stored on this device cannot be "
                                  "read. Please try again later."),
                                size=m.body_size, color=p.banner, weight=ft.FontWeight.BOLD,
                                key="failed"))
    if state.never_received:
        if state.status in (Status.IDLE, Status.LOADING) or not ctx.state.connection.offline:
            controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading…"),
                                                              size=m.body_size)],
                                   key="loading"))
        else:
            controls.append(ft.Text(
                t("The waste information will appear here once this device has been online."),
                size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD,
                key="never-online"))
        return controls
    if state.content.synced_at is not None:
        controls.append(ft.Text(
            t("Updated {time}", time=format_datetime_short(state.content.synced_at,
                                                           ctx.locale)),
            size=m.body_size * 0.85, color=p.on_surface, key="updated"))
    if any(item.get("is_demo") for item in state.content.items[:1]):
        controls.append(ft.Text(t("Demo data: not the city's real rules."),
                                size=m.body_size * 0.85, color=p.on_surface, italic=True,
                                key="demo"))
    if state.section is Section.SEARCH:
        controls += _search_section(ctx, state)
    elif state.section is Section.CALENDAR:
        controls += _calendar_section(ctx, state)
    else:
        from app.features.waste.bulky_views import bulky_section

        controls += bulky_section(ctx, state, bulky)
    return controls


# --- section switch --------------------------------------------------------------------------
def _section_switch(ctx: ViewContext, state: WasteState) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    buttons: list[ft.Control] = []
    for section, (label, icon) in SECTION_LABELS.items():
        selected = state.section is section
        buttons.append(ft.Button(
            content=ft.Text(t(label), size=m.body_size,
                            color=p.on_primary if selected else p.primary,
                            weight=ft.FontWeight.BOLD if selected else None),
            icon=ft.Icon(getattr(ft.Icons, icon), color=p.on_primary if selected else p.primary),
            bgcolor=p.primary if selected else p.surface,
            height=m.min_touch_target,
            on_click=lambda _, s=section: _switch(ctx, state, s),
        ))
    return ft.Row(buttons, wrap=True, spacing=m.body_size * 0.5)


def _switch(ctx: ViewContext, state: WasteState, section: Section) -> None:
    state.section = section
    ctx.refresh()


# --- sorting dictionary ----------------------------------------------------------------------
def _search_section(ctx: ViewContext, state: WasteState) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics

    def typed(text: str) -> None:
        state.set_query(text)
        ctx.refresh()  # a diff: only the result list changes

    field = controlled_text_field(
        ctx.fields, key="waste-search", text=state.query, on_text=typed,
        label=t("Item to throw away (e.g. 電子レンジ)"), prefix_icon=ft.Icons.SEARCH,
        text_size=m.body_size, autofocus=not ctx.kiosk,
    )
    return [field, ft.Column(_hit_cards(ctx, state), spacing=m.body_size * 0.5,
                             key="waste-results")]


def _hit_cards(ctx: ViewContext, state: WasteState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    if not state.query.strip():
        return [ft.Text(t("Type the name of the item in any way: kanji, hiragana or "
                          "katakana."), size=m.body_size * 0.9, color=p.on_surface)]
    if not state.hits:
        return [ft.Text(t("Nothing found for “{query}”. Try another word, or ask the "
                          "city's waste office.", query=state.query),
                        size=m.body_size, color=p.on_surface)]
    return [_hit_card(ctx, state, hit) for hit in state.hits]


def _hit_card(ctx: ViewContext, state: WasteState, hit: SearchHit) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    item = hit.item
    category = str(item.get("category") or "")
    info = state.kind_info(category)
    lines: list[ft.Control] = [
        ft.Row([
            ft.Text(str(item.get("name")), size=m.body_size * 1.1, weight=ft.FontWeight.BOLD,
                    color=p.on_surface, expand=True),
            _kind_chip(ctx, category, info.get("color")),
        ]),
    ]
    if hit.matched and hit.matched != item.get("name"):
        lines.append(ft.Text(t("Found as “{word}”", word=hit.matched),
                             size=m.body_size * 0.8, color=p.on_surface, italic=True))
    fee = item.get("fee")
    if isinstance(fee, int) and fee > 0:
        fee_text = t("Fee: {amount}", amount=format_yen(fee, ctx.locale))
        if item.get("fee_kind"):
            fee_text += f" ({item['fee_kind']})"
        lines.append(ft.Text(fee_text, size=m.body_size, color=p.on_surface,
                             weight=ft.FontWeight.BOLD))
    elif item.get("fee_kind"):
        lines.append(ft.Text(str(item["fee_kind"]), size=m.body_size * 0.9,
                             color=p.on_surface))
    for key in ("notes", "fee_notes", "remarks"):
        if item.get(key):
            lines.append(ft.Text(str(item[key]), size=m.body_size * 0.95, color=p.on_surface))
    return ft.Container(
        key=f"item-{item.get('id')}",
        bgcolor=p.surface, border=ft.Border.all(1, p.outline),
        border_radius=ft.BorderRadius.all(12), padding=ft.Padding.all(m.body_size * 0.75),
        content=ft.Column(lines, spacing=m.body_size * 0.3),
    )


def _kind_chip(ctx: ViewContext, label: str, color: object) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    bg = color if isinstance(color, str) and color.startswith("#") else p.primary
    return ft.Container(
        content=ft.Text(label, size=m.body_size * 0.85, color="#FFFFFF",
                        weight=ft.FontWeight.BOLD),
        bgcolor=bg, border_radius=ft.BorderRadius.all(8),
        padding=ft.Padding.symmetric(horizontal=m.body_size * 0.5, vertical=m.body_size * 0.2),
    )


# --- calendar ----------------------------------------------------------------------------------
def _calendar_section(ctx: ViewContext, state: WasteState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [_district_picker(ctx, state)]
    area = state.area
    if area is None:
        controls.append(ft.Text(t("Choose your district to see its collection days."),
                                size=m.body_size, color=p.on_surface, key="no-district"))
        return controls
    if state.district_guessed:
        controls.append(ft.Row([
            ft.Text(t("Chosen from your household's address: {name}", name=area.get("name")),
                    size=m.body_size * 0.9, color=p.on_surface),
            big_button(t("Keep this district"), "CHECK", m, p,
                       lambda _: ctx.run_task(_confirm_district, ctx, state)),
        ], wrap=True, key="district-guessed"))
    controls.append(ft.Container(section_heading(ctx, t("Next collections")),
                                 key="next-heading"))
    today = city_today()
    for kind, day in state.next_collections():
        when = format_day_short(day, ctx.locale)
        if day == today + timedelta(days=1):
            when = t("Tomorrow, {day}", day=when)
        elif day == today:
            when = t("Today, {day}", day=when)
        controls.append(ft.Row([
            _kind_chip(ctx, kind, state.kind_info(kind).get("color")),
            ft.Text(when, size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD),
        ], wrap=True, key=f"next-{kind}"))
    controls += _month_grid(ctx, state)
    controls += _reminder_switches(ctx, state)
    return controls


def _district_picker(ctx: ViewContext, state: WasteState) -> ft.Control:
    """Big buttons rather than a drop-down: easier to hit, and each names its district for
    screen readers. Once chosen, one line with a "change" button."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    area = state.area
    if area is not None and not state.choosing_district:
        return ft.Row(key="district", controls=[
            ft.Text(t("Your district: {name}", name=area.get("name")), size=m.body_size * 1.1,
                    weight=ft.FontWeight.BOLD, color=p.on_surface),
            ft.TextButton(content=ft.Text(t("Change district"), size=m.body_size,
                                          color=p.primary),
                          on_click=lambda _: _choosing(ctx, state, True),
                          height=m.min_touch_target),
        ], wrap=True)
    buttons: list[ft.Control] = []
    for option in state.content.areas:
        area_id = str(option.get("id"))
        selected = area_id == state.choice.district
        buttons.append(ft.Button(
            content=ft.Text(str(option.get("name")), size=m.body_size,
                            color=p.on_primary if selected else p.primary),
            bgcolor=p.primary if selected else p.surface, height=m.min_touch_target,
            on_click=lambda _, a=area_id: ctx.run_task(_choose_district, ctx, state, a)))
    return ft.Column(key="district-choice", controls=[
                     ft.Text(t("Your district"), size=m.body_size, weight=ft.FontWeight.BOLD,
                              color=p.on_surface),
                      ft.Row(buttons, wrap=True, spacing=m.body_size * 0.4,
                             run_spacing=m.body_size * 0.4)])


def _choosing(ctx: ViewContext, state: WasteState, on: bool) -> None:
    state.choosing_district = on
    ctx.refresh()


def _month_grid(ctx: ViewContext, state: WasteState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    year, month = state.month
    header = ft.Row([
        ft.IconButton(ft.Icon(ft.Icons.CHEVRON_LEFT, semantics_label=t("Previous month")),
                      on_click=lambda _: _shift(ctx, state, -1),
                      width=m.min_touch_target, height=m.min_touch_target),
        ft.Text(format_month(year, month, ctx.locale), size=m.body_size * 1.2,
                weight=ft.FontWeight.BOLD, color=p.on_surface),
        ft.IconButton(ft.Icon(ft.Icons.CHEVRON_RIGHT, semantics_label=t("Next month")),
                      on_click=lambda _: _shift(ctx, state, 1),
                      width=m.min_touch_target, height=m.min_touch_target),
    ], alignment=ft.MainAxisAlignment.CENTER, key="month-header")
    names = weekday_names(ctx.locale)
    rows: list[ft.Control] = [ft.Row([
        ft.Container(ft.Text(n, size=m.body_size * 0.85, weight=ft.FontWeight.BOLD,
                             color=p.on_surface), expand=1, alignment=ft.Alignment.CENTER)
        for n in names])]
    cells = state.month_cells()
    for start in range(0, len(cells), 7):
        week = [_day_cell(ctx, state, cell, month) for cell in cells[start:start + 7]]
        rows.append(ft.Row(week, vertical_alignment=ft.CrossAxisAlignment.START))
    return [header, ft.Column(rows, spacing=2, key="month-grid")]


def _day_cell(ctx: ViewContext, state: WasteState, cell: DayCell, month: int) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    faded = cell.date.month != month
    red = cell.holiday_name is not None or cell.date.weekday() == 6
    parts: list[ft.Control] = [ft.Text(str(cell.date.day), size=m.body_size * 0.85,
                                       color=p.banner if red else p.on_surface,
                                       weight=ft.FontWeight.BOLD)]
    if cell.holiday_name:
        parts.append(ft.Text(cell.holiday_name, size=m.body_size * 0.6, color=p.banner))
    if cell.closed:
        parts.append(ft.Text(t("Closed"), size=m.body_size * 0.6, color=p.banner))
    for kind in cell.kinds:
        color = state.kind_info(kind).get("color")
        parts.append(ft.Container(
            ft.Text(kind, size=m.body_size * 0.6, color="#FFFFFF", max_lines=1,
                    overflow=ft.TextOverflow.ELLIPSIS),
            bgcolor=color if isinstance(color, str) and color.startswith("#") else p.primary,
            border_radius=ft.BorderRadius.all(4), padding=ft.Padding.symmetric(horizontal=2)))
    label = ", ".join([format_day_short(cell.date, ctx.locale),
                       *([cell.holiday_name] if cell.holiday_name else []),
                       *([t("Closed")] if cell.closed else []), *cell.kinds])
    return ft.Container(
        # One label per day for screen readers; the drawn parts are not read twice.
        ft.Semantics(label=label, container=True, exclude_semantics=True,
                     content=ft.Column(parts, spacing=1)),
        expand=1, height=m.body_size * 5, padding=2, opacity=0.45 if faded else 1.0,
        bgcolor=p.surface, border=ft.Border.all(1, p.outline),
    )


def _reminder_switches(ctx: ViewContext, state: WasteState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Reminders the evening before")),
                     key="reminders-heading"),
        ft.Text(t("At 19:00 the day before: a notification on phones and computers, and a "
                  "note on the home screen."), size=m.body_size * 0.85, color=p.on_surface,
                key="reminders-note"),
    ]
    for kind in state.kinds():
        controls.append(controlled_switch(
            ctx.fields, key=f"reminder-{kind}", value=state.reminder_on(kind),
            on_value=_reminder_setter(ctx, state, kind), label=kind,
            label_text_style=ft.TextStyle(size=m.body_size, color=p.on_surface),
        ))
    return controls


# --- actions -----------------------------------------------------------------------------------
def _shift(ctx: ViewContext, state: WasteState, delta: int) -> None:
    state.shift_month(delta)
    ctx.refresh()


async def _choose_district(ctx: ViewContext, state: WasteState, area_id: str | None) -> None:
    if area_id:
        await state.choose_district(area_id)
    state.choosing_district = False
    ctx.refresh()


async def _confirm_district(ctx: ViewContext, state: WasteState) -> None:
    await state.confirm_guessed_district()
    ctx.refresh()


def _reminder_setter(ctx: ViewContext, state: WasteState, kind: str) -> Callable[[bool], None]:
    return lambda on: ctx.run_task(_set_reminder, ctx, state, kind, on)


async def _set_reminder(ctx: ViewContext, state: WasteState, kind: str, on: bool) -> None:
    await state.set_reminder(kind, on)
    ctx.refresh()
