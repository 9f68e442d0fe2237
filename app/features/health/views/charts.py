"""The day's bars, the week's chart and the advice cards of the health tile: render only.

The text carries the information (「脂質 72.3 g / 目標 38.9–58.3 g」 and a status word); bars
and the chart are an aid, and each has a semantics label that says the same in words. Colours
are the theme's roles (primary within the target, error above it, tertiary below it), never
the only carrier. A target not yet confirmed against the report says 「参考値（確認中）」.
docs/health_trends.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import flet as ft
import flet_charts as fch  # type: ignore[import-untyped]
from babel.dates import format_skeleton

from app.features.health.nutrition.food_table import NUTRIENT_KEYS, NutrientKey
from app.features.health.nutrition.totals import Total, Totals, round_as_table
from app.features.health.trends.advice import Advice
from app.features.health.trends.series import DayPoint, averages, recorded
from app.features.health.trends.targets import DayTargets, Status, Target, TargetKind, status

__all__ = ["NUTRIENT_NAMES", "advice_cards", "day_bars", "target_text", "week_chart"]

Translate = Callable[..., str]

# msgids of the nutrients' names (ja: エネルギー, たんぱく質, 脂質, 炭水化物, 食物繊維, 食塩相当量).
NUTRIENT_NAMES: dict[NutrientKey, str] = {
    NutrientKey.ENERGY_KCAL: "Energy",
    NutrientKey.PROTEIN_G: "Protein",
    NutrientKey.FAT_G: "Fat",
    NutrientKey.CARBOHYDRATE_G: "Carbohydrate",
    NutrientKey.FIBER_G: "Dietary fibre",
    NutrientKey.SALT_EQUIV_G: "Salt equivalent",
}
UNITS: dict[NutrientKey, str] = {key: "kcal" if key is NutrientKey.ENERGY_KCAL else "g"
                                 for key in NUTRIENT_KEYS}
STATUS_WORDS: dict[Status, str] = {
    "low": "Low",
    "ok": "Within the target",
    "high": "High",
    "unknown": "Cannot tell yet",
}
STATUS_COLOURS: dict[Status, str] = {
    "low": ft.Colors.TERTIARY,
    "ok": ft.Colors.PRIMARY,
    "high": ft.Colors.ERROR,
    "unknown": ft.Colors.OUTLINE,
}
UNCONFIRMED = "reference (unconfirmed)"
SO_FAR = "So far today"
PLUS_NOTE = ("A “+” after an amount means some foods have no value for it in the food table, "
             "so the real amount is higher.")


def _sizes(large: bool) -> tuple[float, float]:
    """(text size, bar height)."""
    return (24.0, 16.0) if large else (17.0, 10.0)


def _number(key: NutrientKey, amount: Decimal) -> str:
    """A target amount as the table would round it, without a trailing ".0"."""
    value = round_as_table(key, amount)
    return f"{value:f}".removesuffix(".0")


def target_text(t: Translate, key: NutrientKey, target: Target | None) -> str:
    """「目標 38.9–58.3 g」, 「目標 6.5 g 未満」, ... with 「参考値（確認中）」 when unconfirmed."""
    if target is None:
        return t("No reference for this age")
    unit = UNITS[key]

    def n(amount: Decimal | None) -> str:
        return "" if amount is None else _number(key, amount)

    if target.kind is TargetKind.VALUE:
        text = t("Estimated need {value} {unit}", value=n(target.value), unit=unit)
    elif target.kind is TargetKind.LESS_THAN:
        text = t("Target less than {high} {unit}", high=n(target.high), unit=unit)
    elif target.kind is TargetKind.AT_LEAST and target.goal_low is not None:
        text = t("Recommended {low} {unit} or more (goal {goal_low}–{high} {unit})",
                 low=n(target.low), goal_low=n(target.goal_low), high=n(target.high),
                 unit=unit)
    elif target.kind is TargetKind.AT_LEAST:
        text = t("Target {low} {unit} or more", low=n(target.low), unit=unit)
    else:
        text = t("Target {low}–{high} {unit}", low=n(target.low), high=n(target.high),
                 unit=unit)
    return text if target.verified else f"{text} · {t(UNCONFIRMED)}"


def _percent(total: Total, target: Target | None) -> int | None:
    reference = None if target is None else target.reference
    if reference is None or reference <= 0 or total.text == "-":
        return None
    return int((total.rounded * 100 / reference).to_integral_value())


def _bar_line(t: Translate, key: NutrientKey, total: Total, target: Target | None,
              large: bool, so_far: bool = False) -> ft.Control:
    size, bar_height = _sizes(large)
    found = status(total, target)
    line = t("{name} {amount} {unit} / {target}", name=t(NUTRIENT_NAMES[key]),
             amount=total.text, unit=UNITS[key], target=target_text(t, key, target))
    word = t(STATUS_WORDS[found]) if target is not None else ""
    if so_far and found == "low":  # the day is not over: too early to call it low
        word = t(SO_FAR)
    percent = _percent(total, target)
    label = ", ".join(part for part in (line, word) if part)
    if percent is not None:
        label = f"{label}, {t('{percent} % of the target', percent=percent)}"
    parts: list[ft.Control] = [ft.Text(line, size=size, key=f"health-bar-text-{key.value}")]
    if word:
        parts.append(ft.Text(word, size=size * 0.9, weight=ft.FontWeight.BOLD,
                             color=STATUS_COLOURS[found], key=f"health-bar-status-{key.value}"))
    if percent is not None:
        parts.append(ft.Row([
            ft.ProgressBar(value=min(percent, 100) / 100, bar_height=bar_height,
                           color=STATUS_COLOURS[found], bgcolor=ft.Colors.OUTLINE_VARIANT,
                           border_radius=bar_height / 2, expand=True),
            ft.Text(f"{percent} %", size=size * 0.85),
        ], key=f"health-bar-{key.value}-bar"))
    return ft.Semantics(label=label, container=True, exclude_semantics=True,
                        identifier=f"health-bar-{key.value}", key=f"health-bar-{key.value}",
                        content=ft.Column(parts, spacing=size * 0.2))


def day_bars(t: Translate, totals: Totals, targets: DayTargets, *,
             large: bool = False, so_far: bool = False) -> ft.Control:
    """Each nutrient's day total against its target: the numbers written out, a status word
    and a bar of the percentage of the target (full at 100 %; the text says how far over).
    `so_far`: the day is today, so an amount under the target says 「今日のここまで」, not
    「少なめ」."""
    size, _ = _sizes(large)
    lines: list[ft.Control] = [_bar_line(t, key, totals[key], targets.get(key), large, so_far)
                               for key in NUTRIENT_KEYS]
    if not totals.complete:
        lines.append(ft.Text(t(PLUS_NOTE), size=size * 0.85, italic=True,
                             key="health-bars-plus-note"))
    return ft.Column(lines, spacing=size * 0.8, key="health-day-bars")


def _band(target: Target, max_y: float) -> tuple[float, float] | None:
    """The target's band on the chart's scale."""
    if target.kind is TargetKind.LESS_THAN and target.high is not None:
        return 0.0, float(target.high)
    if target.low is not None and target.high is not None:
        return float(target.low), float(target.high)
    if target.low is not None:
        return float(target.low), max_y
    return None


def week_chart(t: Translate, points: Sequence[DayPoint], targets: DayTargets,
               nutrient: NutrientKey, *, locale: str = "ja_JP",
               large: bool = False) -> ft.Control:
    """A bar per day (none for a day without records) over the target's band, day labels by
    Babel in `locale`, the days written out in the semantics label and the average of the
    recorded days below."""
    size, _ = _sizes(large)
    name, unit = t(NUTRIENT_NAMES[nutrient]), UNITS[nutrient]
    target = targets.get(nutrient)
    values = [point.value(nutrient) for point in points]
    top = max([float(v) for v in values if v is not None] + [1.0])
    if target is not None:
        top = max(top, *(float(v) for v in (target.high, target.low, target.value)
                         if v is not None))
    max_y = top * 1.15
    band = None if target is None else _band(target, max_y)
    groups: list[fch.BarChartGroup] = []
    labels: list[fch.ChartAxisLabel] = []
    spoken: list[str] = []
    for i, (point, value) in enumerate(zip(points, values, strict=True)):
        day = format_skeleton("MEd", point.day, locale=locale)
        # Two short lines under each bar (「5日」「土」), so seven days fit a phone's width.
        short = (f"{format_skeleton('d', point.day, locale=locale)}\n"
                 f"{format_skeleton('E', point.day, locale=locale)}")
        labels.append(fch.ChartAxisLabel(value=i, label=ft.Text(
            short, size=size * 0.7, text_align=ft.TextAlign.CENTER)))
        total = point.total(nutrient)
        if value is None or total is None:
            groups.append(fch.BarChartGroup(x=i, rods=[]))
            spoken.append(t("{day}: not recorded", day=day))
            continue
        found = status(total, target)
        rod = fch.BarChartRod(
            from_y=0, to_y=float(value), width=size * 1.2, color=STATUS_COLOURS[found],
            border_radius=4, tooltip=f"{day} {total.text} {unit}")
        if band is not None:
            rod.bg_from_y, rod.bg_to_y = band
            rod.bgcolor = ft.Colors.with_opacity(0.25, ft.Colors.PRIMARY)
        groups.append(fch.BarChartGroup(x=i, rods=[rod]))
        spoken.append(t("{day}: {amount} {unit}", day=day, amount=total.text, unit=unit))
    chart = fch.BarChart(
        groups=groups, max_y=max_y, min_y=0, interactive=True,
        bottom_axis=fch.ChartAxis(labels=labels, label_size=size * 2.8),
        left_axis=fch.ChartAxis(label_size=size * 3),
        horizontal_grid_lines=fch.ChartGridLines(color=ft.Colors.OUTLINE_VARIANT, width=1),
        height=300 if large else 220, key="health-week-chart")
    title = t("{name}, last {days} days", name=name, days=len(points))
    heading = ft.Text(title, size=size * 1.1, weight=ft.FontWeight.BOLD,
                      key="health-week-title")
    target_line = ft.Text(target_text(t, nutrient, target), size=size * 0.9,
                          key="health-week-target")
    mean = averages(points).get(nutrient)
    days = len(recorded(points))
    if mean is None:
        summary = t("No days recorded yet")
    else:
        summary = t("Average of {days} recorded days: {amount} {unit}", days=days,
                    amount=mean.text, unit=unit)
    average = ft.Text(summary, size=size, key="health-week-average")
    label = "; ".join([title, target_line.value or "", *spoken, summary])
    return ft.Column([
        heading, target_line,
        ft.Semantics(label=label, container=True, exclude_semantics=True,
                     identifier="health-week-chart", content=chart),
        average,
    ], spacing=size * 0.5, key=f"health-week-{nutrient.value}")


def advice_cards(t: Translate, advice: Sequence[Advice], *,
                 large: bool = False) -> list[ft.Control]:
    """A card per advice, warnings marked with a warning icon; the message translated with
    its params, and a note when the target it compares with is not confirmed yet."""
    size, _ = _sizes(large)
    cards: list[ft.Control] = []
    for item in advice:
        warning = item.severity == "warning"
        message = t(item.message, **dict(item.params))
        lines: list[ft.Control] = [ft.Text(message, size=size,
                                           key=f"health-advice-{item.id}-text")]
        if not item.verified:
            lines.append(ft.Text(t("Compared with reference values not yet confirmed."),
                                 size=size * 0.85, italic=True))
        cards.append(ft.Semantics(
            label=message, container=True, identifier=f"health-advice-{item.id}",
            key=f"health-advice-{item.id}",
            content=ft.Container(
                padding=ft.Padding.all(size * 0.8), border_radius=ft.BorderRadius.all(12),
                border=ft.Border.all(2, ft.Colors.ERROR if warning else ft.Colors.PRIMARY),
                content=ft.Row([
                    ft.Icon(ft.Icons.WARNING_AMBER if warning else ft.Icons.LIGHTBULB_OUTLINE,
                            size=size * 1.5,
                            color=ft.Colors.ERROR if warning else ft.Colors.PRIMARY),
                    ft.Column(lines, spacing=size * 0.3, expand=True),
                ], vertical_alignment=ft.CrossAxisAlignment.START))))
    return cards
