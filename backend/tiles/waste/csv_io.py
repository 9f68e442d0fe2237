"""Reading a city's CSV file: UTF-8 (with or without BOM) or Shift_JIS/CP932, line numbers kept."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from backend.tiles.waste.import_report import WasteFileError

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class CsvRow:
    line: int  # the physical line the record starts on (1-based)
    cells: list[str]  # stripped


@dataclass(frozen=True)
class CsvTable:
    file: str  # the file's name, as reports show it
    encoding: str  # "utf-8", "utf-8-sig" or "cp932"
    header: list[str]  # empty when read without a header
    rows: list[CsvRow]


def decode(raw: bytes, file: str) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (BOM or not), else CP932 (Shift_JIS)."""
    if raw.startswith(UTF8_BOM):
        try:
            return raw[len(UTF8_BOM):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise WasteFileError(file, f"has a UTF-8 BOM but is not UTF-8 ({exc.reason} "
                                       f"at byte {exc.start})") from None
    if raw.startswith(_UTF16_BOMS):
        raise WasteFileError(file, "is UTF-16: save it as CSV in UTF-8 or Shift_JIS")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise WasteFileError(file, f"is neither UTF-8 nor Shift_JIS/CP932 (undecodable byte at "
                                   f"{exc.start})") from None


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise WasteFileError(path.name, f"file not found ({path})")
    if not path.is_file():
        raise WasteFileError(path.name, f"is not a file ({path})")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WasteFileError(path.name, f"cannot be read: {exc.strerror or exc}") from None


def read_csv(path: Path, *, header: bool = True) -> CsvTable:
    """Every non-blank record of `path` with the line it starts on; the first one is the
    header when `header`. Raises `WasteFileError` for a missing or undecodable file."""
    text, encoding = decode(read_bytes(path), path.name)
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[CsvRow] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            cells = [cell.strip().lstrip("\ufeff") for cell in record]
            if not any(cells):
                continue  # blank lines and rows of empty cells (spreadsheet leftovers)
            rows.append(CsvRow(start, cells))
    except csv.Error as exc:
        raise WasteFileError(path.name, f"is not valid CSV near line {reader.line_num}: {exc}"
                             ) from None
    if not header:
        return CsvTable(path.name, encoding, [], rows)
    if not rows:
        raise WasteFileError(path.name, "is empty (no header row)")
    return CsvTable(path.name, encoding, rows[0].cells, rows[1:])
