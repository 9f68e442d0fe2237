"""The procedures catalogue in plain Python: entries from the public `procedures` rows, search
in any spelling, life-event chips and the household fit (docs/procedures.md §1).

Search uses the waste tile's normalisation (its `api`): width, hiragana/katakana, long vowels
and small kana are folded, so 「ｼﾞﾄﾞｳﾃｱﾃ」, 「じどうてあて」 and 「ジドウテアテ」 find the same
procedure; kanji titles are found from their readings through the definition's `keywords`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.features.procedures.forms.definition import FeeRule
from app.features.waste.api import normalize

log = logging.getLogger(__name__)

# docs/procedures.md LIFE_EVENTS, in the order the chips are shown (English message ids).
LIFE_EVENTS: dict[str, str] = {
    "moving": "Moving",
    "birth": "Birth",
    "childcare": "Childcare",
    "care": "Care",
    "certificates": "Certificates",
    "waste": "Waste",
    "opinion": "Opinion to the city",
    "death": "After a death",
}
COMPLETIONS = ("online", "counter", "link")
FOR_WHOM = ("self", "delegator", "minor_child")
ADULT_AGE = 18
AGED = 65


def localized(value: Any, language: str) -> str:
    """A `{"ja": ..., "en": ...}` text in the language (else Japanese, else any)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        return ""
    for key in (language, "ja", "en"):
        text = value.get(key)
        if isinstance(text, str) and text:
            return text
    return next((str(v) for v in value.values() if isinstance(v, str)), "")


@dataclass(frozen=True)
class Entry:
    """One procedure as the catalogue shows it (the full definition stays in `raw`)."""

    id: str
    version: int
    title: dict[str, str]
    summary: dict[str, str]
    keywords: tuple[str, ...]
    life_events: tuple[str, ...]
    completion: str  # online | counter | link
    for_whom: tuple[str, ...]
    demo: bool = False
    department: str = ""
    link_route: str | None = None
    fee: FeeRule | None = None
    household: str | None = None  # eligibility.household: parent_of_minor | aged_65_plus
    residency: str = "card"
    min_age: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    search_keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def title_in(self, language: str) -> str:
        return localized(self.title, language)

    def summary_in(self, language: str) -> str:
        return localized(self.summary, language)


def entry_from(row: Mapping[str, Any]) -> Entry | None:
    """The entry of one public row, or None when the row is malformed (logged)."""
    try:
        pid = row["id"]
        version = row["version"]
        if not isinstance(pid, str) or not pid or isinstance(version, bool) \
                or not isinstance(version, int):
            raise ValueError("id or version")
        completion = row.get("completion") or "online"
        if completion not in COMPLETIONS:
            raise ValueError(f"completion {completion!r}")
        link = row.get("link")
        route = link.get("route") if isinstance(link, Mapping) else None
        raw_eligibility = row.get("eligibility")
        eligibility: Mapping[str, Any] = raw_eligibility if isinstance(
            raw_eligibility, Mapping) else {}
        fee_raw = row.get("fee")
        fee = None
        if isinstance(fee_raw, Mapping) and isinstance(fee_raw.get("amount_yen"), int):
            per_field = fee_raw.get("per_field")
            fee = FeeRule(int(fee_raw["amount_yen"]),
                          per_field if isinstance(per_field, str) else None,
                          tuple(m for m in fee_raw.get("methods") or () if isinstance(m, str)))
        min_age = eligibility.get("min_age")
        title = _texts(row.get("title"))
        summary = _texts(row.get("summary"))
        keywords = tuple(k for k in row.get("keywords") or () if isinstance(k, str))
        for_whom = tuple(w for w in row.get("for_whom") or ("self",) if w in FOR_WHOM)
        keys = tuple(k for k in (normalize(text) for text in (
            *title.values(), *summary.values(), *keywords)) if k)
        return Entry(
            id=pid, version=version, title=title, summary=summary, keywords=keywords,
            life_events=tuple(e for e in row.get("life_events") or () if e in LIFE_EVENTS),
            completion=completion, for_whom=for_whom or ("self",),
            demo=row.get("demo") is True, department=str(row.get("department") or ""),
            link_route=route if isinstance(route, str) and route.startswith("/") else None,
            fee=fee,
            household=eligibility.get("household") if isinstance(
                eligibility.get("household"), str) else None,
            residency=str(eligibility.get("residency") or "card"),
            min_age=min_age if isinstance(min_age, int) and not isinstance(min_age, bool)
            else None,
            raw=dict(row), search_keys=keys)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("skipping a malformed procedures row %r: %s", row.get("id"), exc)
        return None


def _texts(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"ja": value}
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def entries_from(rows: Iterable[Mapping[str, Any]]) -> list[Entry]:
    return [e for e in (entry_from(r) for r in rows) if e is not None]


# --- who the resident is: the household fit -----------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone the resident may apply for (or themselves)."""

    kind: str  # self | delegator | minor_child
    person_id: str | None  # their common ID (None: the resident themselves)
    name: str
    birthdate: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Household:
    """What the catalogue and the form know of the resident: their age and the people they
    may act for (minor children in the household, delegators with scope procedures/all)."""

    age: int | None = None
    minor_children: tuple[Person, ...] = ()
    delegators: tuple[Person, ...] = ()
    known: bool = False  # False: not read (offline, signed out): no fit is claimed

    @property
    def parent_of_minor(self) -> bool:
        return bool(self.minor_children)

    @property
    def aged_or_caring(self) -> bool:
        return (self.age is not None and self.age >= AGED) or bool(self.delegators)


def fits(entry: Entry, household: Household) -> bool:
    """Does the procedure suit this resident's household (the 「あなたに合う手続き」 label)?
    A parent of a minor child: child procedures (児童手当); someone 65 or older or acting for
    someone: care procedures (介護)."""
    if entry.household == "parent_of_minor" or "childcare" in entry.life_events:
        return household.parent_of_minor
    if entry.household == "aged_65_plus" or "care" in entry.life_events:
        return household.aged_or_caring
    return False


def search(entries: Iterable[Entry], query: str, life_event: str | None,
           household: Household, language: str = "ja") -> list[Entry]:
    """Entries matching the query (every word, in any spelling, in the title, summary or
    keywords) and the life event; those that fit the household first, then by title."""
    words = [k for k in (normalize(w) for w in query.split()) if k]
    found = []
    for entry in entries:
        if life_event and life_event not in entry.life_events:
            continue
        if words and not all(any(w in key for key in entry.search_keys) for w in words):
            continue
        found.append(entry)
    return sorted(found, key=lambda e: (not fits(e, household), e.title_in(language)))
