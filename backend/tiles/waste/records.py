"""The waste content as public change-log rows: the shapes the device code is written against
(docs/waste-data.md). Each record knows its key and its `data`; the dataset adds `source` and
`is_demo`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# language -> {"name": ..., "keywords": [...]} (translations.py); empty when none
Translations = Mapping[str, Mapping[str, Any]]

ITEMS = "waste_items"
AREAS = "waste_areas"
KINDS = "waste_kinds"
CENTERS = "waste_centers"
REMARKS = "waste_remarks"
SOURCES = "waste_sources"
COLLECTIONS = (SOURCES, KINDS, CENTERS, REMARKS, AREAS, ITEMS)  # the order they are published in
# Longest ids and names the tables (and the change log's key) take.
MAX_ID = 64
MAX_LABEL = 100  # an item's category, a kind's label
MAX_NAME = 200  # a center's name
DEFAULT_PUT_OUT_BY = "08:30"  # dataset.json `put_out_by` when absent (docs/waste-data.md)


def _translated(translations: Translations) -> dict[str, Any]:
    """`{"translations": {lang: {"name", "keywords"}}}`, or nothing when there are none (so
    rows without translations stay exactly as they were published before)."""
    if not translations:
        return {}
    return {"translations": {lang: {"name": str(entry.get("name") or ""),
                                    "keywords": list(entry.get("keywords") or ())}
                             for lang, entry in sorted(translations.items())}}


def check_length(what: str, value: str, limit: int) -> None:
    """ValueError when `value` is longer than `limit` characters."""
    if len(value) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")


def stable_id(prefix: str, *parts: str) -> str:
    """A key that stays the same for the same text: `prefix` + 16 hex digits of SHA-256."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}{digest[:16]}"


def area_id(name: str) -> str:
    """An area's key: from its name only, so a resident's chosen district survives a city
    replacing the demo data (or one year's file with the next)."""
    return stable_id("area-", name)


def item_id(category: str, name: str) -> str:
    """The key of an item that has no ID column (5374 target.csv)."""
    return stable_id("item-", category, name)


@dataclass(frozen=True)
class SourceInfo:
    """Where a dataset comes from: the `waste_sources` row and every row's `source`."""

    key: str
    title: str
    attribution: str = ""
    licence: str = ""
    is_demo: bool = False
    # 5374's WeekShift: a collection day inside a centre's closure moves a week later
    # (Kanazawa) instead of being dropped.
    week_shift: bool = False
    # The time waste must be out by on a collection day ("HH:MM", the city's 「朝8時30分
    # までに」); devices show the next collection after it. dataset.json `put_out_by`.
    put_out_by: str = DEFAULT_PUT_OUT_BY

    def data(self, loaded_at: str) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "attribution": self.attribution,
                "licence": self.licence, "is_demo": self.is_demo, "loaded_at": loaded_at,
                "week_shift": self.week_shift, "put_out_by": self.put_out_by}


@dataclass(frozen=True)
class WasteItem:
    id: str
    name: str
    category: str
    reading: str | None = None  # hiragana
    notes: str = ""
    fee_kind: str | None = None
    fee: int | None = None  # yen; 0 free; None unknown or not applicable
    fee_notes: str = ""
    remarks: str = ""
    synonyms: tuple[str, ...] = ()
    translations: Translations = field(default_factory=dict)

    def data(self, source: SourceInfo) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "reading": self.reading,
                "category": self.category, "notes": self.notes, "fee_kind": self.fee_kind,
                "fee": self.fee, "fee_notes": self.fee_notes, "remarks": self.remarks,
                "synonyms": list(self.synonyms), "source": source.key,
                "is_demo": source.is_demo, **_translated(self.translations)}


