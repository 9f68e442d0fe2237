"""The health tile's trends: targets, status, a week with gaps, advice and notifications.

Targets by hand from assets/health/dietary_reference_intakes_2025.json:
  woman 75 and over: energy 1750 kcal; protein 推奨量 50 g, 15–20 %E (65 and over);
    fat 20–30 %E: 1750×0.20/9 = 38.89 g, 1750×0.30/9 = 58.33 g;
    carbohydrate 50–65 %E: 1750×0.50/4 = 218.75 g, 1750×0.65/4 = 284.375 g;
    fibre 17 g or more; salt less than 6.5 g (18 and over).
  woman of 70 (65–74): energy 1850 kcal, fat 41.11–61.67 g, fibre 18 g or more.
  boy of 13 (12–14, read in the report, page 391): energy 2600 kcal; protein 60 g,
    13–20 %E = 84.5–130 g; fat 57.78–86.67 g; carbohydrate 325–422.5 g; fibre 17 g or more;
    salt less than 7.0 g.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.features.health.nutrition.food_table import NUTRIENT_KEYS
from app.features.health.nutrition.food_table import NutrientKey as K
from app.features.health.nutrition.reference_intakes import Sex
from app.features.health.nutrition.totals import Total, Totals
from app.features.health.trends.advice import (
    RULES,
    Advice,
    advise,
    notification_for,
    notification_key,
)
from app.features.health.trends.series import averages, recorded, week
from app.features.health.trends.targets import TargetKind, day_targets, status

D = Decimal
OLD_WOMAN = day_targets(80, Sex.FEMALE)
WOMAN_70 = day_targets(70, Sex.FEMALE)
BOY_13 = day_targets(13, Sex.MALE)
END = date(2026, 12, 6)  # a Sunday

# An ordinary day of the woman of 80: every value within her targets.
OK_DAY = {K.ENERGY_KCAL: "1700", K.PROTEIN_G: "60.0", K.FAT_G: "45.0",
          K.CARBOHYDRATE_G: "240.0", K.FIBER_G: "18.0", K.SALT_EQUIV_G: "6.0"}


def total(key: K, amount: str, *, unknown: tuple[str, ...] = ()) -> Total:
    return Total(key, D(amount), unknown_codes=unknown, lines=1 + len(unknown))


def day(unknown: dict[K, tuple[str, ...]] | None = None, **values: str) -> Totals:
    """A day's totals: OK_DAY with `values` (by nutrient value name) put over it."""
    amounts = {**OK_DAY, **{K(k): v for k, v in values.items()}}
    unknown = unknown or {}
    return Totals({key: total(key, amounts[key], unknown=unknown.get(key, ()))
                   for key in NUTRIENT_KEYS})


def days_back(*totals: Totals | None) -> dict[date, Totals]:
    """Totals for the days ending on END, oldest first; None leaves a day unrecorded."""
    n = len(totals)
    return {END - timedelta(days=n - 1 - i): t for i, t in enumerate(totals) if t is not None}


# --- targets -----------------------------------------------------------------------------
def test_targets_of_a_woman_of_80() -> None:
    t = OLD_WOMAN
    assert t.energy_kcal == 1750
    assert t[K.ENERGY_KCAL].value == 1750 and t[K.ENERGY_KCAL].kind is TargetKind.VALUE
    fat = t[K.FAT_G]
    assert fat.kind is TargetKind.RANGE
    assert fat.low is not None and fat.high is not None
    assert round(fat.low, 1) == D("38.9") and round(fat.high, 1) == D("58.3")
    carb = t[K.CARBOHYDRATE_G]
    assert (carb.low, carb.high) == (D("218.75"), D("284.375"))
    protein = t[K.PROTEIN_G]
    # 推奨量 50 g; goal 15–20 %E of 1750 kcal: 65.625–87.5 g
    assert (protein.low, protein.goal_low, protein.high) == (D(50), D("65.625"), D("87.5"))
    assert protein.kind is TargetKind.AT_LEAST
    assert (t[K.FIBER_G].low, t[K.FIBER_G].high) == (D(17), None)
    salt = t[K.SALT_EQUIV_G]
    assert (salt.low, salt.high, salt.kind) == (None, D("6.5"), TargetKind.LESS_THAN)
    # Salt was read in the report (page 258); energy was not, so every share of it is not.
    assert salt.verified and not fat.verified and not t[K.ENERGY_KCAL].verified
    assert not t.verified


