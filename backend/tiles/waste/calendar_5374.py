"""The five files of the 5374 (ゴミナシ) format, plus one optional extension.

- description.csv `label,sublabel,description,styles,bgcolor`: the kinds of the calendar
  (`WasteKind`, in file order); this project also reads an optional `icon` column (a
  Material icon name such as `local_fire_department`), the kind's cue besides its colour.
- area_days.csv `地名,センター,<kind>,<kind>,...`: one row per area, one cell per kind
  (calendar_rules.py).
- center.csv `名称,休止開始日,休止終了日` (header optional, file may be empty): closures.
- remarks.csv `ID,注意事項`: notes that area_days cells point at with `*ID`.
- target.csv `type,name,notice,furigana`: items (`furigana` is only an index initial).
- area_towns.csv `地名,町字` (this project's extension, optional): the towns of an area,
  several per cell separated by 、 or spaces, so a device can pick the area from an address.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

from backend.tiles.waste.calendar_rules import parse_rule
from backend.tiles.waste.csv_io import CsvRow, CsvTable, read_csv
from backend.tiles.waste.import_report import Problem, WasteFileError
from backend.tiles.waste.readings import normalize_reading
from backend.tiles.waste.records import (
    MAX_ID,
    MAX_LABEL,
    MAX_NAME,
    Closure,
    Schedule,
    WasteArea,
    WasteCenter,
    WasteItem,
    WasteKind,
    WasteRemark,
    area_id,
    check_length,
    item_id,
)
from backend.tiles.waste.sorting_csv import ReadingFn

AREA_DAYS, CENTER, DESCRIPTION, REMARKS, TARGET = (
    "area_days.csv", "center.csv", "description.csv", "remarks.csv", "target.csv")
AREA_TOWNS = "area_towns.csv"
FILES_5374 = (AREA_DAYS, CENTER, DESCRIPTION, REMARKS, TARGET)
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_DATE = re.compile(r"(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")
_ICON = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_TOWN_SEPARATORS = re.compile(r"[、,，;；\s]+")
MAX_SHORT = 20
# An area's reading (this project's column in area_days.csv, anywhere after センター), so
# districts can be listed in 五十音 order; normalized to hiragana like item readings.
AREA_READING_COLUMNS = ("地名_カナ", "地名_かな", "地名_よみ", "地名_読み", "地名_ふりがな",
                        "地名_フリガナ", "よみ", "読み", "ふりがな", "フリガナ", "カナ")


T = TypeVar("T")


@dataclass
class Parsed(Generic[T]):
    """Records of one file and its problems."""

    records: list[T] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _check_width(row: CsvRow, width: int) -> list[str]:
    cells = row.cells
    if len(cells) > width and not any(cells[width:]):
        cells = cells[:width]
    if len(cells) != width:
        raise ValueError(f"has {len(cells)} columns, the header has {width}")
    return cells


def _columns(table: CsvTable, wanted: tuple[str, ...], required: tuple[str, ...]
             ) -> dict[str, int]:
    names = [h.strip().lower() for h in table.header]
    found = {name: names.index(name) for name in wanted if name in names}
    missing = [name for name in required if name not in found]
    if missing:
        raise WasteFileError(table.file, f"no column {', '.join(missing)} "
                                         f"(header: {', '.join(table.header)})")
    return found


def _icon(raw: str) -> str | None:
    """A Material icon name in upper case (`local_fire_department` → LOCAL_FIRE_DEPARTMENT);
    None when empty or not a plain name (the app shows its own mark then)."""
    name = raw.strip().upper().replace("-", "_").replace(" ", "_")
    return name if _ICON.fullmatch(name) else None


def _short(raw: str) -> str:
    """A kind's short name (description.csv `short`, this project's column), for calendar
    cells too narrow for 資源ごみ（缶・びん・ペットボトル）; empty: the label is used."""
    return raw.strip()[:MAX_SHORT]


def parse_description(path: Path) -> Parsed[WasteKind]:
    table = read_csv(path)
    columns = _columns(table, ("label", "sublabel", "description", "bgcolor", "icon", "short"),
                       ("label",))
    out: Parsed[WasteKind] = Parsed()
    seen: dict[str, int] = {}
    for row in table.rows:
        try:
            cells = _check_width(row, len(table.header))
            label = cells[columns["label"]]
            if not label:
                raise ValueError("no label")
            check_length("label", label, MAX_LABEL)
            if label in seen:
                raise ValueError(f"kind {label!r} again (first on line {seen[label]})")
        except ValueError as exc:
            out.problems.append(Problem(table.file, row.line, str(exc)))
            continue
        seen[label] = row.line
        raw_color = cells[columns["bgcolor"]] if "bgcolor" in columns else ""
        color = raw_color.lower() if _COLOR.fullmatch(raw_color) else None
        if raw_color and color is None:
            out.problems.append(Problem(table.file, row.line,
                                        f"bgcolor {raw_color!r} is not #rgb or #rrggbb", "warning"))
        out.records.append(WasteKind(
            label=label,
            sublabel=cells[columns["sublabel"]] if "sublabel" in columns else "",
            description=cells[columns["description"]] if "description" in columns else "",
            color=color,
            order=len(out.records),
            icon=_icon(cells[columns["icon"]] if "icon" in columns else ""),
            short=_short(cells[columns["short"]] if "short" in columns else ""),
        ))
    return out


def parse_day(raw: str) -> str:
    """2022/12/30, 2022-12-30, 20221230 or 2022年12月30日 as YYYY-MM-DD; ValueError if not."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"bad date {raw!r} (like 2026/12/30)")
    parts = [int(p) for p in (match.groups()[:3] if match.group(1) else match.groups()[3:])]
    try:
        return date(*parts).isoformat()
    except ValueError:
        raise ValueError(f"bad date {raw!r} (no such day)") from None


