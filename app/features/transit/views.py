"""The transit tile's screen (交通): renders `TransitState` only. Reads and downloads are
started by the shell (`wiring.prepare`); buttons change the state and re-render. Every
optional part has a key so a re-render keeps the resident's place."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import flet as ft

from app.design.widgets import big_button, quiet_button
from app.features.transit.map_views import journey_map
from app.features.transit.planner.journeys import ORIGIN, Leg
from app.features.transit.state import (
    SPEEDS,
    Chosen,
    Load,
    Network,
    ShownJourney,
    StopPlace,
    TransitState,
)
from app.i18n.formatting import (
    format_date_long,
    format_datetime_short,
    format_day_short,
    format_yen,
)
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_switch, controlled_text_field
from app.shell.views.common import line_card, section_heading

SPEED_LABELS = {80: "Normal", 60: "Slowly", 40: "Very slowly"}
PROBLEMS = {
    "no_origin": "Choose where you start from the list.",
    "no_destination": "Choose where you are going from the list.",
    "bad_day": "Enter the date as YYYY-MM-DD, for example 2026-12-15.",
    "bad_time": "Enter the time as HH:MM, for example 08:30.",
    "no_timetable": "There is no timetable on this device yet.",
    "other_network": "These two places are in different timetables; choose stops of one.",
    "no_stop_near": "There is no bus stop within walking distance of that place.",
    "no_step_free_info": "This timetable says nothing about step-free buses, so none can be "
                         "chosen. Ask the bus company.",
}


def clock(seconds: int, t: Callable[..., str]) -> str:
    """8:05, 翌 0:10 (the next day), 前日 23:50 (the day before)."""
    day, rest = divmod(seconds, 86_400)
    text = f"{rest // 3600}:{rest % 3600 // 60:02d}"
    if day == 1:
        return t("next day {time}", time=text)
    if day == -1:
        return t("the day before {time}", time=text)
    return text


def transit_body(ctx: ViewContext, state: TransitState) -> list[ft.Control]:
    controls: list[ft.Control] = []
    controls += _status(ctx, state)
    controls += _form(ctx, state)
    controls += _results(ctx, state)
    controls += _board(ctx, state)
    controls += _favourites(ctx, state)
    return controls


# --- the timetables' status ---------------------------------------------------------------


def _status(ctx: ViewContext, state: TransitState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    out: list[ft.Control] = []
    if state.progress is not None or (state.load_status is Load.LOADING and not state.networks):
        label = (t("Downloading the timetable {name}… {percent}%", name=state.downloading,
                   percent=round(state.progress * 100)) if state.progress is not None
                 else t("Loading the timetable…"))
        out.append(ft.Column([
            ft.Text(label, size=m.body_size, color=p.on_surface),
            ft.ProgressBar(value=state.progress, semantics_label=label),
        ], key="transit-progress"))
    if not state.networks and state.load_status is Load.FAILED:
        message = (t("The timetable will be downloaded once this device is online.")
                   if state.offline else
                   t("The timetable could not be downloaded. Please try again later."))
        out.append(ft.Text(message, size=m.body_size, color=p.on_surface,
                           weight=ft.FontWeight.BOLD, key="transit-none"))
    for network in state.networks.values():
        out.append(_network_line(ctx, state, network))
    return out


def _network_line(ctx: ViewContext, state: TransitState, network: Network) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    feed = network.saved.feed
    lines: list[ft.Control] = [ft.Text(
        t("Timetable: {name} (as of {time})", name=feed.name,
          time=format_datetime_short(network.saved.checked_at, ctx.locale)),
        size=m.body_size * 0.9, color=p.on_surface)]
    ended = state.ended_on(network)
    if ended is not None:
        lines.append(ft.Text(t("This timetable ran until {day}; plan with a date up to then.",
                               day=format_date_long(ended, ctx.locale)),
                             size=m.body_size * 0.9, color=p.on_surface,
                             weight=ft.FontWeight.BOLD))
    if feed.is_demo:
        lines.append(ft.Text(t("Demo data: not a real timetable."), size=m.body_size * 0.9,
                             color=p.on_surface, weight=ft.FontWeight.BOLD))
    if state.offline:
        lines.append(ft.Text(t("Offline: planning with the timetable saved on this device."),
                             size=m.body_size * 0.9, color=p.on_surface))
    for index, alert in enumerate(state.alerts(feed.id, ctx.state.settings.language)):
        lines.append(ft.Row([ft.Icon(ft.Icons.WARNING_AMBER, color=p.on_surface,
                                     size=m.icon_size),
                             ft.Text(alert, size=m.body_size, color=p.on_surface,
                                     weight=ft.FontWeight.BOLD, expand=True)],
                            key=f"alert-{index}"))
    live = state.realtime.get(feed.id)
    if not feed.realtime or (live is not None and live.status == "scheduled"):
        lines.append(ft.Text(t("Times are as scheduled (no live bus information)."),
                             size=m.body_size * 0.8, color=p.on_surface))
    lines.append(ft.Text(feed.attribution, size=m.body_size * 0.75, color=p.on_surface))
    return ft.Container(ft.Column(lines, spacing=2), key=f"network-{feed.id}")


# --- the form ---------------------------------------------------------------------------------


def _form(ctx: ViewContext, state: TransitState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    language = ctx.state.settings.language
    out: list[ft.Control] = [section_heading(ctx, t("Plan a trip"))]
    for which, label in (("origin", t("From")), ("destination", t("To"))):
        text = state.origin_text if which == "origin" else state.destination_text
        chosen = state.origin if which == "origin" else state.destination
        out.append(ft.Container(controlled_text_field(
            ctx.fields, key=f"transit-{which}", revision=state.revision, text=text,
            on_text=_typed(ctx, state, which), label=label, text_size=m.body_size,
            hint_text=t("Stop name, reading or English")), key=f"{which}-field"))
        if chosen is None and text.strip():
            out.append(_suggestions(ctx, state, which, text, language))
    out.append(ft.Row([
        quiet_button(t("Swap"), m, p, _now(ctx, state.swap), icon_name="SWAP_VERT"),
    ], key="swap-row"))
    out.append(ft.RadioGroup(
        key="transit-mode", value="arrive" if state.arrive_by else "depart",
        on_change=lambda e: _set(ctx, lambda: state.set_when(
            arrive_by=e.control.value == "arrive")),
        content=ft.Row([
            ft.Radio(value="depart", label=t("Leave at"),
                     label_style=ft.TextStyle(size=m.body_size)),
            ft.Radio(value="arrive", label=t("Arrive by"),
                     label_style=ft.TextStyle(size=m.body_size)),
        ], wrap=True)))
    out.append(ft.Row([
        controlled_text_field(ctx.fields, key="transit-day", revision=state.revision,
                              text=state.day_text, label=t("Date (YYYY-MM-DD)"),
                              on_text=lambda text: state.set_when(day_text=text),
                              width=m.body_size * 11, text_size=m.body_size),
        controlled_text_field(ctx.fields, key="transit-time", revision=state.revision,
                              text=state.time_text, label=t("Time (HH:MM)"),
                              on_text=lambda text: state.set_when(time_text=text),
                              width=m.body_size * 8, text_size=m.body_size),
        quiet_button(t("Now"), m, p, _now(ctx, lambda: state.set_now(0))),
        quiet_button(t("Tomorrow"), m, p, _now(ctx, lambda: state.set_now(1))),
    ], wrap=True, spacing=m.body_size * 0.5, key="when-row",
        vertical_alignment=ft.CrossAxisAlignment.CENTER))
    out.append(ft.Dropdown(
        key="transit-speed", label=t("Walking speed"), value=str(state.speed),
        text_size=m.body_size, width=m.body_size * 14,
        options=[ft.DropdownOption(key=str(s), text=t(SPEED_LABELS[s])) for s in SPEEDS],
        on_select=lambda e: state.set_speed(int(e.control.value or SPEEDS[0]))))
    out.append(controlled_switch(
        ctx.fields, key="transit-step-free", value=state.step_free,
        on_value=lambda on: _set(ctx, lambda: state.set_step_free(on)),
        label=t("Step-free boarding only"), metrics=m))
    out.append(ft.Container(big_button(t("Search"), "SEARCH", m, p,
                                       _now(ctx, state.plan), "transit-search"),
                            key="search-row"))
    if state.form_problem:
        out.append(ft.Text(t(PROBLEMS[state.form_problem]), size=m.body_size,
                           color=p.on_surface, weight=ft.FontWeight.BOLD,
                           key="form-problem"))
    return out


def _suggestions(ctx: ViewContext, state: TransitState, which: str, text: str,
                 language: str) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    found = state.suggestions(text)
    if not found:
        return ft.Text(t("No stop found for “{text}”.", text=text.strip()), size=m.body_size,
                       color=p.on_surface, key=f"{which}-none")
    return ft.Row([
        quiet_button(place.shown(language), m, p,
                     _now(ctx, partial(state.choose, which, place, language)),
                     icon_name="PLACE")
        for place in found
    ], wrap=True, key=f"{which}-suggestions")


# --- results ------------------------------------------------------------------------------------


def _results(ctx: ViewContext, state: TransitState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    if state.results is None:
        return []
    out: list[ft.Control] = [section_heading(ctx, t("Results"))]
    if not state.results:
        out.append(ft.Text(t("No bus goes there at that time. Try another time or day."),
                           size=m.body_size, color=p.on_surface, key="no-results"))
        return out
    for index, shown in enumerate(state.results):
        out.append(_journey_card(ctx, state, shown, index))
    chosen = [c for c in (state.origin, state.destination) if isinstance(c, StopPlace)]
    buttons = [
        quiet_button(t("Departures from {stop}", stop=c.shown(ctx.state.settings.language)),
                     m, p, _now(ctx, partial(state.open_board, c)), icon_name="SCHEDULE")
        for c in chosen]
    if state.can_keep_trip():
        buttons.append(quiet_button(t("Keep this trip"), m, p, _task(ctx, state.keep_trip),
                                    icon_name="BOOKMARK_ADD"))
    out.append(ft.Row(buttons, wrap=True, key="board-buttons"))
    return out


def _journey_card(ctx: ViewContext, state: TransitState, shown: ShownJourney,
                  index: int) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    journey = shown.journey
    network = state.networks[shown.feed_id]
    minutes = (journey.arrival - journey.departure) // 60
    head = t("{departure} → {arrival} ({minutes} min)", departure=clock(journey.departure, t),
             arrival=clock(journey.arrival, t), minutes=minutes)
    if journey.trips == 0:
        summary = t("On foot")
    elif journey.trips == 1:
        summary = t("No change")
    else:
        summary = t("{count} changes", count=journey.trips - 1)
    fares = shown.fares
    fare_lines = [t("Cash {fare}", fare=format_yen(fares.cash, ctx.locale))
                  if fares.cash is not None else t("Fare not known")]
    if journey.trips:
        fare_lines.append(t("IC card {fare}", fare=format_yen(fares.ic, ctx.locale))
                          if fares.ic is not None else t("IC card fare not known"))
    lines: list[ft.Control] = [
        ft.Text(head, size=m.body_size * 1.1, weight=ft.FontWeight.BOLD, color=p.on_surface),
        ft.Text(" · ".join([summary, *fare_lines]), size=m.body_size, color=p.on_surface),
    ]
    lines += [_leg_line(ctx, state, network, leg, shown.feed_id) for leg in journey.legs]
    shown_map = state.map_open == index
    lines.append(quiet_button(t("Hide the map") if shown_map else t("Show on a map"), m, p,
                              _now(ctx, partial(state.toggle_map, index)), icon_name="MAP"))
    if shown_map:
        lines.append(journey_map(ctx, state, index))
    return ft.Container(line_card(ctx, lines), key=f"journey-{index}-{journey.trips}")


def _stop_name(ctx: ViewContext, state: TransitState, network: Network, stop: int,
               end: Chosen | None) -> str:
    language = ctx.state.settings.language
    if stop == ORIGIN:
        return end.shown(language) if end is not None else ""
    meta = network.saved.timetable.meta["stops"][stop]
    name = meta["name"] if language == "ja" else (
        meta["names"].get(language) or meta["names"].get("en") or meta["name"])
    platform = meta.get("platform")
    return ctx.t("{stop} (stand {platform})", stop=name, platform=platform) if platform \
        else name


def _leg_line(ctx: ViewContext, state: TransitState, network: Network, leg: Leg,
              feed_id: str) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    start = _stop_name(ctx, state, network, leg.from_stop, state.origin)
    end = _stop_name(ctx, state, network, leg.to_stop, state.destination)
    if not leg.is_ride:
        minutes = max(1, round((leg.arrival - leg.departure) / 60))
        return ft.Text(t("Walk {minutes} min ({metres} m): {start} → {end}", minutes=minutes,
                         metres=leg.metres, start=start, end=end),
                       size=m.body_size * 0.95, color=p.on_surface)
    meta = network.saved.timetable.meta
    language = ctx.state.settings.language
    route = meta["routes"][leg.route]
    trip = meta["trips"][leg.trip]
    route_name = route["short"] or route["long"]
    if language != "ja":
        route_name = route["names"].get(f"short:{language}") or route["names"].get(
            "short:en") or route_name
    headsign = trip["headsign"] if language == "ja" else (
        trip["names"].get(language) or trip["names"].get("en") or trip["headsign"])
    text = t("{departure} {start} → {arrival} {end}, {route} for {headsign}",
             departure=clock(leg.departure, t), start=start, arrival=clock(leg.arrival, t),
             end=end, route=route_name, headsign=headsign or end)
    delay, cancelled = state.delay_of(feed_id, trip["id"])
    if cancelled:
        text += " · " + t("Cancelled trip")
    elif delay is not None:
        text += " · " + (t("{minutes} min late", minutes=delay // 60) if delay >= 60
                         else t("On time"))
    return ft.Row([ft.Icon(ft.Icons.DIRECTIONS_BUS, color=p.primary, size=m.icon_size),
                   ft.Text(text, size=m.body_size * 0.95, color=p.on_surface, expand=True)])


# --- departures board and favourites -------------------------------------------------------------


def _board(ctx: ViewContext, state: TransitState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    board = state.board
    if board is None:
        return []
    language = ctx.state.settings.language
    network = state.networks.get(board.place.feed_id)
    if network is None:
        return []
    meta = network.saved.timetable.meta
    rows: list[ft.Control] = [
        ft.Text(t("Next buses from {stop}, {day}", stop=board.place.shown(language),
                  day=format_day_short(board.day, ctx.locale) if board.day else ""),
                size=m.body_size * 1.1, weight=ft.FontWeight.BOLD, color=p.on_surface)]
    if not board.departures:
        rows.append(ft.Text(t("No more buses that day."), size=m.body_size, color=p.on_surface))
    for d in board.departures:
        route = meta["routes"][d.route]
        trip = meta["trips"][d.trip]
        headsign = trip["headsign"] if language == "ja" else (
            trip["names"].get("en") or trip["headsign"])
        line = t("{time} {route} for {headsign}", time=clock(d.time, t),
                 route=route["short"] or route["long"], headsign=headsign)
        delay, cancelled = state.delay_of(board.place.feed_id, trip["id"])
        if cancelled:
            line += " · " + t("Cancelled trip")
        elif delay is not None:
            line += " · " + (t("{minutes} min late", minutes=delay // 60) if delay >= 60
                             else t("On time"))
        rows.append(ft.Text(line, size=m.body_size, color=p.on_surface))
    favourite = state.is_favourite(board.place)
    rows.append(ft.Row([
        quiet_button(t("Remove from favourites") if favourite else t("Add to favourites"), m,
                     p, _task(ctx, lambda: state.toggle_favourite(board.place)),
                     icon_name="STAR" if favourite else "STAR_BORDER"),
        quiet_button(t("Close"), m, p, _now(ctx, state.close_board), icon_name="CLOSE"),
    ], wrap=True))
    return [ft.Container(line_card(ctx, rows), key="board")]


def _favourites(ctx: ViewContext, state: TransitState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    language = ctx.state.settings.language
    out: list[ft.Control] = []
    trips = state.favourite_trips()
    if trips:
        out.append(ft.Container(section_heading(ctx, t("Saved trips")), key="trips-heading"))
    for index, (start, end) in enumerate(trips):
        label = f"{start.shown(language)} → {end.shown(language)}"
        out.append(ft.Row([
            quiet_button(label, m, p, _now(ctx, partial(state.use_trip, start, end, language)),
                         icon_name="ROUTE"),
            quiet_button(t("Remove {trip}", trip=label), m, p,
                         _task(ctx, partial(state.forget_trip, index)), icon_name="DELETE"),
        ], wrap=True, key=f"trip-{start.key}-{end.key}"))
    places = state.favourite_places()
    if not places:
        return out
    out.append(ft.Container(section_heading(ctx, t("Favourite stops")), key="stops-heading"))
    for place in places:
        out.append(ft.Row([
            ft.Text(place.shown(language), size=m.body_size, color=p.on_surface, expand=True),
            quiet_button(t("From here"), m, p,
                         _now(ctx, partial(state.choose, "origin", place, language))),
            quiet_button(t("To here"), m, p,
                         _now(ctx, partial(state.choose, "destination", place, language))),
            quiet_button(t("Departures"), m, p, _now(ctx, partial(state.open_board, place))),
        ], wrap=True, key=f"favourite-{place.key}"))
    return out


# --- handlers -------------------------------------------------------------------------------------


def _typed(ctx: ViewContext, state: TransitState, which: str) -> Callable[[str], None]:
    def on_text(text: str) -> None:
        state.set_text(which, text)
        ctx.refresh()

    return on_text


def _set(ctx: ViewContext, change: Callable[[], None]) -> None:
    change()
    ctx.refresh()


def _now(ctx: ViewContext, action: Callable[[], Any]) -> Callable[[object], None]:
    def run(_: object) -> None:
        action()
        ctx.refresh()

    return run


def _task(ctx: ViewContext, action: Callable[[], Any]) -> Callable[[object], None]:
    async def run() -> None:
        await action()
        ctx.refresh()

    return lambda _: ctx.run_task(run)