def test_targets_of_a_woman_of_70_use_the_65_to_74_band() -> None:
    t = WOMAN_70
    assert t.energy_kcal == 1850
    fat = t[K.FAT_G]
    assert fat.low is not None and fat.high is not None
    assert round(fat.low, 2) == D("41.11") and round(fat.high, 2) == D("61.67")
    assert t[K.FIBER_G].low == 18 and t[K.SALT_EQUIV_G].high == D("6.5")


def test_targets_of_a_boy_of_13_read_in_the_report() -> None:
    t = BOY_13
    assert t.energy_kcal == 2600 and t[K.ENERGY_KCAL].verified
    fat = t[K.FAT_G]
    assert fat.low is not None and fat.high is not None
    assert round(fat.low, 2) == D("57.78") and round(fat.high, 2) == D("86.67")
    assert fat.verified  # 20–30 %E (page 136) of a confirmed 2600 kcal (page 391)
    assert (t[K.CARBOHYDRATE_G].low, t[K.CARBOHYDRATE_G].high) == (D(325), D("422.5"))
    protein = t[K.PROTEIN_G]
    assert (protein.low, protein.goal_low, protein.high) == (D(60), D("84.5"), D(130))
    assert not protein.verified  # the 13–20 %E row "1-49" keeps its verify mark
    assert t[K.FIBER_G].low == 17 and t[K.FIBER_G].verified
    assert t[K.SALT_EQUIV_G].high == D("7.0")


def test_a_child_under_3_has_no_fibre_target() -> None:
    t = day_targets(2, Sex.FEMALE)
    assert t.get(K.FIBER_G) is None and K.FIBER_G not in t
    assert status(total(K.FIBER_G, "5.0"), t.get(K.FIBER_G)) == "unknown"
    assert t[K.SALT_EQUIV_G].high == D("2.5")


# --- status ------------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "amount", "expected"), [
    # fat 38.9–58.3 as shown: both ends are within
    (K.FAT_G, "38.8", "low"), (K.FAT_G, "38.9", "ok"), (K.FAT_G, "58.3", "ok"),
    (K.FAT_G, "58.4", "high"),
    # 58.34 is shown 58.3 (rounded once, half up): within; 58.35 is shown 58.4: high
    (K.FAT_G, "58.34", "ok"), (K.FAT_G, "58.35", "high"),
    # salt less than 6.5: 6.5 itself is over
    (K.SALT_EQUIV_G, "6.4", "ok"), (K.SALT_EQUIV_G, "6.5", "high"),
    (K.SALT_EQUIV_G, "0", "ok"),
    # fibre 17 or more, no upper end
    (K.FIBER_G, "16.9", "low"), (K.FIBER_G, "17.0", "ok"), (K.FIBER_G, "40.0", "ok"),
    # energy 1750 ± 10 %: 1575–1925
    (K.ENERGY_KCAL, "1574", "low"), (K.ENERGY_KCAL, "1575", "ok"),
    (K.ENERGY_KCAL, "1925", "ok"), (K.ENERGY_KCAL, "1926", "high"),
    # protein: 推奨量 50 g or more, up to 20 %E = 87.5 g
    (K.PROTEIN_G, "49.9", "low"), (K.PROTEIN_G, "50.0", "ok"), (K.PROTEIN_G, "87.5", "ok"),
    (K.PROTEIN_G, "87.6", "high"),
])
def test_status_boundaries(key: K, amount: str, expected: str) -> None:
    assert status(total(key, amount), OLD_WOMAN[key]) == expected