def parse_center(path: Path) -> Parsed[WasteCenter]:
    """Closures per center; the header row is optional, and so is any row (empty file)."""
    table = read_csv(path, header=False)
    rows = table.rows
    if rows and len(rows[0].cells) >= 2:
        try:
            parse_day(rows[0].cells[1])
        except ValueError:
            rows = rows[1:]  # a header
    out: Parsed[WasteCenter] = Parsed()
    closures: dict[str, list[Closure]] = {}
    for row in rows:
        try:
            name, start_raw, end_raw = _check_width(row, 3)
            if not name:
                raise ValueError("no center name")
            check_length("center name", name, MAX_NAME)
            start, end = parse_day(start_raw), parse_day(end_raw)
            if start > end:
                raise ValueError(f"closure ends ({end}) before it starts ({start})")
        except ValueError as exc:
            out.problems.append(Problem(table.file, row.line, str(exc)))
            continue
        closures.setdefault(name, []).append(Closure(start, end))
    out.records = [WasteCenter(name, tuple(sorted(c, key=lambda c: c.start)))
                   for name, c in closures.items()]
    return out


def parse_remarks(path: Path) -> Parsed[WasteRemark]:
    table = read_csv(path, header=False)
    rows = table.rows
    if rows and rows[0].cells[0].strip().upper() == "ID":
        rows = rows[1:]
    out: Parsed[WasteRemark] = Parsed()
    seen: dict[str, int] = {}
    for row in rows:
        try:
            remark_id, text = _check_width(row, 2)
            remark_id = unicodedata.normalize("NFKC", remark_id).strip()
            if not remark_id:
                raise ValueError("no remark ID")
            check_length("remark ID", remark_id, MAX_ID)
            if not text:
                raise ValueError(f"remark {remark_id} has no text")
            if remark_id in seen:
                raise ValueError(f"remark ID {remark_id} again (first on line {seen[remark_id]})")
        except ValueError as exc:
            out.problems.append(Problem(table.file, row.line, str(exc)))
            continue
        seen[remark_id] = row.line
        out.records.append(WasteRemark(remark_id, text))
    return out


