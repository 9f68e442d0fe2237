"""The waste tile's screens: render `WasteState` and `BulkyBooking` and nothing else.

Reads are started by the shell before a render (`wiring.prepare`); the states come from
`wiring.py`. Every line that comes and goes has a key, so a re-render is a diff: the search
field keeps its focus and the page its scroll position.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import flet as ft

from app.design.widgets import big_button
from app.features.points.api import DistrictProgressState, FeePayment, ProgressLoad
from app.features.waste.bulky import BulkyBooking
from app.features.waste.calendar import DayCell
from app.features.waste.district_chart import chart_of, format_kg, month_label
from app.features.waste.kind_style import (
    HIGH_CONTRAST_MINIMUM,
    NORMAL_MINIMUM,
    ChipColours,
    chip_colours,
    icon_name,
    short_name,
)
from app.features.waste.localized import area_name, item_name, kind_name
from app.features.waste.search import SearchHit
from app.features.waste.state import Section, Status, WasteState
from app.i18n.formatting import (
    format_date_long,
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


def waste_body(ctx: ViewContext, state: WasteState, bulky: BulkyBooking,
               progress: DistrictProgressState | None = None,
               fees: FeePayment | None = None) -> list[ft.Control]:
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
        if progress is not None:
            controls += district_chart(ctx, progress)
    else:
        from app.features.waste.bulky_views import bulky_section

        controls += bulky_section(ctx, state, bulky, fees)
    return controls


# --- section switch --------------------------------------------------------------------------
def _section_switch(ctx: ViewContext, state: WasteState) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    buttons: list[ft.Control] = []
    for section, (label, icon) in SECTION_LABELS.items():
        selected = state.section is section
        on_click = _switcher(ctx, state, section)
        # One node for screen readers: a button that says which section is open (selected).
        buttons.append(ft.Semantics(
            label=t(label), button=True, selected=selected, container=True,
            exclude_semantics=True, on_tap=on_click, identifier=f"waste-section-{section}",
            content=ft.Button(
                content=ft.Text(t(label), size=m.body_size,
                                color=p.on_primary if selected else p.primary,
                                weight=ft.FontWeight.BOLD if selected else None),
                icon=ft.Icon(getattr(ft.Icons, icon),
                             color=p.on_primary if selected else p.primary),
                bgcolor=p.primary if selected else p.surface,
                height=m.min_touch_target,
                on_click=on_click,
            )))
    return ft.Row(buttons, wrap=True, spacing=m.body_size * 0.5)


def _switcher(ctx: ViewContext, state: WasteState, section: Section) -> Callable[[Any], None]:
    return lambda _: _switch(ctx, state, section)


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
    name = item_name(item, t.lang)  # the English name in English (ADR 0028)
    lines: list[ft.Control] = [
        ft.Row([
            ft.Text(name, size=m.body_size * 1.1, weight=ft.FontWeight.BOLD,
                    color=p.on_surface, expand=True),
            _kind_chip(ctx, kind_name(category, info, t.lang), info.get("color"), info),
        ]),
    ]
    if name != item.get("name"):  # the Japanese name too: what the city's papers say
        lines.append(ft.Text(str(item.get("name")), size=m.body_size * 0.9,
                             color=p.on_surface))
    if hit.matched and hit.matched not in (name, item.get("name")):
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


def kind_colours(ctx: ViewContext, color: object) -> ChipColours:
    """A kind chip's colours: the data's colour with a text colour that reaches 4.5:1 on it
    (7:1 in high contrast), see kind_style.py."""
    minimum = HIGH_CONTRAST_MINIMUM if ctx.state.settings.high_contrast else NORMAL_MINIMUM
    return chip_colours(color, ctx.palette.primary, minimum)


def _kind_chip(ctx: ViewContext, label: str, color: object,
               info: dict[str, Any] | None = None) -> ft.Control:
    """`info` (the kind's row) adds its icon: kinds differ without colour too."""
    m, p = ctx.metrics, ctx.palette
    colours = kind_colours(ctx, color)
    text = ft.Text(label, size=m.body_size * 0.85, color=colours.text,
                   weight=ft.FontWeight.BOLD)
    icon = kind_icon(ctx, info, colours.text) if info else []
    return ft.Container(
        content=ft.Row([*icon, text], spacing=4, tight=True) if icon else text,
        bgcolor=colours.background, border_radius=ft.BorderRadius.all(8),
        border=ft.Border.all(1, p.outline) if ctx.state.settings.high_contrast else None,
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
            ft.Text(t("Chosen from your household's address: {name}",
                      name=area_name(area, t.lang)),
                    size=m.body_size * 0.9, color=p.on_surface),
            big_button(t("Keep this district"), "CHECK", m, p,
                       lambda _: ctx.run_task(_confirm_district, ctx, state)),
        ], wrap=True, key="district-guessed"))
    controls.append(ft.Container(section_heading(ctx, t("Next collections")),
                                 key="next-heading"))
    today = state.today()
    finished = state.finished_today()
    deadline = state.put_out_by()
    for kind, day in state.next_collections():
        when = format_day_short(day, ctx.locale)
        if day == today + timedelta(days=1):
            when = t("Tomorrow, {day}", day=when)
        elif day == today:
            when = t("Today, {day}", day=when)
            if deadline is not None:
                when += " · " + t("put out by {time}", time=deadline.strftime("%H:%M"))
        if kind in finished:
            when += " · " + t("Today's collection is over")
        controls.append(ft.Row([
            _kind_chip(ctx, kind_name(kind, state.kind_info(kind), t.lang),
                       state.kind_info(kind).get("color"), state.kind_info(kind)),
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
            ft.Text(t("Your district: {name}", name=area_name(area, t.lang)),
                    size=m.body_size * 1.1,
                    weight=ft.FontWeight.BOLD, color=p.on_surface),
            ft.TextButton(content=ft.Text(t("Change district"), size=m.body_size,
                                          color=p.primary),
                          on_click=lambda _: _choosing(ctx, state, True),
                          height=m.min_touch_target),
        ], wrap=True)
    buttons: list[ft.Control] = []
    for option in state.districts():  # 五十音 order, by the city's reading
        area_id = str(option.get("id"))
        selected = area_id == state.choice.district
        buttons.append(ft.Button(
            content=ft.Text(area_name(option, t.lang), size=m.body_size,
                            color=p.on_primary if selected else p.primary),
            bgcolor=p.primary if selected else p.surface, height=m.min_touch_target,
            key=f"district-{area_id}",
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
        ft.Container(ft.Text(n, size=m.body_size, weight=ft.FontWeight.BOLD,
                             color=p.on_surface), expand=1, alignment=ft.Alignment.CENTER)
        for n in names])]
    cells = state.month_cells()
    for start in range(0, len(cells), 7):
        week = [_day_cell(ctx, state, cell, month) for cell in cells[start:start + 7]]
        # Every cell of a week as tall as the tallest: chips wrap, the cell grows.
        rows.append(ft.Row(week, vertical_alignment=ft.CrossAxisAlignment.STRETCH,
                           intrinsic_height=True, spacing=2))
    return [header, ft.Column(rows, spacing=2, key="month-grid"),
            _day_details(ctx, state, cells)]


