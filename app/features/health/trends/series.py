"""A run of days for the charts: each day's totals, or nothing for a day without records
(never 0, so a day the resident did not record does not pull averages down), and averages over
the recorded days only. docs/health_trends.md."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from app.features.health.nutrition.food_table import NUTRIENT_KEYS, NutrientKey
from app.features.health.nutrition.totals import Total, Totals

__all__ = ["DayPoint", "averages", "recorded", "week"]


@dataclass(frozen=True, slots=True)
class DayPoint:
    """One day of a chart: its totals, or None when nothing was recorded that day."""

    day: date
    totals: Totals | None = None

    @property
    def recorded(self) -> bool:
        return self.totals is not None

    def total(self, key: NutrientKey) -> Total | None:
        return None if self.totals is None else self.totals[key]

    def value(self, key: NutrientKey) -> Decimal | None:
        """The rounded amount as shown; None for a day without records or when no part of
        the nutrient is known ("-"). A "+" amount is given as its known part."""
        total = self.total(key)
        if total is None or total.text == "-":
            return None
        return total.rounded


def week(day_totals: Mapping[date, Totals], end: date, days: int = 7) -> list[DayPoint]:
    """The `days` days ending with `end`, oldest first; a day missing from `day_totals` is a
    point without totals."""
    if days < 1:
        raise ValueError("days must be 1 or more")
    first = end - timedelta(days=days - 1)
    return [DayPoint(day, day_totals.get(day))
            for day in (first + timedelta(days=i) for i in range(days))]


def recorded(points: Iterable[DayPoint]) -> list[DayPoint]:
    """The points with records, in their order."""
    return [point for point in points if point.totals is not None]


def _mean(totals: Sequence[Total]) -> Total:
    summed = totals[0]
    for total in totals[1:]:
        summed = summed + total
    return replace(summed, amount=summed.amount / len(totals))


def averages(points: Iterable[DayPoint]) -> dict[NutrientKey, Total]:
    """{nutrient: mean per recorded day}; a nutrient with no known part on a day ("-") leaves
    that day out of its mean, a nutrient known on no day is missing. The mean keeps the "+" of
    an incomplete day (it is then a lower bound) and is rounded when shown, like any total."""
    days = recorded(points)
    out: dict[NutrientKey, Total] = {}
    for key in NUTRIENT_KEYS:
        known = [p.totals[key] for p in days if p.totals is not None and p.totals[key].text != "-"]
        if known:
            out[key] = _mean(known)
    return out
