"""One resource: what it is, who it is for, fee and rules, its days (next two weeks) and
each day's slots with free places (満員 when full, then the waiting list if it has one),
whom it is for, its questions (the procedures tile's field views, each error at its field)
and the booking button."""

from __future__ import annotations

from functools import partial
from typing import Any

import flet as ft
from babel.dates import format_time
from babel.lists import format_list

from app.design.widgets import big_button, quiet_button
from app.features.procedures.api import form_controls
from app.features.reservations.catalogue import (
    CITY_TIME_ZONE,
    FEE_METHOD_LABELS,
    ResourceEntry,
    Slot,
)
from app.features.reservations.queue.state import queue_route
from app.features.reservations.routes import ROUTE
from app.features.reservations.state import ReservationsState
from app.features.reservations.views.common import counts_age, tap
from app.i18n.formatting import format_day_short, format_yen
from app.shell.context import ViewContext
from app.shell.views.blocks import card, heading, message, plain

RESIDENCY_LABELS = {
    "any": "Anyone logged in",
    "card": "People logged in with a My Number card",
    "resident": "Residents of Tsuyama",
}


def resource_screen(ctx: ViewContext, state: ReservationsState,
                    resource_id: str) -> list[ft.Control]:
    t, lang = ctx.t, ctx.t.lang
    entry = state.resource(resource_id)
    back = quiet_button(t("Back to reservations"), ctx.metrics, ctx.palette,
                        lambda _: ctx.navigate(ROUTE), "resource-back")
    if entry is None:
        return [message(ctx, t("This booking target is not on this device."),
                        "resource-missing", alert=True), back]
    controls: list[ft.Control] = [heading(ctx, entry.title_in(lang), "resource-heading")]
    if state.message_on(ctx.state.route):
        controls.append(message(ctx, t(state.message, **state.message_params),
                                "resource-message", alert=True))
    controls.append(plain(ctx, entry.summary_in(lang), "resource-summary"))
    controls.append(plain(ctx, t("Place: {place}", place=entry.place_in(lang)),
                          "resource-place"))
    controls.append(card(ctx, _rules(ctx, entry), "resource-rules"))
    controls += counts_age(ctx, state, "resource-updated")
    controls += _days(ctx, state, entry)
    controls += _for_whom(ctx, state)
    controls += _questions(ctx, state, entry)
    controls += _book(ctx, state, entry)
    if entry.queue_counter is not None:
        # On the day, at the counter: a waiting number instead of (or besides) a booking.
        counter = entry.queue_counter
        controls.append(quiet_button(t("Take a waiting number"), ctx.metrics, ctx.palette,
                                     lambda _: ctx.navigate(queue_route(counter)),
                                     "resource-queue", icon_name="CONFIRMATION_NUMBER"))
    controls.append(back)
    return controls


def _rules(ctx: ViewContext, entry: ResourceEntry) -> list[ft.Control]:
    t = ctx.t
    lines = [plain(ctx, t("Who may book: {who}", who=t(RESIDENCY_LABELS.get(
        entry.residency, entry.residency))), small=True)]
    if entry.min_age is not None or entry.max_age is not None:
        lines.append(plain(ctx, _ages(ctx, entry.min_age, entry.max_age), small=True))
    if entry.fee_yen > 0:
        # 「ポイントまたは窓口で支払う」 / "Points or Pay at the counter" (not a 、 in English).
        methods = format_list([t(FEE_METHOD_LABELS.get(m, m)) for m in entry.fee_methods],
                              style="or", locale=ctx.locale)
        lines.append(plain(ctx, t("Fee: {amount} ({methods})", amount=format_yen(
            entry.fee_yen, ctx.locale), methods=methods), small=True))
    else:
        lines.append(plain(ctx, t("No fee."), small=True))
    if entry.opens_days_before is not None:
        lines.append(plain(ctx, t("Booking opens {days} days before and closes {working} "
                                  "working days before.", days=str(entry.opens_days_before),
                                  working=str(entry.closes_working_days_before or 0)),
                           small=True))
    if entry.per_person_open is not None:
        lines.append(plain(ctx, t("At most {limit} open booking(s) per person.",
                                  limit=str(entry.per_person_open)), small=True))
    if entry.per_household_open is not None:
        lines.append(plain(ctx, t("At most {limit} open booking(s) per household.",
                                  limit=str(entry.per_household_open)), small=True))
    if entry.per_person_per_month is not None:
        lines.append(plain(ctx, t("At most {limit} booking(s) per person per month.",
                                  limit=str(entry.per_person_per_month)), small=True))
    return lines


def _ages(ctx: ViewContext, low: int | None, high: int | None) -> str:
    """The ages a resource is for: "18 and over", "up to 12" or "6 to 12" (never "18 to")."""
    t = ctx.t
    if high is None:
        return t("Ages: {low} and over", low=str(low or 0))
    if not low:
        return t("Ages: up to {high}", high=str(high))
    return t("Ages: {low} to {high}", low=str(low), high=str(high))