def test_an_incomplete_total_is_a_lower_bound() -> None:
    fat, fibre, salt = OLD_WOMAN[K.FAT_G], OLD_WOMAN[K.FIBER_G], OLD_WOMAN[K.SALT_EQUIV_G]
    # already above the upper end with a food unknown: high whatever it holds
    assert status(total(K.FAT_G, "60.0", unknown=("17021",)), fat) == "high"
    # below or within: the unknown part could change it
    assert status(total(K.FAT_G, "30.0", unknown=("17021",)), fat) == "unknown"
    assert status(total(K.FAT_G, "45.0", unknown=("17021",)), fat) == "unknown"
    assert status(total(K.SALT_EQUIV_G, "6.0", unknown=("17021",)), salt) == "unknown"
    # at least: reaching the minimum is enough; below it, it cannot be told
    assert status(total(K.FIBER_G, "17.5", unknown=("17021",)), fibre) == "ok"
    assert status(total(K.FIBER_G, "5.0", unknown=("17021",)), fibre) == "unknown"
    # no part known at all ("-"), or nothing recorded
    only_unknown = Total(K.FIBER_G, D(0), unknown_codes=("17021",), lines=1)
    assert only_unknown.text == "-" and status(only_unknown, fibre) == "unknown"
    assert status(None, fibre) == "unknown"


# --- series ------------------------------------------------------------------------------
def test_a_week_keeps_its_gaps() -> None:
    points = week(days_back(day(fat_g="40.0"), None, day(fat_g="50.0"), None, None,
                            day(fat_g="60.0"), None), END)
    assert [p.day for p in points] == [date(2026, 11, 30) + timedelta(days=i) for i in range(7)]
    assert [p.recorded for p in points] == [True, False, True, False, False, True, False]
    assert [p.value(K.FAT_G) for p in points] == [D(40), None, D(50), None, None, D(60), None]
    assert len(recorded(points)) == 3
    # averages over the recorded days only: (40 + 50 + 60) / 3 = 50, not 150 / 7
    mean = averages(points)[K.FAT_G]
    assert mean.amount == D(50) and mean.text == "50.0"
    assert averages(week({}, END)) == {}
    assert len(week({}, END, days=14)) == 14
    with pytest.raises(ValueError):
        week({}, END, days=0)


def test_an_average_keeps_the_plus_and_leaves_out_unknown_days() -> None:
    unknown_fibre = Totals({**day().values,
                            K.FIBER_G: Total(K.FIBER_G, D(0), ("17021",), lines=1)})
    points = week(days_back(day(fiber_g="10.0"), unknown_fibre,
                            day(fiber_g="20.0", unknown={K.FIBER_G: ("17021",)})), END, days=3)
    assert points[1].value(K.FIBER_G) is None  # "-": nothing known that day
    mean = averages(points)[K.FIBER_G]
    # (10 + 20) / 2 recorded days with a known part; the 20 was incomplete, so "15.0+"
    assert mean.amount == D(15) and mean.text == "15.0+"
    assert averages(points)[K.FAT_G].amount == D(45)  # every day's fat is known: 45 × 3 / 3


# --- advice ------------------------------------------------------------------------------
def ids(advice: list[Advice]) -> list[str]:
    return [a.id for a in advice]


def test_fat_advice_fires_on_3_of_the_last_4_recorded_days() -> None:
    high = day(fat_g="65.0")
    # unrecorded days do not count: the last 4 recorded are high, ok, high, high
    points = week(days_back(day(), high, None, day(), None, high, high), END)
    found = advise(points, OLD_WOMAN)
    assert ids(found) == ["fat_high"]
    fat = found[0]
    assert fat.message == ("Several of your recent days were high in fat. Try going easy on "
                           "fried food and fatty meat.")
    assert fat.params == {"days": 3, "of": 4} and fat.severity == "warning" and fat.notify
    assert not fat.verified  # the fat grams come from an unconfirmed energy requirement


def test_no_fat_advice_on_2_of_4() -> None:
    high = day(fat_g="65.0")
    # 3 high days in the week, but only 2 among the last 4 recorded
    points = week(days_back(high, day(), high, None, day(), high, day()), END)
    assert advise(points, OLD_WOMAN) == []


def test_fat_exactly_at_the_upper_end_is_not_high() -> None:
    at_top = day(fat_g="58.3")
    assert advise(week(days_back(at_top, at_top, at_top, at_top), END), OLD_WOMAN) == []


