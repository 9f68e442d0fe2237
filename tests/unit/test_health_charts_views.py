"""The health tile's day bars, week chart and advice cards: the control trees they build, the
texts they carry (the information is in words, the bars are an aid) and their keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import flet as ft
import flet_charts as fch

from app.features.health.nutrition.food_table import NutrientKey as K
from app.features.health.nutrition.reference_intakes import Sex
from app.features.health.trends.advice import Advice, advise
from app.features.health.trends.series import week
from app.features.health.trends.targets import day_targets
from app.features.health.views.charts import advice_cards, day_bars, week_chart
from app.i18n.translator import load_translator
from tests.unit.test_health_trends import END, OLD_WOMAN, day, days_back

EN = load_translator("en")

# The Japanese the lead adds to messages.po (the report lists every msgid), for the texts the
# resident reads; anything else falls back to the English msgid.
JA = {
    "Fat": "脂質",
    "Salt equivalent": "食塩相当量",
    "{name} {amount} {unit} / {target}": "{name} {amount} {unit} / {target}",
    "Target {low}–{high} {unit}": "目標 {low}–{high} {unit}",
    "Target less than {high} {unit}": "目標 {high} {unit} 未満",
    "reference (unconfirmed)": "参考値（確認中）",
    "High": "多め",
    "Several of your recent days were high in fat. Try going easy on fried food and fatty "
    "meat.": "脂質が多めの日が続いています。揚げ物や脂身の多い肉を控えめにしてみましょう。",
}


def ja(message: str, **values: object) -> str:
    text = JA.get(message, message)
    return text.format(**values) if values else text


def walk(obj: Any, depth: int = 0) -> Iterator[Any]:
    if depth > 40 or obj is None:
        return
    if isinstance(obj, list | tuple):
        for item in obj:
            yield from walk(item, depth + 1)
        return
    if not isinstance(obj, ft.BaseControl):
        return
    yield obj
    for attr in ("content", "controls", "groups", "rods", "bottom_axis", "labels", "label"):
        yield from walk(getattr(obj, attr, None), depth + 1)


def keyed(tree: Any, key: str) -> Any:
    return next(c for c in walk(tree) if getattr(c, "key", None) == key)


def texts(tree: Any) -> list[str]:
    return [c.value for c in walk(tree) if isinstance(c, ft.Text)]


# --- day bars ------------------------------------------------------------------------------
def test_day_bars_write_the_numbers_out_in_japanese() -> None:
    bars = day_bars(ja, day(fat_g="72.3"), OLD_WOMAN)
    assert bars.key == "health-day-bars"
    fat = keyed(bars, "health-bar-fat_g")
    assert isinstance(fat, ft.Semantics)
    # fat 20–30 % of 1750 kcal = 38.9–58.3 g; energy is unconfirmed, so the target is too
    line = "脂質 72.3 g / 目標 38.9–58.3 g · 参考値（確認中）"
    assert keyed(bars, "health-bar-text-fat_g").value == line
    assert keyed(bars, "health-bar-status-fat_g").value == "多め"
    # 72.3 / 58.33 = 124 % of the upper end; the bar is full, the text says how far
    assert fat.label == f"{line}, 多め, 124 % of the target"
    bar = next(c for c in walk(fat) if isinstance(c, ft.ProgressBar))
    assert bar.value == 1.0 and bar.color == ft.Colors.ERROR
    # salt was read in the report: no 参考値 mark
    assert keyed(bars, "health-bar-text-salt_equiv_g").value == "食塩相当量 6.0 g / 目標 6.5 g 未満"


def test_every_nutrient_has_a_line_and_the_plus_is_explained() -> None:
    totals = day(fiber_g="8.0", unknown={K.FIBER_G: ("17021",)})
    bars = day_bars(EN.__call__, totals, OLD_WOMAN, large=True)
    lines = [c for c in walk(bars) if isinstance(c, ft.Semantics)]
    assert [c.key for c in lines] == [f"health-bar-{k}" for k in (
        "energy_kcal", "protein_g", "fat_g", "carbohydrate_g", "fiber_g", "salt_equiv_g")]
    shown = texts(bars)
    assert ("Energy 1700 kcal / Estimated need 1750 kcal · reference (unconfirmed)" in shown)
    assert ("Protein 60.0 g / Recommended 50 g or more (goal 65.6–87.5 g) · reference "
            "(unconfirmed)") in shown
    assert "Dietary fibre 8.0+ g / Target 17 g or more · reference (unconfirmed)" in shown
    # 8.0+ could still reach 17 g: the status says so instead of "Low"
    assert keyed(bars, "health-bar-status-fiber_g").value == "Cannot tell yet"
    assert keyed(bars, "health-bars-plus-note").value.startswith("A “+” after an amount")
    assert keyed(bars, "health-bar-text-fat_g").size == 24.0  # large text
    complete = day_bars(EN.__call__, day(), OLD_WOMAN)
    assert "health-bars-plus-note" not in [c.key for c in walk(complete)]


def test_a_nutrient_without_a_reference_says_so() -> None:
    toddler = day_targets(2, Sex.FEMALE)  # no fibre target under 3
    bars = day_bars(EN.__call__, day(), toddler)
    assert keyed(bars, "health-bar-text-fiber_g").value == (
        "Dietary fibre 18.0 g / No reference for this age")
    assert "health-bar-status-fiber_g" not in [c.key for c in walk(bars)]


# --- week chart ----------------------------------------------------------------------------
def test_the_week_chart_is_a_flet_charts_bar_chart_with_gaps() -> None:
    points = week(days_back(day(fat_g="40.0"), None, day(fat_g="65.0"), None, None,
                            day(fat_g="50.0"), None), END)
    control = week_chart(EN.__call__, points, OLD_WOMAN, K.FAT_G, locale="en_US")
    assert control.key == "health-week-fat_g"
    chart = keyed(control, "health-week-chart")
    assert isinstance(chart, fch.BarChart)
    assert [len(g.rods) for g in chart.groups] == [1, 0, 1, 0, 0, 1, 0]  # no bar, not 0
    assert [g.rods[0].to_y for g in chart.groups if g.rods] == [40.0, 65.0, 50.0]
    rod = chart.groups[2].rods[0]
    assert rod.color == ft.Colors.ERROR  # 65.0 > 58.3
    assert round(rod.bg_from_y, 1) == 38.9 and round(rod.bg_to_y, 1) == 58.3  # the band
    # day labels by Babel in the caller's locale, Monday 30 November 2026 first
    labels = [a.label.value for a in chart.bottom_axis.labels]
    assert labels[0] == "30\nMon" and labels[-1] == "6\nSun"
    # the average is over the 3 recorded days: (40 + 65 + 50) / 3 = 51.67
    assert keyed(control, "health-week-average").value == (
        "Average of 3 recorded days: 51.7 g")
    semantics = next(c for c in walk(control) if isinstance(c, ft.Semantics))
    assert "Tue, 12/1: not recorded" in semantics.label
    assert "Wed, 12/2: 65.0 g" in semantics.label


def test_week_chart_day_labels_in_japanese() -> None:
    points = week(days_back(day()), END)
    chart = keyed(week_chart(ja, points, OLD_WOMAN, K.SALT_EQUIV_G, locale="ja_JP"),
                  "health-week-chart")
    assert isinstance(chart, fch.BarChart)
    assert [a.label.value for a in chart.bottom_axis.labels][-1] == "6日\n日"
    rod = chart.groups[-1].rods[0]
    assert (rod.bg_from_y, rod.bg_to_y) == (0.0, 6.5)  # less than 6.5: the band from 0


def test_an_empty_week_says_nothing_was_recorded() -> None:
    control = week_chart(EN.__call__, week({}, END), OLD_WOMAN, K.FAT_G, locale="en_US")
    assert keyed(control, "health-week-average").value == "No days recorded yet"
    assert all(not g.rods for g in keyed(control, "health-week-chart").groups)


# --- advice cards --------------------------------------------------------------------------
def test_advice_cards_carry_the_translated_message_and_a_key() -> None:
    fried = day(fat_g="72.3")
    advice = advise(week(days_back(fried, fried, fried), END), OLD_WOMAN)
    cards = advice_cards(ja, advice)
    assert [c.key for c in cards] == ["health-advice-fat_high"]
    card = cards[0]
    assert isinstance(card, ft.Semantics)
    assert card.label == ("脂質が多めの日が続いています。"
                          "揚げ物や脂身の多い肉を控えめにしてみましょう。")
    assert "Compared with reference values not yet confirmed." in texts(card)
    icon = next(c for c in walk(card) if isinstance(c, ft.Icon))
    assert icon.icon == ft.Icons.WARNING_AMBER
    hint = advice_cards(EN.__call__, [Advice("fiber_low", "Eat {what}", {"what": "beans"},
                                             "info", False, True)])[0]
    assert texts(hint) == ["Eat beans"]
    assert advice_cards(EN.__call__, []) == []


def test_a_date_is_not_today() -> None:
    """The views take their days from the points, never from the clock."""
    points = week({}, date(2020, 2, 29), days=1)
    chart = keyed(week_chart(EN.__call__, points, OLD_WOMAN, K.FAT_G, locale="en_US"),
                  "health-week-chart")
    assert chart.bottom_axis.labels[0].label.value == "29\nSat"