@dataclass(frozen=True)
class Schedule:
    """When one kind is collected in one area. A day is a collection day when it is in
    `dates`, or when its month is in `months` (empty: every month) and its weekday is in
    `weekly` or it is the n-th such weekday of the month for a `[weekday, n]` in `nth`.
    Weekdays: Monday 0 .. Sunday 6."""

    kind: str
    weekly: tuple[int, ...] = ()
    nth: tuple[tuple[int, int], ...] = ()
    months: tuple[int, ...] = ()
    dates: tuple[str, ...] = ()  # YYYY-MM-DD
    remarks: tuple[str, ...] = ()  # ids of waste_remarks rows (5374 `*1`)

    def data(self) -> dict[str, Any]:
        return {"kind": self.kind, "weekly": list(self.weekly),
                "nth": [list(pair) for pair in self.nth], "months": list(self.months),
                "dates": list(self.dates), "remarks": list(self.remarks)}


@dataclass(frozen=True)
class WasteArea:
    id: str
    name: str
    center: str | None = None
    schedules: tuple[Schedule, ...] = ()
    towns: tuple[str, ...] = ()  # 町字 in this area (optional area_towns.csv)
    translations: Translations = field(default_factory=dict)
    reading: str | None = None  # hiragana (area_days.csv `地名_カナ`): 五十音 order

    def data(self, source: SourceInfo) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "reading": self.reading,
                "center": self.center,
                "schedules": [schedule.data() for schedule in self.schedules],
                "towns": list(self.towns), "week_shift": source.week_shift,
                "put_out_by": source.put_out_by,
                "source": source.key, "is_demo": source.is_demo,
                **_translated(self.translations)}


@dataclass(frozen=True)
class WasteKind:
    label: str
    sublabel: str = ""
    description: str = ""
    color: str | None = None  # "#rrggbb" (5374 bgcolor)
    order: int = 0
    icon: str | None = None  # a Material icon name (description.csv `icon`), the colour's twin
    translations: Translations = field(default_factory=dict)
    short: str = ""  # a short name for narrow calendar cells (description.csv `short`)

    def data(self, source: SourceInfo) -> dict[str, Any]:
        return {"label": self.label, "sublabel": self.sublabel,
                "description": self.description, "color": self.color, "order": self.order,
                "icon": self.icon, "short": self.short, "source": source.key,
                "is_demo": source.is_demo,
                **_translated(self.translations)}


@dataclass(frozen=True)
class Closure:
    start: str  # YYYY-MM-DD, inclusive
    end: str  # YYYY-MM-DD, inclusive


@dataclass(frozen=True)
class WasteCenter:
    name: str
    closures: tuple[Closure, ...] = ()
    translations: Translations = field(default_factory=dict)

    def data(self, source: SourceInfo) -> dict[str, Any]:
        return {"name": self.name,
                "closures": [{"from": c.start, "to": c.end} for c in self.closures],
                "source": source.key, "is_demo": source.is_demo,
                **_translated(self.translations)}


@dataclass(frozen=True)
class WasteRemark:
    id: str
    text: str

    def data(self, source: SourceInfo) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "source": source.key,
                "is_demo": source.is_demo}


@dataclass
class WasteContent:
    """Everything parsed from one dataset, keyed as published."""

    items: dict[str, WasteItem] = field(default_factory=dict)
    areas: dict[str, WasteArea] = field(default_factory=dict)
    kinds: dict[str, WasteKind] = field(default_factory=dict)
    centers: dict[str, WasteCenter] = field(default_factory=dict)
    remarks: dict[str, WasteRemark] = field(default_factory=dict)

    def rows(self, source: SourceInfo) -> dict[str, dict[str, dict[str, Any]]]:
        """collection -> key -> data, without the `waste_sources` row."""
        return {
            KINDS: {key: kind.data(source) for key, kind in self.kinds.items()},
            CENTERS: {key: center.data(source) for key, center in self.centers.items()},
            REMARKS: {key: remark.data(source) for key, remark in self.remarks.items()},
            AREAS: {key: area.data(source) for key, area in self.areas.items()},
            ITEMS: {key: item.data(source) for key, item in self.items.items()},
        }

    def counts(self) -> dict[str, int]:
        return {ITEMS: len(self.items), AREAS: len(self.areas), KINDS: len(self.kinds),
                CENTERS: len(self.centers), REMARKS: len(self.remarks)}
