"""A folder of a city's waste files as one dataset: its source, its content and the report.

The folder holds any of: the 5374 files (calendar_5374.py), one or more ゴミの分別方法一覧
CSVs (every other `*.csv`), an optional `translations.csv` (names and search keywords in
other languages, translations.py), and an optional `dataset.json` naming the source:
`{"key", "title", "attribution", "licence", "is_demo"}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from backend.tiles.waste import readings
from backend.tiles.waste.calendar_5374 import (
    AREA_DAYS,
    AREA_TOWNS,
    CENTER,
    DESCRIPTION,
    FILES_5374,
    REMARKS,
    TARGET,
    parse_area_days,
    parse_area_towns,
    parse_center,
    parse_description,
    parse_remarks,
    parse_target,
)
from backend.tiles.waste.import_report import ImportReport, Problem, WasteFileError
from backend.tiles.waste.records import (
    DEFAULT_PUT_OUT_BY,
    SourceInfo,
    WasteContent,
    WasteItem,
)
from backend.tiles.waste.sorting_csv import ReadingFn, parse_sorting_csv
from backend.tiles.waste.translations import (
    TRANSLATIONS,
    apply_translations,
    parse_translations,
)

DATASET_FILE = "dataset.json"
DEMO_DIR = Path(__file__).resolve().parents[3] / "assets" / "waste" / "tsuyama_demo"
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_PUT_OUT_BY = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass
class WasteDataset:
    source: SourceInfo
    content: WasteContent
    report: ImportReport
    folder: Path


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("_.-")[:64]
    return slug or "city"


def read_source_info(folder: Path) -> SourceInfo:
    """`dataset.json` of `folder`, or a source named after the folder."""
    path = folder / DATASET_FILE
    if not path.is_file():
        return SourceInfo(key=_slug(folder.name), title=folder.name)
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WasteFileError(DATASET_FILE, f"cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise WasteFileError(DATASET_FILE, "must be a JSON object")
    key = str(raw.get("key") or _slug(folder.name))
    if not _KEY.fullmatch(key):
        raise WasteFileError(DATASET_FILE, f"key {key!r}: use 1-64 of A-Z a-z 0-9 _ . -")
    is_demo = raw.get("is_demo", False)
    if not isinstance(is_demo, bool):
        raise WasteFileError(DATASET_FILE, "is_demo must be true or false")
    week_shift = raw.get("week_shift", False)
    if not isinstance(week_shift, bool):
        raise WasteFileError(DATASET_FILE, "week_shift must be true or false")
    put_out_by = raw.get("put_out_by", DEFAULT_PUT_OUT_BY)
    match = _PUT_OUT_BY.fullmatch(put_out_by) if isinstance(put_out_by, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise WasteFileError(DATASET_FILE, "put_out_by must be a time of day as HH:MM "
                                           f"(like {DEFAULT_PUT_OUT_BY})")
    return SourceInfo(key=key, title=str(raw.get("title") or folder.name),
                      attribution=str(raw.get("attribution") or ""),
                      licence=str(raw.get("licence") or ""), is_demo=is_demo,
                      week_shift=week_shift,
                      put_out_by=f"{int(match.group(1)):02d}:{match.group(2)}")


class _Readings:
    """Makes readings for names without one and counts them for the report."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.generated = 0
        self.missing = 0

    def __call__(self, name: str) -> str | None:
        reading = readings.generate(name) if self.enabled else None
        if reading is None:
            self.missing += 1
        else:
            self.generated += 1
        return reading


def load_folder(folder: Path, *, municipality_code: str | None = None,
                source: SourceInfo | None = None, generate_readings: bool = True
                ) -> WasteDataset:
    """Parse every waste file in `folder`. Raises `WasteFileError` when the folder (or its
    dataset.json) cannot be used at all; file and row problems go into the report."""
    if not folder.is_dir():
        raise WasteFileError(str(folder), "is not a folder")
    source = source or read_source_info(folder)
    csvs = {path.name.lower(): path for path in sorted(folder.iterdir())
            if path.is_file() and path.suffix.lower() == ".csv"}
    if not csvs:
        raise WasteFileError(str(folder), "has no CSV files")
    report = ImportReport()
    content = WasteContent()
    reading_for = _Readings(generate_readings)
    if any(name in csvs for name in FILES_5374):
        _load_5374(csvs, content, report, reading_for)
    for name, path in csvs.items():
        if name in FILES_5374 or name in (AREA_TOWNS, TRANSLATIONS):
            continue
        try:
            _load_sorting(path, content, report, municipality_code, reading_for)
        except WasteFileError as exc:
            report.add(exc.problem())
    if TRANSLATIONS in csvs:
        _guard(report, lambda: _load_translations(csvs[TRANSLATIONS], content, report))
    if reading_for.generated:
        report.notes.append(f"readings generated for {reading_for.generated} items (SudachiPy)")
    if reading_for.missing:
        why = readings.unavailable_reason() if generate_readings else "turned off"
        report.notes.append(f"{reading_for.missing} items have no reading"
                            + (f" ({why})" if why else ""))
    report.loaded.update({k: v for k, v in content.counts().items() if v})
    return WasteDataset(source, content, report, folder)