def day_label(ctx: ViewContext, state: WasteState, cell: DayCell) -> str:
    """What a screen reader says for a day: 今日, the date, the holiday, what is collected
    (the full names of the kinds, or that nothing is)."""
    t = ctx.t
    parts = [*([t("Today")] if cell.date == state.today() else []),
             format_date_long(cell.date, ctx.locale),
             *([cell.holiday_name] if cell.holiday_name else []),
             *([t("Closed")] if cell.closed else [])]
    parts += list(cell.kinds) if cell.kinds else [t("No collection")]
    return ", ".join(parts)


def _day_cell(ctx: ViewContext, state: WasteState, cell: DayCell, month: int) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    faded = cell.date.month != month
    today = cell.date == state.today()
    selected = cell.date == state.shown_day
    red = cell.holiday_name is not None or cell.date.weekday() == 6
    number = ft.Text(str(cell.date.day), size=m.body_size,
                     color=p.banner if red else p.on_surface, weight=ft.FontWeight.BOLD)
    parts: list[ft.Control] = [
        ft.Row([number, *([_today_badge(ctx)] if today else [])], wrap=True, spacing=4,
               run_spacing=2)]
    if cell.holiday_name:
        parts.append(ft.Text(cell.holiday_name, size=m.body_size, color=p.banner))
    if cell.closed:
        parts.append(ft.Text(t("Closed"), size=m.body_size, color=p.banner))
    for kind in cell.kinds:
        parts.append(day_chip(ctx, state, kind))

    def select(_: Any) -> None:
        _select_day(ctx, state, cell.date)

    return ft.Semantics(
        # One label per day for screen readers; the drawn parts are not read twice.
        label=day_label(ctx, state, cell), container=True, exclude_semantics=True,
        selected=selected, button=True, on_tap=select,
        identifier=f"day-{cell.date.isoformat()}", expand=1,
        content=ft.Container(
            ft.Column(parts, spacing=2, tight=True),
            padding=4, opacity=0.45 if faded else 1.0, on_click=select,
            bgcolor=p.surface,
            # Today: a thick outline in the accent colour (and 「今日」 above); the day
            # shown in detail: a thinner one.
            border=ft.Border.all(4 if today else 2 if selected else 1,
                                 p.primary if today or selected else p.outline),
        ))


