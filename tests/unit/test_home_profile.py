"""The home profile rules (school first for parents, health for 75+) on boundary dates."""

from __future__ import annotations

from datetime import date

import pytest

from app.shell.registry import FeatureRegistry
from backend.services.clock import age_on
from backend.services.home_profile import (
    DEFAULT_TILE_ORDER,
    MemberFacts,
    audiences,
    home_profile,
    is_parent_relation,
)

TODAY = date(2026, 11, 24)
PARENT_BIRTHDATE = date(1986, 7, 7)


def child_born(day: date) -> list[MemberFacts]:
    return [MemberFacts("child", day)]


def test_default_order_matches_the_app_registry() -> None:
    assert tuple(spec.id for spec in FeatureRegistry.load()) == DEFAULT_TILE_ORDER


def test_nobody_special_gets_the_default_order() -> None:
    profile = home_profile(PARENT_BIRTHDATE, "self", [MemberFacts("spouse", date(1983, 2, 11))],
                           TODAY)
    assert profile.tile_order == DEFAULT_TILE_ORDER
    assert profile.reminders == ()
    assert profile.audiences == frozenset()


def test_no_household_and_no_birthdate() -> None:
    profile = home_profile(None, None, [], TODAY)
    assert profile.tile_order == DEFAULT_TILE_ORDER
    assert profile.as_json() == {"tile_order": list(DEFAULT_TILE_ORDER), "reminders": []}


@pytest.mark.parametrize(
    ("child_birthdate", "school_first"),
    [
        (date(2020, 11, 25), False),  # turns 6 tomorrow
        (date(2020, 11, 24), True),  # turns 6 today
        (date(2010, 11, 25), True),  # still 15, turns 16 tomorrow
        (date(2010, 11, 24), False),  # turns 16 today
    ],
)
def test_parent_of_a_school_age_child_gets_school_first(
    child_birthdate: date, school_first: bool
) -> None:
    profile = home_profile(PARENT_BIRTHDATE, "self", child_born(child_birthdate), TODAY)
    assert (profile.tile_order[0] == "school") is school_first
    assert sorted(profile.tile_order) == sorted(DEFAULT_TILE_ORDER)
    assert ("parents" in profile.audiences) is school_first


def test_spouse_is_a_parent_too_but_a_sibling_is_not() -> None:
    kids = child_born(date(2015, 5, 20))
    assert home_profile(PARENT_BIRTHDATE, "spouse", kids, TODAY).tile_order[0] == "school"
    assert home_profile(date(2008, 1, 1), "child", kids, TODAY).tile_order[0] != "school"


@pytest.mark.parametrize(
    ("birthdate", "is_75"),
    [
        (date(1951, 11, 25), False),  # 75 tomorrow
        (date(1951, 11, 24), True),  # 75 today
        (date(1944, 3, 3), True),
    ],
)
def test_residents_aged_75_get_health_and_a_checkup_reminder(
    birthdate: date, is_75: bool
) -> None:
    profile = home_profile(birthdate, "self", [], TODAY)
    assert (profile.tile_order[0] == "health") is is_75
    kinds = [reminder.kind for reminder in profile.reminders]
    assert kinds == (["health_check"] if is_75 else [])
    assert ("age75plus" in profile.audiences) is is_75
    if is_75:
        assert profile.as_json()["reminders"][0]["title_ja"] == "後期高齢者健康診査を受けましょう"


def test_both_rules_school_then_health() -> None:
    profile = home_profile(date(1950, 1, 1), "self", child_born(date(2015, 5, 20)), TODAY)
    assert profile.tile_order[:2] == ("school", "health")
    assert len(profile.tile_order) == len(DEFAULT_TILE_ORDER)


def test_leap_day_birthday_turns_over_on_the_first_of_march() -> None:
    born = date(2012, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 13
    assert age_on(born, date(2026, 3, 1)) == 14
    assert age_on(born, date(2028, 2, 29)) == 16


def test_parent_relations() -> None:
    assert is_parent_relation("self", "child")
    assert is_parent_relation("spouse", "child")
    assert is_parent_relation("parent", "self")
    assert not is_parent_relation("child", "child")
    assert not is_parent_relation("child", "grandchild")
    assert not is_parent_relation("self", "spouse")
    assert audiences(None, "self", child_born(date(2015, 5, 20)), TODAY) == {"parents"}
