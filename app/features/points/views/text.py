"""Labels and number formats of the points screens (Babel: 「1,250 ポイント」)."""

from __future__ import annotations

from babel.numbers import format_decimal

from app.features.points.state import PointsTransfer, Problem
from app.i18n.formatting import format_datetime_short, format_month
from app.shell.context import ViewContext

KIND_LABELS = {
    "earn": "Earned",
    "pay": "Paid",
    "refund": "Refunded",
    "expire": "Expired",
    "correction": "Correction",
}
PURPOSE_LABELS = {
    "recycling": "Recycling",
    "health_check": "Health check",
    "event": "Event",
    "stamp_rally": "Stamp rally",
    "district_goal": "District recycling goal",
    "shop_payment": "Payment at a shop",
    "bulky_waste_fee": "Bulky-waste fee",
    "staff_grant": "Granted by the city",
    "expiry": "Points expired",
    "correction": "Correction by the city",
}


def points(ctx: ViewContext, amount: int, *, signed: bool = False) -> str:
    """「1,250 ポイント」 / "1,250 points"; `signed`: 「+120 ポイント」, 「−300 ポイント」."""
    number = format_decimal(abs(amount), locale=ctx.locale)
    if signed:
        number = ("+" if amount > 0 else "−" if amount < 0 else "") + number
    elif amount < 0:
        number = "−" + number
    return ctx.t("{points} points", points=number)


def month_label(ctx: ViewContext, month: str) -> str:
    year, number = month.split("-")
    return format_month(int(year), int(number), ctx.locale)


def line_title(ctx: ViewContext, line: PointsTransfer) -> str:
    """What a history line was: the shop or the purpose."""
    purpose = PURPOSE_LABELS.get(line.purpose)
    if line.counterparty and line.kind in ("pay", "refund"):
        return line.counterparty
    if purpose is not None:
        return ctx.t(purpose)
    return line.counterparty or ctx.t(KIND_LABELS.get(line.kind, "Correction"))


def when(ctx: ViewContext, line: PointsTransfer) -> str:
    return format_datetime_short(line.created_at, ctx.locale)


def problem_text(ctx: ViewContext, problem: Problem) -> str:
    locked = (format_datetime_short(problem.locked_until, ctx.locale)
              if problem.locked_until is not None else "?")
    attempts = str(problem.attempts_left) if problem.attempts_left is not None else "?"
    return ctx.t(problem.message, attempts=attempts, time=locked)