def _guard(report: ImportReport, load: Callable[[], None]) -> None:
    try:
        load()
    except WasteFileError as exc:
        report.add(exc.problem())


def _add_items(content: WasteContent, report: ImportReport, file: str,
               items: list[WasteItem]) -> None:
    for item in items:
        if item.id in content.items:
            report.warn(file, None, f"item ID {item.id!r} ({item.name}) was already loaded "
                                    f"from another file; this one skipped")
            continue
        content.items[item.id] = item


def _load_translations(path: Path, content: WasteContent, report: ImportReport) -> None:
    parsed = parse_translations(path)
    report.extend(parsed.problems)
    report.extend(apply_translations(content, parsed.table))
    if parsed.rows:
        report.notes.append(f"{parsed.rows} translations read from {TRANSLATIONS}")


def _load_sorting(path: Path, content: WasteContent, report: ImportReport,
                  municipality_code: str | None, reading_for: ReadingFn) -> None:
    result = parse_sorting_csv(path, municipality_code=municipality_code,
                               reading_for=reading_for)
    report.extend(result.problems)
    _add_items(content, report, result.file, result.items)


def _load_5374(csvs: dict[str, Path], content: WasteContent, report: ImportReport,
               reading_for: ReadingFn) -> None:
    kinds: set[str] | None = None
    remark_ids: set[str] = set()
    centers: set[str] | None = None
    if DESCRIPTION in csvs:
        try:
            parsed_kinds = parse_description(csvs[DESCRIPTION])
            report.extend(parsed_kinds.problems)
            content.kinds = {kind.label: kind for kind in parsed_kinds.records}
            kinds = set(content.kinds)
        except WasteFileError as exc:
            report.add(exc.problem())
    elif AREA_DAYS in csvs:
        report.add(Problem(DESCRIPTION, None, f"file not found: {AREA_DAYS} needs it for the "
                                              "kinds' names and colours"))
    if REMARKS in csvs:
        try:
            parsed_remarks = parse_remarks(csvs[REMARKS])
            report.extend(parsed_remarks.problems)
            content.remarks = {remark.id: remark for remark in parsed_remarks.records}
            remark_ids = set(content.remarks)
        except WasteFileError as exc:
            report.add(exc.problem())
    if CENTER in csvs:
        try:
            parsed_centers = parse_center(csvs[CENTER])
            report.extend(parsed_centers.problems)
            content.centers = {center.name: center for center in parsed_centers.records}
            centers = set(content.centers)
        except WasteFileError as exc:
            report.add(exc.problem())
    if AREA_DAYS in csvs:
        _guard(report, lambda: _load_areas(csvs, content, report, kinds, remark_ids, centers))
    if TARGET in csvs:
        def load_target() -> None:
            parsed_items = parse_target(csvs[TARGET], reading_for)
            report.extend(parsed_items.problems)
            _add_items(content, report, TARGET, parsed_items.records)

        _guard(report, load_target)


def _load_areas(csvs: dict[str, Path], content: WasteContent, report: ImportReport,
                kinds: set[str] | None, remark_ids: set[str], centers: set[str] | None) -> None:
    parsed = parse_area_days(csvs[AREA_DAYS], kinds, remark_ids, centers)
    report.extend(parsed.problems)
    towns: dict[str, tuple[str, ...]] = {}
    if AREA_TOWNS in csvs:
        try:
            towns, problems = parse_area_towns(csvs[AREA_TOWNS])
            report.extend(problems)
        except WasteFileError as exc:
            report.add(exc.problem())
    names = {area.name for area in parsed.records}
    for name in sorted(set(towns) - names):
        report.warn(AREA_TOWNS, None, f"area {name!r} is not in {AREA_DAYS}; its towns ignored")
    content.areas = {area.id: replace(area, towns=towns.get(area.name, ()))
                     for area in parsed.records}


def load_demo(municipality_code: str | None = None) -> WasteDataset:
    """The made-up Tsuyama demo dataset (assets/waste/tsuyama_demo)."""
    return load_folder(DEMO_DIR, municipality_code=municipality_code)


