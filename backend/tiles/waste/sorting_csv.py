"""ゴミの分別方法一覧 (自治体標準オープンデータセット 28) as `WasteItem`s.

Columns (current standard): 全国地方公共団体コード, ID, 地方公共団体名, ゴミの品目, 分別区分,
注意点, 料金種別, 料金, 料金備考, 備考. Accepted variants: レコード番号 for ID, ごみ for ゴミ,
every column prefixed ゴミの分別方法_, and the optional reading (ゴミの品目_カナ, 読み,
ふりがな, ...) and synonym (別名; several separated by 、 or ;) columns. Only the item name
and 分別区分 are required; other columns are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend.tiles.waste.csv_io import CsvRow, read_csv
from backend.tiles.waste.import_report import Problem, WasteFileError
from backend.tiles.waste.readings import normalize_reading
from backend.tiles.waste.records import MAX_ID, MAX_LABEL, WasteItem, check_length, item_id

ReadingFn = Callable[[str], str | None]

FREE = "無料"
# canonical field -> accepted header names (compared after `_header_key`)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("全国地方公共団体コード", "市区町村コード", "都道府県コード又は市区町村コード"),
    "id": ("ID", "レコード番号", "NO", "番号"),
    "municipality": ("地方公共団体名", "市区町村名"),
    "name": ("ゴミの品目", "品目", "品目名", "品名"),
    "category": ("分別区分", "区分", "分別", "分類"),
    "notes": ("注意点", "注意事項"),
    "fee_kind": ("料金種別",),
    "fee": ("料金",),
    "fee_notes": ("料金備考",),
    "remarks": ("備考",),
    "reading": ("ゴミの品目_カナ", "ゴミの品目_ふりがな", "ゴミの品目_読み", "品目_カナ",
                "品目_ふりがな", "品目_読み", "カナ", "読み", "よみ", "読み仮名", "よみがな",
                "ふりがな", "フリガナ"),
    "synonyms": ("別名", "別名称", "別称", "同義語"),
}
REQUIRED = {"name": "ゴミの品目", "category": "分別区分"}
_PREFIXES = ("ごみの分別方法", "ごみ分別方法")
_SYNONYM_SEPARATORS = re.compile(r"[、;；,，\n]")
_FEE = re.compile(r"[¥￥]?(\d+)円?")
_EMPTY_FEE = ("", "-", "ー", "―", "‐")


def _header_key(name: str) -> str:
    key = unicodedata.normalize("NFKC", name).strip().upper()
    key = key.replace("ゴミ", "ごみ")
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key != prefix:
            key = key[len(prefix):]
    return re.sub(r"[\s_()\[\]【】]", "", key)


_ALIAS_TO_FIELD = {_header_key(alias): name
                   for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def map_header(header: list[str], file: str) -> tuple[dict[str, int], list[Problem]]:
    """canonical field -> column index; raises `WasteFileError` without the required ones."""
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for index, name in enumerate(header):
        canonical = _ALIAS_TO_FIELD.get(_header_key(name))
        if canonical is None:
            continue
        if canonical in columns:
            first = header[columns[canonical]]
            problems.append(Problem(file, 1, f"column {name!r} repeats {first!r}; the first one "
                                             "is used", "warning"))
            continue
        columns[canonical] = index
    missing = [label for key, label in REQUIRED.items() if key not in columns]
    if missing:
        raise WasteFileError(file, f"is not a ゴミの分別方法一覧: no column {' or '.join(missing)} "
                                   f"(header: {', '.join(header)})")
    return columns, problems


def parse_fee(raw_fee: str, raw_kind: str) -> tuple[int | None, str | None]:
    """(fee in yen, 料金種別). Empty fee: 0 when 料金種別 is 無料, else None (unknown or not
    applicable); 無料 anywhere: 0 and 無料; "500", "1,000", "1000円", "￥500": the amount.
    An amount of 0 without 料金種別 is 無料. Raises ValueError with the reason otherwise."""
    text = unicodedata.normalize("NFKC", raw_fee).replace(",", "").replace(" ", "")
    kind = unicodedata.normalize("NFKC", raw_kind).strip() or None
    if text in _EMPTY_FEE:
        return (0 if kind == FREE else None), kind
    if text in (FREE, "0円", "なし"):
        return 0, kind or FREE
    match = _FEE.fullmatch(text)
    if match is None:
        raise ValueError(f"fee {raw_fee!r} is not an amount of yen (like 500, 1,000 or 1000円)")
    fee = int(match.group(1))
    if fee > 0 and kind == FREE:
        raise ValueError(f"fee {raw_fee!r} contradicts 料金種別 {FREE}")
    return fee, (kind or FREE) if fee == 0 else kind


def split_synonyms(raw: str, name: str) -> tuple[str, ...]:
    seen: list[str] = []
    for part in _SYNONYM_SEPARATORS.split(raw):
        word = part.strip()
        if word and word != name and word not in seen:
            seen.append(word)
    return tuple(seen)


@dataclass
class SortingResult:
    file: str
    encoding: str
    items: list[WasteItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _municipality_matches(raw: str, code: str) -> bool:
    value = unicodedata.normalize("NFKC", raw).strip()
    return not value or value in (code, code[:5])


def parse_sorting_csv(path: Path, *, municipality_code: str | None = None,
                      reading_for: ReadingFn | None = None) -> SortingResult:
    """Items of one ゴミの分別方法一覧 file. Malformed rows are reported and skipped; a missing
    or unreadable file raises `WasteFileError`. `reading_for` makes readings for names whose
    row has none (None: leave them None)."""
    table = read_csv(path)
    columns, header_problems = map_header(table.header, table.file)
    result = SortingResult(table.file, table.encoding, problems=header_problems)
    first_line: dict[str, int] = {}
    for row in table.rows:
        try:
            item = _item(row, table.header, columns, municipality_code, reading_for, result)
        except ValueError as exc:
            result.problems.append(Problem(table.file, row.line, str(exc)))
            continue
        if item.id in first_line:
            result.problems.append(Problem(
                table.file, row.line, f"duplicate ID {item.id!r} (first on line "
                                      f"{first_line[item.id]}); row skipped"))
            continue
        first_line[item.id] = row.line
        result.items.append(item)
    return result


def _item(row: CsvRow, header: list[str], columns: dict[str, int],
          municipality_code: str | None, reading_for: ReadingFn | None,
          result: SortingResult) -> WasteItem:
    cells = row.cells
    if len(cells) > len(header) and not any(cells[len(header):]):
        cells = cells[:len(header)]  # empty trailing cells a spreadsheet added
    if len(cells) != len(header):
        raise ValueError(f"has {len(cells)} columns, the header has {len(header)}")

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None else ""

    name = cell("name")
    category = cell("category")
    if not name:
        raise ValueError("no item name (ゴミの品目)")
    if not category:
        raise ValueError(f"item {name!r} has no 分別区分")
    check_length("分別区分", category, MAX_LABEL)
    raw_id = unicodedata.normalize("NFKC", cell("id")).strip()
    check_length("ID", raw_id, MAX_ID)
    fee, fee_kind = parse_fee(cell("fee"), cell("fee_kind"))
    if municipality_code and not _municipality_matches(cell("code"), municipality_code):
        result.problems.append(Problem(
            result.file, row.line, f"全国地方公共団体コード {cell('code')!r} is not "
                                   f"{municipality_code}", "warning"))
    reading = normalize_reading(cell("reading"))
    if reading is None and reading_for is not None:
        reading = reading_for(name)
    return WasteItem(
        id=raw_id or item_id(category, name),
        name=name,
        category=category,
        reading=reading,
        notes=cell("notes"),
        fee_kind=fee_kind,
        fee=fee,
        fee_notes=cell("fee_notes"),
        remarks=cell("remarks"),
        synonyms=split_synonyms(cell("synonyms"), name),
    )
