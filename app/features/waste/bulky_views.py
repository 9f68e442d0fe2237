"""The bulky-waste booking screens (粗大ごみ): my bookings, pick items, pick a day, confirm.

Renders `BulkyBooking` only: its reads are started by the shell (`wiring.prepare`), its writes
by the actions below. Bookings are keyed by their id, optional lines by name."""

from __future__ import annotations

from datetime import date
from typing import Any

import flet as ft
from babel.numbers import format_decimal

from app.design.widgets import big_button, destructive_button
from app.features.points import api as points_api
from app.features.points.api import FeePayment
from app.features.waste.bulky import Booking, BulkyBooking, Slot, is_bulky
from app.features.waste.state import WasteState
from app.i18n.formatting import format_day_short, format_yen
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.views.common import line_card, section_heading

STATUS_LABELS = {
    "pending": "Waiting for the city's confirmation",
    "booked": "Booked",
    "cancelled": "Cancelled",
    "collected": "Collected",
}
REJECTION_LABELS = {
    "slot_full": "That day is fully booked. Please choose another day.",
    "deadline_passed": "It is too late to book, change or cancel for that day.",
    "not_bulky": "One of the items is not bulky waste.",
    "unknown_item": "One of the items is no longer in the city's list.",
    "residents_only": "Only residents logged in with their My Number card can book.",
    "fee_paid_with_points": ("The fee was paid with points, so the items cannot change the "
                             "fee. Cancel the booking (the points come back) and book again."),
}


def bulky_section(ctx: ViewContext, waste: WasteState, state: BulkyBooking,
                  fees: FeePayment | None = None) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [ft.Text(
        t("Furniture, appliances and other large items are collected at your door on your "
          "district's day, by booking. Pay with bulky-waste stickers (粗大ごみ処理券)."),
        size=m.body_size * 0.9, color=p.on_surface, key="bulky-intro")]
    if not state.signed_in:
        controls.append(ft.Text(t("Log in with your My Number card to book a collection."),
                                size=m.body_size, color=p.on_surface,
                                weight=ft.FontWeight.BOLD, key="bulky-login-note"))
        controls.append(ft.Container(big_button(t("Log in"), "LOGIN", m, p,
                                                lambda _: ctx.login()), key="bulky-login"))
        return controls
    if state.message:
        controls.append(ft.Text(t(state.message), size=m.body_size, color=p.primary,
                                weight=ft.FontWeight.BOLD, key="bulky-message"))
    controls.append(ft.Container(section_heading(ctx, t("My bookings")), key="bookings"))
    if not state.bookings:
        controls.append(ft.Text(t("No bookings yet."), size=m.body_size, color=p.on_surface,
                                key="no-bookings"))
    controls += [_booking_card(ctx, state, waste, b, fees) for b in state.bookings]

    controls.append(ft.Container(section_heading(ctx, t("New booking")), key="new-booking"))
    area = waste.area
    if area is None:
        controls.append(ft.Text(t("First choose your district under “Collection days”."),
                                size=m.body_size, color=p.on_surface, key="no-district"))
        return controls
    controls += _item_picker(ctx, state, waste)
    controls.append(ft.Column(_cart(ctx, state), key="cart"))
    if state.cart:
        controls.append(ft.Column(_day_picker(ctx, state, waste), key="days"))
    if state.cart and state.day is not None:
        controls.append(ft.Container(big_button(
            t("Book for {day}", day=format_day_short(state.day, ctx.locale)),
            "EVENT_AVAILABLE", m, p, lambda _: ctx.run_task(_book, ctx, state, waste)),
            key="book"))
    return controls


