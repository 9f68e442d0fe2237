"""Plain advice when a trend runs off the day's targets, and at most one notification per rule
per week. The rules are data (`RULES`): a nutrient, what counts as a hit on a day, how many of
the last recorded days must hit, the message (an English msgid the caller translates), its
severity and whether it may notify.

Days without records are not counted (the window is the last recorded days). A total with "+"
(a food without a value) is a lower bound: it can prove a day "high", never "low", so a rule
about too little only counts days whose total is complete. docs/health_trends.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from app.features.health.nutrition.food_table import NutrientKey
from app.features.health.nutrition.totals import Total
from app.features.health.trends.series import DayPoint, recorded
from app.features.health.trends.targets import DayTargets, Target, status

__all__ = [
    "RULES",
    "Advice",
    "Rule",
    "Severity",
    "advise",
    "notification_for",
    "notification_key",
]

Severity = Literal["info", "warning"]
Hit = Literal["high", "low", "over_share"]


@dataclass(frozen=True, slots=True)
class Rule:
    """Advise `message` when `hits` of the last `window` recorded days hit: "high" or "low"
    by the day's status, or "over_share": the amount above `share` × the target's value."""

    id: str
    nutrient: NutrientKey
    hit: Hit
    message: str
    severity: Severity
    notify: bool
    hits: int = 3
    window: int = 4
    share: Decimal | None = None
    min_age: int | None = None


RULES: tuple[Rule, ...] = (
    Rule("fat_high", NutrientKey.FAT_G, "high",
         "Several of your recent days were high in fat. Try going easy on fried food and "
         "fatty meat.", "warning", notify=True),
    Rule("salt_high", NutrientKey.SALT_EQUIV_G, "high",
         "Several of your recent days were high in salt. Try less soy sauce, soup broth and "
         "pickles.", "warning", notify=True),
    Rule("energy_far_high", NutrientKey.ENERGY_KCAL, "over_share",
         "On several recent days you ate well above your estimated energy needs. Try "
         "slightly smaller portions or fewer snacks.", "warning", notify=True,
         share=Decimal("1.2")),
    Rule("fiber_low", NutrientKey.FIBER_G, "low",
         "Several of your recent days were low in dietary fibre. Try adding a dish of "
         "vegetables, seaweed, mushrooms or beans.", "info", notify=False),
    Rule("protein_low_older", NutrientKey.PROTEIN_G, "low",
         "Several of your recent days were low in protein. Fish, meat, eggs, soy foods or "
         "milk at each meal help keep your muscles strong.", "info", notify=False,
         min_age=65),
)


@dataclass(frozen=True, slots=True)
class Advice:
    """One piece of advice: `message` is an English msgid, translated with `params`."""

    id: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict)
    severity: Severity = "info"
    notify: bool = False
    verified: bool = True  # False when the target it compares with is not confirmed yet


def _hit(rule: Rule, total: Total | None, target: Target) -> bool:
    if rule.hit == "over_share":
        if total is None or total.text == "-" or target.value is None or rule.share is None:
            return False
        # A lower bound above the line is above it whatever the unknown part is.
        return total.rounded > target.value * rule.share
    return status(total, target) == rule.hit


def _applies(rule: Rule, points: Sequence[DayPoint], targets: DayTargets) -> Advice | None:
    target = targets.get(rule.nutrient)
    if target is None or (rule.min_age is not None and targets.age < rule.min_age):
        return None
    last = recorded(points)[-rule.window:]
    hits = sum(_hit(rule, point.total(rule.nutrient), target) for point in last)
    if hits < rule.hits:
        return None
    return Advice(rule.id, rule.message, {"days": hits, "of": len(last)}, rule.severity,
                  rule.notify, target.verified)


def advise(points: Iterable[DayPoint], targets: DayTargets,
           rules: Sequence[Rule] = RULES) -> list[Advice]:
    """The advice for a run of days (oldest first, as `series.week` gives them): warnings
    first, then in the order of `rules`."""
    days = list(points)
    found = [a for a in (_applies(rule, days, targets) for rule in rules) if a is not None]
    return sorted(found, key=lambda a: a.severity != "warning")


def notification_key(advice_id: str, today: date) -> str:
    """What the caller keeps once it has notified: the rule and the ISO week
    ("fat_high@2026-W49")."""
    year, week, _ = today.isocalendar()
    return f"{advice_id}@{year}-W{week:02d}"


def notification_for(advice_list: Iterable[Advice], already_sent: set[str],
                     today: date) -> Advice | None:
    """The first advice that may notify and has not notified in `today`'s ISO week (Monday to
    Sunday), or None. The caller sends it and adds `notification_key(advice.id, today)` to
    what it keeps."""
    for advice in advice_list:
        if advice.notify and notification_key(advice.id, today) not in already_sent:
            return advice
    return None