def _today_badge(ctx: ViewContext) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    return ft.Container(
        ft.Text(ctx.t("Today"), size=m.body_size, color=p.on_primary,
                weight=ft.FontWeight.BOLD),
        bgcolor=p.primary, border_radius=ft.BorderRadius.all(4),
        padding=ft.Padding.symmetric(horizontal=4))


def kind_icon(ctx: ViewContext, info: dict[str, Any], colour: str) -> list[ft.Control]:
    """The kind's icon (data `icon`), the cue that does not rely on colour; [] without one."""
    name = icon_name(info)
    found = getattr(ft.Icons, name, None) if name else None
    return [ft.Icon(found, color=colour, size=ctx.metrics.body_size)] if found else []


def day_chip(ctx: ViewContext, state: WasteState, kind: str) -> ft.Control:
    """A kind on a calendar day: its icon and short name (both from the data), at the body
    size, wrapping rather than cut, in colours that reach the contrast minimum."""
    m, p = ctx.metrics, ctx.palette
    info = state.kind_info(kind)
    colours = kind_colours(ctx, info.get("color"))
    return ft.Container(
        ft.Row([*kind_icon(ctx, info, colours.text),
                ft.Text(short_name(kind, info), size=m.body_size, color=colours.text,
                        weight=ft.FontWeight.BOLD)], wrap=True, spacing=2, run_spacing=0),
        bgcolor=colours.background, border_radius=ft.BorderRadius.all(4),
        border=ft.Border.all(1, p.outline) if ctx.state.settings.high_contrast else None,
        padding=ft.Padding.symmetric(horizontal=4, vertical=2), key=f"chip-{kind}")