def _booking_card(ctx: ViewContext, state: BulkyBooking, waste: WasteState,
                  booking: Booking, fees: FeePayment | None = None) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    title = (t("Booking number {number}", number=booking.number) if booking.number
             else t("Booking (no number yet)"))
    day = format_day_short(booking.day, ctx.locale) if booking.day else "?"
    lines: list[ft.Control] = [
        ft.Text(title, size=m.body_size * 1.05, weight=ft.FontWeight.BOLD, color=p.on_surface),
        ft.Text(f"{day} · {booking.area_name}", size=m.body_size, color=p.on_surface),
        ft.Text(booked_items(booking), size=m.body_size * 0.95, color=p.on_surface),
        ft.Text(t("Fee: {amount}", amount=format_yen(booking.total_fee, ctx.locale)),
                size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD),
    ]
    if booking.rejection is not None:
        code, message = booking.rejection
        reason = REJECTION_LABELS.get(code or "")
        lines.append(ft.Text(t("Not accepted: {reason}",
                               reason=t(reason) if reason else (message or "")),
                             size=m.body_size, color=p.banner, weight=ft.FontWeight.BOLD))
        return _keyed(line_card(ctx, lines), f"booking-{booking.booking_id}")
    if booking.refused_change is not None:
        name, code, message = booking.refused_change
        reason = REJECTION_LABELS.get(code or "")
        template = ("The cancellation was not accepted: {reason}" if name == "cancel"
                    else "The change was not accepted: {reason}")
        lines.append(ft.Text(t(template, reason=t(reason) if reason else (message or "")),
                             size=m.body_size, color=p.banner, weight=ft.FontWeight.BOLD))
    status = t(STATUS_LABELS.get(booking.status, booking.status))
    if booking.waiting and booking.status != "pending":
        status += " · " + t("a change is waiting to be sent")
    lines.append(ft.Text(status, size=m.body_size * 0.9, color=p.on_surface, italic=True))
    if booking.status == "booked":
        text = booking.payment.get("text_ja" if ctx.locale.startswith("ja") else "text_en")
        if isinstance(text, str):
            lines.append(ft.Text(text, size=m.body_size * 0.9, color=p.on_surface))
        if fees is not None:
            lines += points_payment(ctx, booking, fees)
        today = state.today()  # by the server's clock: the city's deadline
        if booking.changeable_until is not None and booking.changeable_until >= today:
            lines.append(ft.Text(t("You can change or cancel until {day}.",
                                   day=format_day_short(booking.changeable_until, ctx.locale)),
                                 size=m.body_size * 0.9, color=p.on_surface))
            # The way forward first; the destructive action last, in the danger colour,
            # and both ask before anything is sent (`_ask_cancel`, `_ask_move`).
            lines.append(ft.Row([
                big_button(t("Change the day"), "EDIT_CALENDAR", m, p,
                           lambda _: _toggle_move(ctx, state, booking),
                           f"change-day-{booking.booking_id}"),
                destructive_button(t("Cancel this booking"), m, p,
                                   lambda _: _ask_cancel(ctx, state, waste, booking),
                                   f"cancel-booking-{booking.booking_id}", "EVENT_BUSY"),
            ], wrap=True, spacing=m.body_size, run_spacing=m.body_size * 0.5))
            if state.moving == booking.booking_id:
                for slot in state.slots(waste.choice.district, waste.content.holidays):
                    if slot.day != booking.day and slot.remaining > 0:
                        lines.append(_slot_button(
                            ctx, slot, lambda _, d=slot.day: _ask_move(
                                ctx, state, waste, booking, d)))
    return _keyed(line_card(ctx, lines), f"booking-{booking.booking_id}")


def _keyed(control: ft.Control, key: str) -> ft.Control:
    control.key = key
    return control


def _item_picker(ctx: ViewContext, state: BulkyBooking, waste: WasteState) -> list[ft.Control]:
    """The query lives in the state (a controlled field), so a re-render (a sync finishing)
    keeps what was typed, the focus and the results."""
    t, m = ctx.t, ctx.metrics
    hits = [h for h in waste.search(state.query, 40) if is_bulky(h.item)][:8]

    def typed(text: str) -> None:
        state.set_query(text)
        ctx.refresh()

    field = controlled_text_field(
        ctx.fields, key="bulky-search", text=state.query, revision=state.query_revision,
        on_text=typed, label=t("Add an item (e.g. 電子レンジ, ソファ)"),
        prefix_icon=ft.Icons.ADD_SHOPPING_CART, text_size=m.body_size)
    return [field, ft.Column([_pick_row(ctx, state, waste, h.item) for h in hits],
                             spacing=m.body_size * 0.4, key="bulky-results")]