def test_salt_energy_fibre_and_protein_rules() -> None:
    salty = day(salt_equiv_g="6.5")  # less than 6.5 is the target: 6.5 is over
    assert ids(advise(week(days_back(salty, salty, salty), END), OLD_WOMAN)) == ["salt_high"]
    # energy far above: more than 120 % of 1750 = 2100 kcal; 2100 itself is not
    big = day(energy_kcal="2101")
    assert ids(advise(week(days_back(big, big, big), END), OLD_WOMAN)) == ["energy_far_high"]
    edge = day(energy_kcal="2100")
    assert advise(week(days_back(edge, edge, edge), END), OLD_WOMAN) == []
    # fibre below 17 g: a hint, no notification
    few = day(fiber_g="12.0")
    found = advise(week(days_back(few, few, day(), few), END), OLD_WOMAN)
    assert ids(found) == ["fiber_low"] and found[0].severity == "info" and not found[0].notify
    # protein under 推奨量 50 g: only from 65 (frailty)
    lean = day(protein_g="40.0")
    assert ids(advise(week(days_back(lean, lean, lean), END), OLD_WOMAN)) == [
        "protein_low_older"]
    young = day_targets(40, Sex.FEMALE)  # 推奨量 50 g too, but under 65
    assert "protein_low_older" not in ids(advise(week(days_back(lean, lean, lean), END),
                                                 young))


def test_warnings_come_before_hints() -> None:
    both = day(fat_g="70.0", fiber_g="10.0", salt_equiv_g="8.0")
    found = advise(week(days_back(both, both, both, both), END), OLD_WOMAN)
    assert ids(found) == ["fat_high", "salt_high", "fiber_low"]
    assert [r.id for r in RULES][:2] == ["fat_high", "salt_high"]


def test_incomplete_days_prove_high_but_never_low() -> None:
    # fat 65.0+ (a food without a value): still more than 58.3, so it counts
    fat_plus = day(fat_g="65.0", unknown={K.FAT_G: ("17021",)})
    assert ids(advise(week(days_back(fat_plus, fat_plus, fat_plus), END), OLD_WOMAN)) == [
        "fat_high"]
    # fibre 8.0+ (dashi has no fibre value): the real amount may reach 17 g, so no advice
    fibre_plus = day(fiber_g="8.0", unknown={K.FIBER_G: ("17021",)})
    assert advise(week(days_back(fibre_plus, fibre_plus, fibre_plus, fibre_plus), END),
                  OLD_WOMAN) == []
    # two complete low days and two incomplete ones: 2 of 4, not enough
    few = day(fiber_g="8.0")
    assert advise(week(days_back(few, fibre_plus, few, fibre_plus), END), OLD_WOMAN) == []


# --- notifications -----------------------------------------------------------------------
def test_notify_at_most_once_per_rule_per_week() -> None:
    fat = Advice("fat_high", "m", {}, "warning", notify=True)
    salt = Advice("salt_high", "m", {}, "warning", notify=True)
    fibre = Advice("fiber_low", "m", {}, "info", notify=False)
    sent: set[str] = set()
    monday = date(2026, 11, 30)
    first = notification_for([fibre, fat, salt], sent, monday)
    assert first is fat and notification_key("fat_high", monday) == "fat_high@2026-W49"
    sent.add(notification_key(first.id, monday))
    # the same week (to Sunday): fat does not notify again; salt still may
    assert notification_for([fat, salt], sent, date(2026, 12, 6)) is salt
    sent.add(notification_key("salt_high", monday))
    assert notification_for([fat, salt, fibre], sent, date(2026, 12, 6)) is None
    # the next ISO week: fat may notify again
    assert notification_for([fat], sent, date(2026, 12, 7)) is fat
    # advice that does not notify never does
    assert notification_for([fibre], set(), monday) is None


def test_the_resident_of_the_city_plan_gets_the_fat_notification() -> None:
    """「アプリから脂質過多の通知を受信。今日は揚げ物を控えよう」: fried food three days running."""
    fried = day(fat_g="72.3")
    points = week(days_back(day(), day(), day(), day(), fried, fried, fried), END)
    note = notification_for(advise(points, OLD_WOMAN), set(), END)
    assert note is not None and note.id == "fat_high"
    assert "fried food" in note.message