def _day_details(ctx: ViewContext, state: WasteState, cells: list[DayCell]) -> ft.Control:
    """The shown day (tapped, else today) in full: its date and each kind's whole name and
    how to put it out, so a narrow cell's short names are never all there is."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    day = state.shown_day
    cell = next((c for c in cells if c.date == day), None)
    lines: list[ft.Control] = [ft.Text(
        (t("Today") + " · " if day == state.today() else "")
        + format_date_long(day, ctx.locale), size=m.body_size * 1.1,
        weight=ft.FontWeight.BOLD, color=p.on_surface)]
    if cell is None:
        lines.append(ft.Text(t("Tap a day of the calendar to see what is collected."),
                             size=m.body_size, color=p.on_surface))
    elif not cell.kinds:
        lines.append(ft.Text(t("No collection"), size=m.body_size, color=p.on_surface))
    for kind in cell.kinds if cell is not None else ():
        info = state.kind_info(kind)
        # A Column, not a wrapping Row: an expanding text inside a Wrap is a Flutter error
        # (a red box 100,000 px tall in the browser).
        lines.append(ft.Column([
            ft.Row([*kind_icon(ctx, info, p.on_surface),
                    _kind_chip(ctx, kind_name(kind, info, ctx.t.lang), info.get("color"))],
                   wrap=True),
            *([ft.Text(str(info["description"]), size=m.body_size, color=p.on_surface)]
              if info.get("description") else []),
        ], spacing=m.body_size * 0.25, key=f"detail-{kind}"))
    return ft.Container(
        ft.Column(lines, spacing=m.body_size * 0.4), key="day-details",
        padding=ft.Padding.all(m.body_size * 0.5), border=ft.Border.all(1, p.outline),
        border_radius=ft.BorderRadius.all(8), bgcolor=p.surface)


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
            on_value=_reminder_setter(ctx, state, kind),
            label=kind_name(kind, state.kind_info(kind), t.lang),
            label_text_style=ft.TextStyle(size=m.body_size, color=p.on_surface),
        ))
    return controls


# --- actions -----------------------------------------------------------------------------------
def _shift(ctx: ViewContext, state: WasteState, delta: int) -> None:
    state.shift_month(delta)
    ctx.refresh()


def _select_day(ctx: ViewContext, state: WasteState, day: Any) -> None:
    state.select_day(day)
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


# --- the district's recycling goal (points tile) ------------------------------------------------
CHART_BAR_HEIGHT = 8.0  # the chart's height, in body sizes


def district_chart(ctx: ViewContext, progress: DistrictProgressState) -> list[ft.Control]:
    """Bars per month with the goal line, drawn with plain containers (they render in web
    mode), and every number also as a sentence for screen readers."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [ft.Container(
        section_heading(ctx, t("Our district's recycling goal")), key="district-goal")]
    data = progress.progress
    if data is None:
        if progress.load_state is ProgressLoad.FAILED and progress.problem == "offline":
            controls.append(ft.Text(t("The district's progress is shown when this device is "
                                      "online."), size=m.body_size * 0.9, color=p.on_surface,
                                    key="district-goal-offline"))
        elif progress.load_state is ProgressLoad.FAILED:
            controls.append(ft.Text(t("No recycling goal is set for your district."),
                                    size=m.body_size * 0.9, color=p.on_surface,
                                    key="district-goal-none"))
        return controls
    chart = chart_of(data)
    if chart.empty:
        controls.append(ft.Text(t("No recyclables have been weighed for your district yet."),
                                size=m.body_size * 0.9, color=p.on_surface,
                                key="district-goal-empty"))
        return controls
    height = m.body_size * CHART_BAR_HEIGHT
    bar_width = m.body_size * 2.2
    sentences = [t("{month}: {kg} kg of {goal} kg", month=bar.period, kg=format_kg(bar.kg),
                   goal=format_kg(bar.goal_kg))
                 + (" · " + t("goal reached") if bar.reached else "")
                 + (" · " + t("points given") if bar.granted else "") for bar in chart.bars]
    columns: list[ft.Control] = [ft.Column([
        ft.Text(format_kg(bar.kg), size=m.body_size * 0.8, color=p.on_surface),
        ft.Container(width=bar_width, height=max(2.0, height * bar.height),
                     bgcolor=p.primary if bar.reached else p.outline,
                     border_radius=ft.BorderRadius.only(top_left=4, top_right=4)),
        ft.Text(month_label(bar.period), size=m.body_size * 0.8, color=p.on_surface),
    ], spacing=2, horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        alignment=ft.MainAxisAlignment.END, key=f"bar-{bar.period}") for bar in chart.bars]
    foot = m.body_size * 1.3  # the month label under each bar
    goal_line = ft.Container(
        left=0, right=0, bottom=foot + height * chart.goal_height, height=2, bgcolor=p.banner)
    chart_box = ft.Stack([
        ft.Container(ft.Row(columns, spacing=m.body_size * 0.6,
                            vertical_alignment=ft.CrossAxisAlignment.END),
                     height=height + foot * 2.2, alignment=ft.Alignment.BOTTOM_LEFT),
        goal_line,
    ], height=height + foot * 2.2)
    controls.append(ft.Semantics(
        identifier="district-goal-chart", container=True, exclude_semantics=True,
        label=t("Recycling goal of {district}: {goal} kg a month. ",
                district=chart.district, goal=format_kg(chart.goal_kg)) + " ".join(sentences),
        content=chart_box, key="district-goal-chart"))
    controls.append(ft.Text(t("The line across the bars is the goal: {goal} kg a month.",
                              goal=format_kg(chart.goal_kg)),
                            size=m.body_size * 0.85, color=p.on_surface,
                            key="district-goal-legend"))
    controls += [ft.Text(sentence, size=m.body_size * 0.9, color=p.on_surface,
                         key=f"district-goal-{bar.period}")
                 for sentence, bar in zip(sentences, chart.bars, strict=True)]
    if not chart.opted_in:
        controls.append(ft.Text(t("Your household does not take part yet: it can join on the "
                                  "points screen."), size=m.body_size * 0.9,
                                color=p.on_surface, key="district-goal-optin"))
    return controls