def _pick_row(ctx: ViewContext, state: BulkyBooking, waste: WasteState,
              item: dict[str, Any]) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    fee = item.get("fee")
    fee_text = format_yen(fee, ctx.locale) if isinstance(fee, int) else t("Fee unknown")
    return ft.Row(key=f"pick-{item.get('id')}", controls=[
        ft.Text(f"{item.get('name')} · {fee_text}", size=m.body_size, color=p.on_surface,
                expand=True),
        big_button(t("Add {name}", name=item.get("name")), "ADD", m, p,
                   lambda _: _add(ctx, state, item)),
    ])


def _cart(ctx: ViewContext, state: BulkyBooking) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    if not state.cart:
        return [ft.Text(t("Search for each item and add it."), size=m.body_size * 0.9,
                        color=p.on_surface)]
    rows: list[ft.Control] = []
    for item_id, quantity in state.cart.items():
        item = state.cart_items[item_id]
        rows.append(ft.Row(key=f"cart-{item_id}", controls=[
            ft.Text(f"{item.get('name')} × {quantity}", size=m.body_size, color=p.on_surface,
                    expand=True),
            ft.IconButton(ft.Icon(ft.Icons.REMOVE_CIRCLE_OUTLINE,
                                  semantics_label=t("One less {name}", name=item.get("name"))),
                          on_click=lambda _, i=item_id: _remove(ctx, state, i),
                          width=m.min_touch_target, height=m.min_touch_target),
        ]))
    rows.append(ft.Text(t("Total fee: {amount}", amount=format_yen(state.total_fee,
                                                                   ctx.locale)),
                        size=m.body_size * 1.1, weight=ft.FontWeight.BOLD, color=p.on_surface))
    return rows