def _days(ctx: ViewContext, state: ReservationsState, entry: ResourceEntry
          ) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics
    days = state.days(entry.id)
    if not days:
        return [plain(ctx, t("No times in the next two weeks."), "resource-no-days")]
    shown = state.day(entry.id)
    chips: list[ft.Control] = []
    for day in days:
        # 「12月8日(火) 空き39」 / "Tue, Dec 8: 39 free" (not "Tue, Dec 8 39 free").
        shown_day = format_day_short(day.day, ctx.locale)
        label = (t("{day}: full", day=shown_day) if day.full
                 else t("{day}: {count} free", day=shown_day, count=str(day.free)))
        chips.append(ft.Chip(label=ft.Text(label), key=f"day-{day.day.isoformat()}",
                             selected=shown is not None and day.day == shown.day,
                             on_click=tap(ctx, partial(state.choose_day, day.day))))
    controls: list[ft.Control] = [plain(ctx, t("Choose a day"), bold=True),
                                  ft.Row(chips, wrap=True, key="resource-days")]
    if shown is None:
        return controls
    rows: list[ft.Control] = []
    for slot in shown.slots:
        rows.append(_slot_row(ctx, state, entry, slot))
    controls.append(plain(ctx, t("Choose a time"), bold=True))
    controls.append(ft.Row(rows, key="resource-slots", wrap=True, spacing=m.body_size * 0.4,
                           run_spacing=m.body_size * 0.3))
    return controls


def _slot_row(ctx: ViewContext, state: ReservationsState, entry: ResourceEntry,
              slot: Slot) -> ft.Control:
    t = ctx.t
    start = format_time(slot.start, format="short", locale=ctx.locale,
                        tzinfo=CITY_TIME_ZONE)  # the day is chosen above: the time only
    free = t("Full") if slot.full else t("{count} free", count=str(slot.free))
    if slot.full and entry.waiting_list:
        free += " " + t("(waiting list: {count})", count=str(slot.waiting))
    chosen = state.chosen_slot is not None and state.chosen_slot.start == slot.start
    return ft.Chip(  # large, selectable, readable
        label=ft.Text(f"{start}  {free}"), key=f"slot-{slot.start.isoformat()}",
        selected=chosen, on_click=tap(ctx, lambda: state.choose_slot(slot)))


def _for_whom(ctx: ViewContext, state: ReservationsState) -> list[ft.Control]:
    t = ctx.t
    people = state.for_whom()
    if len(people) <= 1:
        return []
    current = state.subject if state.subject in people else people[0]
    chips: list[ft.Control] = [ft.Chip(label=ft.Text(t("You") if index == 0 else person.name),
                     key=f"for-{index}", selected=person == current,
                     on_click=tap(ctx, partial(state.choose_subject, person)))
             for index, person in enumerate(people)]
    return [plain(ctx, t("For whom"), bold=True), ft.Row(chips, wrap=True, key="for-whom")]


def _questions(ctx: ViewContext, state: ReservationsState, entry: ResourceEntry
               ) -> list[ft.Control]:
    """The resource's questions as a form (none when it asks none)."""
    t = ctx.t
    if state.questions_unreadable(entry):
        return [message(ctx, t("This app cannot show the questions of this booking. Please "
                               "update the app."), "resource-questions-unreadable",
                        alert=True)]
    engine = state.questions(entry)
    if engine is None:
        return []

    def changed(name: str, value: Any) -> None:
        state.answer(entry, name, value)
        ctx.refresh()

    def left(name: str) -> None:
        state.check_answer(entry, name)
        ctx.refresh()

    answers = state.answers if state.answers_for == entry.id else {}
    fields = form_controls(ctx, engine, answers, state.answer_errors, (), (), changed, left,
                           revision=state.answers_revision)
    return [plain(ctx, t("Please answer these questions"), "resource-questions-heading",
                  bold=True), ft.Column(fields, key="resource-questions", tight=True)]


def _book(ctx: ViewContext, state: ReservationsState, entry: ResourceEntry
          ) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = []
    if entry.fee_yen > 0 and len(entry.fee_methods) > 1:
        # What the chips below are for (alone, "Points" and "Pay at the counter" said little).
        controls.append(plain(ctx, t("How to pay the fee"), "fee-methods-heading", bold=True))
        controls.append(ft.Row([ft.Chip(label=ft.Text(t(FEE_METHOD_LABELS.get(method,
                                                                              method))),
                                        key=f"fee-{method}",
                                        selected=state.fee_method == method,
                                        on_click=tap(ctx, partial(state.choose_fee_method,
                                                             entry, method)))
                                for method in entry.fee_methods], wrap=True,
                               key="fee-methods"))
    slot = state.chosen_slot

    async def book(waiting: bool) -> None:
        booking_id = await state.book(entry, join_waiting_list=waiting)
        if booking_id is not None:
            ctx.navigate(state.message_for)
        ctx.refresh()

    if slot is not None and slot.full and entry.waiting_list:
        controls.append(big_button(t("Join the waiting list"), "HOURGLASS_TOP", m, p,
                                   lambda _: ctx.run_task(book, True), "resource-wait"))
    else:
        controls.append(big_button(t("Book this time"), "EVENT_AVAILABLE", m, p,
                                   lambda _: ctx.run_task(book, False), "resource-book"))
    return controls