def parse_area_days(path: Path, kinds: Collection[str] | None = None,
                    remark_ids: Collection[str] | None = None,
                    centers: Collection[str] | None = None) -> Parsed[WasteArea]:
    """Areas and their schedules. `kinds` (description.csv labels), `remark_ids` and
    `centers`, when given, are checked: a kind column not among `kinds` is reported and
    ignored, a `*N` without remark N makes its row malformed, an unknown center is a warning."""
    table = read_csv(path)
    out: Parsed[WasteArea] = Parsed()
    if len(table.header) < 3:
        raise WasteFileError(table.file, "needs 地名, センター and at least one kind column "
                                         f"(header: {', '.join(table.header)})")
    kind_columns: list[tuple[int, str]] = []
    reading_column: int | None = None
    header_line = 1
    for index, label in enumerate(table.header[2:], start=2):
        if unicodedata.normalize("NFKC", label).strip() in AREA_READING_COLUMNS:
            reading_column = index
        elif not label:
            out.problems.append(Problem(table.file, header_line,
                                        f"column {index + 1} has no kind name; ignored", "warning"))
        elif kinds is not None and label not in kinds:
            out.problems.append(Problem(
                table.file, header_line,
                f"unknown category {label!r} (not in {DESCRIPTION}); column ignored"))
        else:
            kind_columns.append((index, label))
    seen: dict[str, int] = {}
    for row in table.rows:
        try:
            area = _area(row, len(table.header), kind_columns, remark_ids, reading_column)
            if area.name in seen:
                raise ValueError(f"area {area.name!r} again (first on line {seen[area.name]})")
        except ValueError as exc:
            out.problems.append(Problem(table.file, row.line, str(exc)))
            continue
        seen[area.name] = row.line
        if area.center and centers is not None and area.center not in centers:
            out.problems.append(Problem(table.file, row.line,
                                        f"center {area.center!r} is not in {CENTER}", "warning"))
        out.records.append(area)
    return out


def _area(row: CsvRow, width: int, kind_columns: list[tuple[int, str]],
          remark_ids: Collection[str] | None, reading_column: int | None = None
          ) -> WasteArea:
    cells = _check_width(row, width)
    name = cells[0]
    if not name:
        raise ValueError("no area name (地名)")
    schedules: list[Schedule] = []
    for index, kind in kind_columns:
        if not cells[index]:
            continue  # not collected in this area
        try:
            schedules.append(parse_rule(kind, cells[index], remark_ids))
        except ValueError as exc:
            raise ValueError(f"{kind}: {exc}") from None
    reading = (normalize_reading(cells[reading_column]) if reading_column is not None
               else None)
    return WasteArea(id=area_id(name), name=name, center=cells[1] or None,
                     schedules=tuple(schedules), reading=reading)


def parse_target(path: Path, reading_for: ReadingFn | None = None) -> Parsed[WasteItem]:
    """Items of target.csv; `type` is their category, `notice` their notes."""
    table = read_csv(path)
    columns = _columns(table, ("type", "name", "notice", "furigana"), ("type", "name"))
    out: Parsed[WasteItem] = Parsed()
    seen: dict[str, int] = {}
    for row in table.rows:
        try:
            cells = _check_width(row, len(table.header))
            category, name = cells[columns["type"]], cells[columns["name"]]
            if not name:
                raise ValueError("no item name")
            if not category:
                raise ValueError(f"item {name!r} has no type")
            check_length("type", category, MAX_LABEL)
            key = item_id(category, name)
            if key in seen:
                raise ValueError(f"item {name!r} ({category}) again (first on line {seen[key]})")
        except ValueError as exc:
            out.problems.append(Problem(table.file, row.line, str(exc)))
            continue
        seen[key] = row.line
        out.records.append(WasteItem(
            id=key, name=name, category=category,
            reading=reading_for(name) if reading_for is not None else None,
            notes=cells[columns["notice"]] if "notice" in columns else "",
        ))
    return out


def parse_area_towns(path: Path) -> tuple[dict[str, tuple[str, ...]], list[Problem]]:
    """area name -> its towns (町字), from `地名,町字` rows (header optional)."""
    table = read_csv(path, header=False)
    rows = table.rows
    if rows and rows[0].cells[0] in ("地名", "name", "area"):
        rows = rows[1:]
    towns: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for row in rows:
        try:
            name, raw = _check_width(row, 2)
            if not name:
                raise ValueError("no area name (地名)")
        except ValueError as exc:
            problems.append(Problem(table.file, row.line, str(exc)))
            continue
        bucket = towns.setdefault(name, [])
        bucket += [t for t in _TOWN_SEPARATORS.split(raw) if t and t not in bucket]
    return {name: tuple(t) for name, t in towns.items()}, problems
