"""The home screen fitted to the household: tile order, reminders and notice audiences.

Pure functions of the caller's age, relation and the household's members, so the rules are
tested on boundary dates without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.models.household import (
    RELATION_CHILD,
    RELATION_PARENT,
    RELATION_SELF,
    RELATION_SPOUSE,
)
from backend.models.notice import AUDIENCE_AGE75PLUS, AUDIENCE_PARENTS
from backend.services.clock import age_on

# The app's tile ids in their default order (app/shell/registry.py; a unit test keeps the
# two in step).
DEFAULT_TILE_ORDER: tuple[str, ...] = (
    "procedures",
    "reservations",
    "transit",
    "points",
    "health",
    "school",
    "waste",
    "tourism",
    "notices",
)

SCHOOL_AGE_MIN = 6  # compulsory schooling: elementary and junior high (小・中学校)
SCHOOL_AGE_MAX = 15
LATE_ELDERLY_AGE = 75  # 後期高齢者医療制度


def is_parent_relation(actor_relation: str, subject_relation: str) -> bool:
    """Does the registry's 続柄 (both relative to the head) make the actor the subject's parent?

    The head or their spouse is a parent of a "child"; a "parent" is a parent of the head.
    A "grandchild"'s parent cannot be told from relations alone (it may be any "child"), so
    it is not inferred.
    """
    if subject_relation == RELATION_CHILD:
        return actor_relation in (RELATION_SELF, RELATION_SPOUSE)
    if subject_relation == RELATION_SELF:
        return actor_relation == RELATION_PARENT
    return False


@dataclass(frozen=True)
class MemberFacts:
    """What the rules need to know about one household member."""

    relation: str
    birthdate: date | None


@dataclass(frozen=True)
class Reminder:
    kind: str
    feature: str
    title_ja: str
    title_en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "feature": self.feature,
            "title_ja": self.title_ja,
            "title_en": self.title_en,
        }


HEALTH_CHECK_REMINDER = Reminder(
    kind="health_check",
    feature="health",
    title_ja="後期高齢者健康診査を受けましょう",
    title_en="Book your health checkup for people aged 75 and over",
)


@dataclass(frozen=True)
class HomeProfile:
    tile_order: tuple[str, ...]
    reminders: tuple[Reminder, ...] = ()
    audiences: frozenset[str] = field(default_factory=frozenset)

    def as_json(self) -> dict[str, Any]:
        return {
            "tile_order": list(self.tile_order),
            "reminders": [reminder.as_json() for reminder in self.reminders],
        }


def is_school_age(birthdate: date | None, today: date) -> bool:
    age = age_on(birthdate, today)
    return age is not None and SCHOOL_AGE_MIN <= age <= SCHOOL_AGE_MAX


def audiences(
    caller_birthdate: date | None,
    caller_relation: str | None,
    others: list[MemberFacts],
    today: date,
) -> frozenset[str]:
    """Notice audiences the caller belongs to ("parents", "age75plus")."""
    found: set[str] = set()
    age = age_on(caller_birthdate, today)
    if age is not None and age >= LATE_ELDERLY_AGE:
        found.add(AUDIENCE_AGE75PLUS)
    if caller_relation is not None and any(
        is_parent_relation(caller_relation, member.relation)
        and is_school_age(member.birthdate, today)
        for member in others
    ):
        found.add(AUDIENCE_PARENTS)
    return frozenset(found)


def home_profile(
    caller_birthdate: date | None,
    caller_relation: str | None,
    others: list[MemberFacts],
    today: date,
) -> HomeProfile:
    """Tile order and reminders for the caller.

    A parent of a school-age child (6-15) gets "school" first; a resident aged 75 or more
    gets "health" right after it (first otherwise) and a 後期高齢者健康診査 reminder.
    `caller_relation` is None when the caller is in no household.
    """
    found = audiences(caller_birthdate, caller_relation, others, today)
    promoted: list[str] = []
    reminders: list[Reminder] = []
    if AUDIENCE_PARENTS in found:
        promoted.append("school")
    if AUDIENCE_AGE75PLUS in found:
        promoted.append("health")
        reminders.append(HEALTH_CHECK_REMINDER)
    order = (*promoted, *(tile for tile in DEFAULT_TILE_ORDER if tile not in promoted))
    return HomeProfile(tile_order=order, reminders=tuple(reminders), audiences=found)