def _day_picker(ctx: ViewContext, state: BulkyBooking, waste: WasteState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    slots = state.slots(waste.choice.district, waste.content.holidays)
    controls: list[ft.Control] = [section_heading(ctx, t("Choose a collection day"))]
    if not slots:
        controls.append(ft.Text(t("No collection days are open for booking in your district "
                                  "right now."), size=m.body_size, color=p.on_surface))
    for slot in slots[:8]:
        if slot.remaining <= 0:
            controls.append(ft.Text(t("{day}: fully booked",
                                      day=format_day_short(slot.day, ctx.locale)),
                                    size=m.body_size, color=p.on_surface))
            continue
        controls.append(_slot_button(ctx, slot, lambda _, d=slot.day: _pick_day(ctx, state, d),
                                     selected=state.day == slot.day))
    return controls


def _slot_button(ctx: ViewContext, slot: Slot, on_click: Any,
                 selected: bool = False) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    label = t("{day} ({count} places left)", day=format_day_short(slot.day, ctx.locale),
              count=slot.remaining)
    return ft.Button(
        content=ft.Text(label, size=m.body_size, color=p.on_primary if selected else p.primary),
        icon=ft.Icon(ft.Icons.CHECK if selected else ft.Icons.EVENT,
                     color=p.on_primary if selected else p.primary),
        bgcolor=p.primary if selected else p.surface, height=m.min_touch_target,
        on_click=on_click)


# --- actions -----------------------------------------------------------------------------------
def _items_and_areas(waste: WasteState) -> tuple[dict[str, Any], dict[str, Any]]:
    return ({str(i.get("id")): i for i in waste.content.items},
            {str(a.get("id")): a for a in waste.content.areas})


def _add(ctx: ViewContext, state: BulkyBooking, item: dict[str, Any]) -> None:
    state.add(item)
    ctx.refresh()


def _remove(ctx: ViewContext, state: BulkyBooking, item_id: str) -> None:
    state.remove_one(item_id)
    ctx.refresh()


def _pick_day(ctx: ViewContext, state: BulkyBooking, day: Any) -> None:
    state.pick_day(day)
    ctx.refresh()


def _toggle_move(ctx: ViewContext, state: BulkyBooking, booking: Booking) -> None:
    state.toggle_move(booking)
    ctx.refresh()


async def _book(ctx: ViewContext, state: BulkyBooking, waste: WasteState) -> None:
    area = waste.area
    if area is not None:
        await state.book(area)
        await state.load(*_items_and_areas(waste))
    ctx.refresh()


def booked_items(booking: Booking) -> str:
    """The booking's items in one line, as the question names them: 電子レンジ × 1 / 椅子 × 2."""
    return " / ".join(f"{i.get('name')} × {i.get('quantity')}" for i in booking.items)


def cancel_confirmation(ctx: ViewContext, state: BulkyBooking, waste: WasteState,
                        booking: Booking) -> Confirmation:
    """The question before a booking is cancelled: it names the items and the day."""
    t = ctx.t
    day = format_day_short(booking.day, ctx.locale) if booking.day else "?"
    return Confirmation(
        title=t("Cancel this booking?"),
        message=t("The collection of {items} on {day} will be cancelled. To have them "
                  "collected later you need to book again.", items=booked_items(booking),
                  day=day),
        confirm_label=t("Cancel the booking"),
        cancel_label=t("Keep the booking"),
        on_confirm=lambda: _cancel(ctx, state, waste, booking),
        destructive=True,
        done_message=t("The booking was cancelled."),
        identifier="cancel-booking",
    )


def move_confirmation(ctx: ViewContext, state: BulkyBooking, waste: WasteState,
                      booking: Booking, day: date) -> Confirmation:
    """The question before a booking moves to another day: the items, the old and new day."""
    t = ctx.t
    before = format_day_short(booking.day, ctx.locale) if booking.day else "?"
    after = format_day_short(day, ctx.locale)
    return Confirmation(
        title=t("Move the collection to {day}?", day=after),
        message=t("{items}: the collection on {before} moves to {after}.",
                  items=booked_items(booking), before=before, after=after),
        confirm_label=t("Change to {day}", day=after),
        on_confirm=lambda: _move(ctx, state, waste, booking, day),
        destructive=False,
        done_message=t("The collection day was changed."),
        identifier="change-day",
    )


def _ask_cancel(ctx: ViewContext, state: BulkyBooking, waste: WasteState,
                booking: Booking) -> None:
    ctx.confirm(cancel_confirmation(ctx, state, waste, booking))


def _ask_move(ctx: ViewContext, state: BulkyBooking, waste: WasteState, booking: Booking,
              day: date) -> None:
    ctx.confirm(move_confirmation(ctx, state, waste, booking, day))


async def _cancel(ctx: ViewContext, state: BulkyBooking, waste: WasteState,
                  booking: Booking) -> None:
    await state.cancel(booking)
    await state.load(*_items_and_areas(waste))
    ctx.refresh()


async def _move(ctx: ViewContext, state: BulkyBooking, waste: WasteState, booking: Booking,
                day: date) -> None:
    await state.move(booking, day)
    await state.load(*_items_and_areas(waste))
    ctx.refresh()


# --- paying the fee with points (the points tile's api) -----------------------------------------
def points_payment(ctx: ViewContext, booking: Booking, fees: FeePayment) -> list[ft.Control]:
    """「ポイントで支払う」 on a booked collection with a fee: the PIN, then the receipt. Offline
    it says the payment needs the network (nothing is sent or queued)."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    number = booking.number
    if not number or booking.total_fee <= 0:
        return []
    receipt = fees.receipts.get(number)
    if receipt is not None or booking.payment.get("method") == "points":
        amount = receipt.amount if receipt is not None else booking.total_fee
        text = t("Paid with points: {amount} points.",
                 amount=format_decimal(amount, locale=ctx.locale))
        if receipt is not None and receipt.balance_after is not None:
            text += " " + t("Points left: {balance}.",
                            balance=format_decimal(receipt.balance_after, locale=ctx.locale))
        return [ft.Semantics(identifier=f"points-paid-{number}", live_region=True,
                             container=True, content=ft.Text(
            text, size=m.body_size, color=p.primary, weight=ft.FontWeight.BOLD))]
    return points_api.fee_payment_controls(ctx, fees, number, booking.total_fee,
                                           f"bulky-{number}")
