"""The waste content in the reader's language: names of items, kinds, districts and centres
from the rows' `translations` (the city's translations.csv; docs/waste-data.md, ADR 0028),
the Japanese text when a row has none. (A kind's icon, its cue besides its colour, is
kind_style.icon_name.)

Plain functions over rows, for the views and the state; nothing here reads or writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.features.waste.search import translation

__all__ = ["area_name", "item_name", "kind_name"]


def _local(row: Mapping[str, Any] | None, language: str, fallback: str) -> str:
    name = str(translation(row or {}, language).get("name") or "")
    return name or fallback


def item_name(item: Mapping[str, Any], language: str) -> str:
    """The item's name in `language`, else its Japanese name."""
    return _local(item, language, str(item.get("name") or ""))


def kind_name(label: str, info: Mapping[str, Any] | None, language: str) -> str:
    """A kind's name (`label`, as items and areas name it) in `language`; `info` is its
    waste_kinds row ({} when the city has none)."""
    return _local(info, language, label)


def area_name(area: Mapping[str, Any], language: str) -> str:
    """A district's readable name in `language` (林田 → Hayashida), else its own."""
    return _local(area, language, str(area.get("name") or ""))
