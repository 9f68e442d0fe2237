"""The home screen fitted to the household: tile order, reminders and notice audiences.

Pure functions of the caller's age, relation and the household's members, so the rules are
tested on boundary dates without a database. Which tile comes first for which audience, and
which reminder it shows, is each tile's `HomeHint` (backend/tiles/spec.py, ADR 0022).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from backend.models.household import (
    RELATION_CHILD,
    RELATION_PARENT,
    RELATION_SELF,
    RELATION_SPOUSE,
)
from backend.services.audiences import AUDIENCE_AGE75PLUS, AUDIENCE_PARENTS, AUDIENCES
from backend.services.clock import age_on

if TYPE_CHECKING:
    from backend.tiles.spec import TileSpec

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


def _home_tiles(tiles: Iterable[TileSpec] | None) -> list[TileSpec]:
    if tiles is None:
        from backend.tiles.registry import tile_specs  # lazily: tiles import this module

        tiles = tile_specs()
    return sorted((spec for spec in tiles if spec.home is not None),
                  key=lambda spec: spec.home.order if spec.home else 0)


def default_tile_order(tiles: Iterable[TileSpec] | None = None) -> tuple[str, ...]:
    """The tile ids in their default order (each tile's `HomeHint.order`, the app's order)."""
    return tuple(spec.id for spec in _home_tiles(tiles))


def __getattr__(name: str) -> Any:
    # `DEFAULT_TILE_ORDER` is read from the tile registry on first use: the tiles import
    # this module, so it cannot be computed while this module loads.
    if name == "DEFAULT_TILE_ORDER":
        return default_tile_order()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    tiles: Iterable[TileSpec] | None = None,
) -> HomeProfile:
    """Tile order and reminders for the caller.

    The tiles whose `HomeHint.first_for` names an audience of the caller come first, in the
    order of `AUDIENCES` (a parent of a school-age child, 6-15, gets "school" first; a
    resident aged 75 or more gets "health" right after it, first otherwise), with the
    reminders their hints give that audience (a 後期高齢者健康診査 reminder).
    `caller_relation` is None when the caller is in no household; `tiles` defaults to the
    registry.
    """
    found = audiences(caller_birthdate, caller_relation, others, today)
    ordered = _home_tiles(tiles)
    promoted: list[str] = []
    reminders: list[Reminder] = []
    for audience in AUDIENCES:
        if audience not in found:
            continue
        for spec in ordered:
            hint = spec.home
            assert hint is not None
            if audience in hint.first_for and spec.id not in promoted:
                promoted.append(spec.id)
            reminders.extend(reminder for (to, reminder) in hint.reminders if to == audience)
    rest = (spec.id for spec in ordered if spec.id not in promoted)
    return HomeProfile(tile_order=(*promoted, *rest), reminders=tuple(reminders),
                       audiences=found)
