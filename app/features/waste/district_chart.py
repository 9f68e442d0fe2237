"""The district recycling goal as a bar chart, in plain Python: which months are shown,
each bar's height and the goal line's, and the same numbers as sentences (screen readers
read those; the bars are drawn by `views.district_chart` with plain containers, so the chart
renders in web mode too)."""

from __future__ import annotations

from dataclasses import dataclass

from app.features.points.api import DistrictProgress

MONTHS_SHOWN = 6
HEADROOM = 1.15  # the tallest of goal and bars reaches 1/1.15 of the chart's height


@dataclass(frozen=True)
class Bar:
    period: str  # YYYY-MM
    kg: float
    goal_kg: float
    reached: bool
    granted: bool
    height: float  # 0..1 of the chart's height


@dataclass(frozen=True)
class Chart:
    district: str
    bars: tuple[Bar, ...]
    goal_kg: float
    goal_height: float  # 0..1: where the goal line is drawn (0 when there is no goal)
    opted_in: bool

    @property
    def empty(self) -> bool:
        return not self.bars


def chart_of(progress: DistrictProgress, months: int = MONTHS_SHOWN) -> Chart:
    """The last `months` periods, oldest first, scaled so the goal line and the tallest bar
    both fit."""
    periods = progress.periods[-months:] if months > 0 else ()
    goal = progress.goal_kg or (periods[-1].goal_kg if periods else 0.0)
    top = max([goal, *(p.kg for p in periods), *(p.goal_kg for p in periods)]) * HEADROOM
    bars = tuple(Bar(p.period, p.kg, p.goal_kg, p.reached, p.granted,
                     min(1.0, p.kg / top) if top > 0 else 0.0) for p in periods)
    return Chart(district=progress.district, bars=bars, goal_kg=goal,
                 goal_height=goal / top if top > 0 else 0.0, opted_in=progress.opted_in)


def month_label(period: str) -> str:
    """"2026-11" → "11"; what the bar's foot shows (the sentence says the whole month)."""
    _, _, month = period.partition("-")
    return str(int(month)) if month.isdigit() else period


def format_kg(kg: float) -> str:
    """52.0 → "52", 52.25 → "52.3"."""
    return f"{kg:.0f}" if kg == int(kg) else f"{kg:.1f}"
