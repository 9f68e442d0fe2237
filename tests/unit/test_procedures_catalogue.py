"""The procedures catalogue: entries from the pulled rows, search in any spelling, life
events, and the household fit that puts 児童手当 or 介護 first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.features.procedures.catalogue import (
    Household,
    Person,
    entries_from,
    entry_from,
    fits,
    search,
)
from app.features.procedures.repository import household_from
from app.features.procedures.routes import Screen, Where, parse

DEMO = Path(__file__).resolve().parents[2] / "assets" / "procedures" / "demo"


def demo_rows() -> list[dict[str, Any]]:
    return [{**json.loads(p.read_text(encoding="utf-8")),
             "imported_at": "2026-12-01T00:00:00+00:00"} for p in sorted(DEMO.glob("*.json"))]


ENTRIES = entries_from(demo_rows())
NOBODY = Household(age=40, known=True)
PARENT = Household(age=35, minor_children=(Person("minor_child", "kid-1", "津山 花"),),
                   known=True)
AGED = Household(age=70, known=True)
CARER = Household(age=45, delegators=(Person("delegator", "mum-1", "津山 ハル"),), known=True)


def ids(entries: list[Any]) -> list[str]:
    return [e.id for e in entries]


def test_every_demo_definition_is_an_entry_marked_demo() -> None:
    assert len(ENTRIES) == len(list(DEMO.glob("*.json"))) >= 5
    assert all(e.demo for e in ENTRIES)
    copy = next(e for e in ENTRIES if e.id == "resident-record-copy")
    assert copy.completion == "counter" and copy.fee is not None
    assert copy.fee.amount_yen == 300 and copy.fee.total({"copies": 3}) == 900
    voice = next(e for e in ENTRIES if e.id == "residents-voice")
    assert voice.completion == "link" and voice.link_route is not None


@pytest.mark.parametrize("row", [
    {"version": 1}, {"id": "x"}, {"id": "x", "version": "1"},
    {"id": "x", "version": 1, "completion": "fax"}, {"id": "", "version": 1},
])
def test_a_malformed_row_is_skipped_not_fatal(row: dict[str, Any]) -> None:
    assert entry_from(row) is None
    assert ids(entries_from([row, demo_rows()[0]])) == [demo_rows()[0]["id"]]


@pytest.mark.parametrize("query", [
    "じどうてあて", "ジドウテアテ", "ｼﾞﾄﾞｳﾃｱﾃ", "児童手当", "child benefit", "CHILD  allowance",
    "ｼﾞﾄﾞｰﾃｱﾃ",
])
def test_search_accepts_any_spelling(query: str) -> None:
    assert "child-allowance" in ids(search(ENTRIES, query, None, NOBODY))


def test_every_word_must_match_and_nonsense_finds_nothing() -> None:
    assert ids(search(ENTRIES, "住民票 写し", None, NOBODY)) == ["resident-record-copy"]
    assert search(ENTRIES, "住民票 かいご", None, NOBODY) == []
    assert search(ENTRIES, "zzzz", None, NOBODY) == []


def test_a_life_event_keeps_only_its_procedures() -> None:
    moving = ids(search(ENTRIES, "", "moving", NOBODY))
    assert "moving-in-notice" in moving and "long-term-care-certification" not in moving
    assert ids(search(ENTRIES, "", "opinion", NOBODY)) == ["residents-voice"]
    assert ids(search(ENTRIES, "住民票", "care", NOBODY)) == []


def test_a_parent_of_a_minor_sees_the_child_allowance_first() -> None:
    assert ids(search(ENTRIES, "", None, PARENT))[0] == "child-allowance"
    assert ids(search(ENTRIES, "", None, NOBODY))[0] != "child-allowance"
    child = next(e for e in ENTRIES if e.id == "child-allowance")
    assert fits(child, PARENT) and not fits(child, NOBODY) and not fits(child, AGED)


@pytest.mark.parametrize("household", [AGED, CARER])
def test_someone_aged_or_acting_for_someone_sees_care_first(household: Household) -> None:
    assert ids(search(ENTRIES, "", None, household))[0] == "long-term-care-certification"
    assert fits(next(e for e in ENTRIES if e.id == "long-term-care-certification"), household)


def test_without_a_known_household_nothing_claims_to_fit() -> None:
    assert not any(fits(e, Household()) for e in ENTRIES)


def test_the_household_gives_minor_children_and_procedure_delegators_only() -> None:
    household = {"address": "津山市山北520", "members": [
        {"name": "津山 太郎", "relation": "self", "age": 40, "is_you": True},
        {"name": "津山 花子", "relation": "spouse", "age": 38},
        {"name": "津山 一郎", "relation": "child", "age": 7, "birthdate": "2019-05-01",
         "person_id": "kid-1"},
        {"name": "津山 次郎", "relation": "child", "age": 19, "person_id": None},
        {"name": "津山 ハル", "relation": "parent", "age": 70},
    ]}
    delegations = [
        {"direction": "for_me", "status": "active", "scope": "procedures",
         "grantor_common_id": "g-1", "other_name": "山田 一"},
        {"direction": "for_me", "status": "active", "scope": "health",
         "grantor_common_id": "g-2", "other_name": "山田 二"},
        {"direction": "for_me", "status": "revoked", "scope": "all",
         "grantor_common_id": "g-3", "other_name": "山田 三"},
        {"direction": "granted_by_me", "status": "active", "scope": "all",
         "grantor_common_id": "me", "other_name": "山田 四"},
        {"direction": "for_me", "status": "active", "scope": "all",
         "grantor_common_id": "g-5", "other_name": "山田 五"},
    ]
    found = household_from(40, household, delegations)
    assert [(c.name, c.person_id, c.birthdate, c.address) for c in found.minor_children] == [
        ("津山 一郎", "kid-1", "2019-05-01", "津山市山北520")]
    assert [d.person_id for d in found.delegators] == ["g-1", "g-5"]
    assert found.known and found.parent_of_minor and found.aged_or_caring


def test_a_grandparent_is_not_the_parent_of_the_heads_child() -> None:
    household = {"members": [
        {"name": "祖母", "relation": "parent", "age": 70, "is_you": True},
        {"name": "孫", "relation": "child", "age": 5, "person_id": "kid"}]}
    assert household_from(70, household, []).minor_children == ()


@pytest.mark.parametrize(("route", "screen", "ident"), [
    ("/procedures", Screen.CATALOGUE, ""),
    ("/procedures/", Screen.CATALOGUE, ""),
    ("/procedures/child-allowance", Screen.PROCEDURE, "child-allowance"),
    ("/procedures/child-allowance?x=1", Screen.PROCEDURE, "child-allowance"),
    ("/procedures/submissions/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab", Screen.SUBMISSION,
     "0b1c2d3e-aaaa-bbbb-cccc-0123456789ab"),
    ("/procedures/handoff/abc-1", Screen.HANDOFF, "abc-1"),
    ("/procedures/handoff", Screen.PROCEDURE, "handoff"),
    ("/procedures/a/b/c", Screen.CATALOGUE, ""),
    ("/procedures/../etc", Screen.CATALOGUE, ""),
    ("/procedures/submissions/bad id", Screen.CATALOGUE, ""),
    ("/waste", Screen.CATALOGUE, ""),
])
def test_routes_name_their_screen(route: str, screen: Screen, ident: str) -> None:
    assert parse(route) == Where(screen, ident)
