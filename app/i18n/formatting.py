"""Dates, times and yen amounts formatted by Babel for the user's language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency, format_decimal

CITY_TIMEZONE = "Asia/Tokyo"


def city_today(now: datetime | None = None) -> date:
    """Today's date in the city, whatever the server's or device's own time zone."""
    moment = now or datetime.now(ZoneInfo(CITY_TIMEZONE))
    return moment.astimezone(ZoneInfo(CITY_TIMEZONE)).date()


def format_date_long(value: date, locale: str) -> str:
    """For example 2026年11月24日(火) in Japanese, Tuesday, November 24, 2026 in English."""
    if locale.startswith("ja"):
        return format_date(value, "yyyy年M月d日(E)", locale=locale)
    return format_date(value, "full", locale=locale)


def format_datetime_short(value: datetime, locale: str, tzinfo: str = CITY_TIMEZONE) -> str:
    """A date and time in the city's time zone, for example 2026/11/24 9:30."""
    return format_datetime(value, "short", tzinfo=ZoneInfo(tzinfo), locale=locale)


def format_yen(amount: int, locale: str) -> str:
    """A yen amount with the locale's grouping and symbol: ￥1,200 / ¥1,200."""
    return format_currency(amount, "JPY", locale=locale)


def format_kg(value: float, locale: str) -> str:
    """A weight in kg with up to 3 decimals and the locale's grouping: 1,251.25."""
    return format_decimal(value, format="#,##0.###", locale=locale)


def format_day_short(value: date, locale: str) -> str:
    """A day with its weekday: 11月26日(木) / Thu, Nov 26."""
    return format_skeleton("MMMEd", value, locale=locale)


def format_month(year: int, month: int, locale: str) -> str:
    """A month heading: 2026年11月 / November 2026."""
    return format_skeleton("yMMMM", date(year, month, 1), locale=locale)


def weekday_names(locale: str) -> list[str]:
    """Short weekday names Monday first: 月 火 … / Mon Tue …"""
    return [format_date(date(2024, 1, 1 + i), "EEE", locale=locale) for i in range(7)]
