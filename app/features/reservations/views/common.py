"""Small pieces the reservations screens share: the status badge, a booking's time, the age
of the free-place counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import flet as ft

from app.features.reservations.catalogue import CITY_TIME_ZONE
from app.features.reservations.records import STATUS_LABELS, Booking
from app.features.reservations.state import ReservationsState
from app.i18n.formatting import format_datetime_short, format_day_short
from app.shell.context import ViewContext
from app.shell.views.blocks import badge, message, plain


def status_badge(ctx: ViewContext, booking: Booking, key: str) -> ft.Control:
    t = ctx.t
    status = "pending" if booking.waiting and booking.status == "pending" else booking.status
    label = t(STATUS_LABELS.get(status, status))
    if booking.waiting and booking.status != "pending":
        label = t("{status} (change not sent yet)", status=label)
    return ft.Semantics(key=key, label=t("Status: {status}", status=label), container=True,
                        exclude_semantics=True,
                        content=badge(ctx, label, strong=booking.status == "booked"))


def when(ctx: ViewContext, moment: datetime | None) -> str:
    """A time in Asia/Tokyo in the UI language."""
    return format_datetime_short(moment, ctx.locale) if moment is not None else ""


def until(ctx: ViewContext, moment: datetime) -> str:
    """A deadline as residents say it: one at midnight (Tokyo) is the end of the day
    before (「12月6日(日)まで」), any other the time itself."""
    local = moment.astimezone(CITY_TIME_ZONE)
    if local.hour == 0 and local.minute == 0:
        return format_day_short(local.date() - timedelta(days=1), ctx.locale)
    return when(ctx, moment)


def counts_age(ctx: ViewContext, state: ReservationsState, key: str) -> list[ft.Control]:
    """When the free places were last synced, and a warning when that is a while ago."""
    t = ctx.t
    if state.synced_at is None:
        return [message(ctx, t("Free places will appear here once this device has been "
                               "online."), key, alert=True)]
    out: list[ft.Control] = [plain(ctx, t("Updated {time}", time=when(ctx, state.synced_at)),
                                   key, small=True)]
    if state.counts_stale():
        out.append(plain(ctx, t("Free places may have changed since then. The city confirms "
                                "every booking."), f"{key}-stale", small=True))
    return out


def tap(ctx: ViewContext, action: Callable[[], None]) -> Callable[[object], None]:
    """A click handler: the state's change, then a render."""
    def clicked(_: object) -> None:
        action()
        ctx.refresh()
    return clicked
