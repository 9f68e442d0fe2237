"""translations.csv: names and search keywords of a dataset's items, kinds, districts and
centres in other languages (this project's extension; docs/waste-data.md, ADR 0028).

One row per text and language: `target,source,lang,text,keywords`.

- `target`: `item` (matched against an item's name, ゴミの品目), `kind` (a kind's label,
  分別区分 / description.csv), `area` (a district, area_days.csv 地名) or `center`.
- `source`: the Japanese text exactly as in the other files.
- `lang`: `en`, `zh`, `ko` (a language the app has).
- `text`: the name in that language (a district's readable romanised name: 林田 → Hayashida).
- `keywords`: optional words people search with in that language (items), separated by `;`
  or `、`: "microwave;oven" for 電子レンジ.

A city adds English (or other) names without code by adding this file to its folder; rows
for texts the other files do not have are reported as warnings and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from backend.tiles.waste.csv_io import read_csv
from backend.tiles.waste.import_report import Problem, WasteFileError
from backend.tiles.waste.records import WasteContent

TRANSLATIONS = "translations.csv"
TARGETS = ("item", "kind", "area", "center")
LANGUAGES = ("en", "zh", "ko")
MAX_TEXT = 200
MAX_KEYWORDS = 20
_KEYWORD_SEPARATORS = re.compile(r"[;；、\n]")
_COLUMNS = ("target", "source", "lang", "text", "keywords")

# target -> source text -> language -> {"name": str, "keywords": [str]}
Table = dict[str, dict[str, dict[str, dict[str, Any]]]]


@dataclass
class ParsedTranslations:
    table: Table = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0


def split_keywords(raw: str) -> list[str]:
    found: list[str] = []
    for part in _KEYWORD_SEPARATORS.split(raw):
        word = " ".join(part.split())
        if word and word not in found:
            found.append(word[:MAX_TEXT])
    return found[:MAX_KEYWORDS]


def parse_translations(path: Path) -> ParsedTranslations:
    """The rows of a translations.csv; malformed rows are reported and skipped."""
    table = read_csv(path)
    names = [h.strip().lower() for h in table.header]
    missing = [c for c in _COLUMNS[:4] if c not in names]
    if missing:
        raise WasteFileError(table.file, f"no column {', '.join(missing)} "
                                         f"(header: {', '.join(table.header)})")
    index = {c: names.index(c) for c in _COLUMNS if c in names}
    out = ParsedTranslations()
    for row in table.rows:
        cells = row.cells + [""] * (len(table.header) - len(row.cells))

        def cell(name: str, cells: list[str] = cells) -> str:
            return cells[index[name]].strip() if name in index else ""

        target, source, lang, text = (cell("target").lower(), cell("source"),
                                      cell("lang").lower(), " ".join(cell("text").split()))
        problem = None
        if target not in TARGETS:
            problem = f"target {target!r} is not one of {', '.join(TARGETS)}"
        elif lang not in LANGUAGES:
            problem = f"lang {lang!r} is not one of {', '.join(LANGUAGES)}"
        elif not source:
            problem = "no source (the Japanese text)"
        elif not text:
            problem = f"no text for {source!r}"
        elif len(text) > MAX_TEXT:
            problem = f"text for {source!r} is longer than {MAX_TEXT} characters"
        if problem:
            out.problems.append(Problem(table.file, row.line, problem))
            continue
        by_lang = out.table.setdefault(target, {}).setdefault(source, {})
        if lang in by_lang:
            out.problems.append(Problem(table.file, row.line,
                                        f"{target} {source!r} in {lang} again; the first kept",
                                        "warning"))
            continue
        by_lang[lang] = {"name": text, "keywords": split_keywords(cell("keywords"))}
        out.rows += 1
    return out


def apply_translations(content: WasteContent, table: Table, file: str = TRANSLATIONS
                       ) -> list[Problem]:
    """Puts the translations onto the content's records (matched by their Japanese text);
    returns warnings for texts that no record has."""
    problems: list[Problem] = []

    def used(target: str, present: set[str]) -> Mapping[str, dict[str, dict[str, Any]]]:
        rows = table.get(target, {})
        for source in sorted(set(rows) - present):
            problems.append(Problem(file, None, f"{target} {source!r} is not in the data; "
                                                "its translations ignored", "warning"))
        return rows

    items = used("item", {item.name for item in content.items.values()})
    content.items = {key: replace(item, translations=items[item.name])
                     if item.name in items else item for key, item in content.items.items()}
    kinds = used("kind", set(content.kinds))
    content.kinds = {key: replace(kind, translations=kinds[kind.label])
                     if kind.label in kinds else kind for key, kind in content.kinds.items()}
    areas = used("area", {area.name for area in content.areas.values()})
    content.areas = {key: replace(area, translations=areas[area.name])
                     if area.name in areas else area for key, area in content.areas.items()}
    centers = used("center", set(content.centers))
    content.centers = {key: replace(center, translations=centers[center.name])
                       if center.name in centers else center
                       for key, center in content.centers.items()}
    return problems
