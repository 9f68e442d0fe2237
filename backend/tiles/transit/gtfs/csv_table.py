"""The .txt files of a feed (a folder or a zip) as CSV tables, and their typed fields.

A file is read whole and decoded as UTF-8 with or without a BOM; the csv module takes quoted
or unquoted fields and CRLF, LF or CR line ends. Header names are stripped of spaces (and of a
stray BOM); unknown columns are ignored; blank lines are skipped. A row with fewer fields than
the header reads the missing ones as empty, one with more ignores the extra ones (both noted
as a warning). Line numbers count the header as line 1 and are physical lines: a row whose
quoted field holds a line break starts on the line given and ends further down."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice, repeat
from pathlib import Path, PurePosixPath
from types import TracebackType

import numpy as np

from .errors import Problems

MAX_HOURS = 47  # stop times up to 47:59:59 (the second day after the service day's noon)

_INT = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{8}")
_TIME = re.compile(r"([0-9]{1,3}):([0-5][0-9]):([0-5][0-9])")


def parse_int(text: str) -> int:
    """A whole number in ASCII digits, spaces around allowed; ValueError says what is wrong."""
    value = text.strip()
    if not _INT.fullmatch(value):
        raise ValueError(f'"{text}" is not a whole number')
    return int(value)


def parse_number(text: str) -> float:
    """A decimal number (no "nan" or "inf"), spaces around allowed."""
    value = text.strip()
    if not _NUMBER.fullmatch(value):
        raise ValueError(f'"{text}" is not a number')
    return float(value)


def parse_date(text: str) -> date:
    """A date YYYYMMDD."""
    value = text.strip()
    if not _DATE.fullmatch(value):
        raise ValueError(f'"{text}" is not a date YYYYMMDD')
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ValueError(f'"{text}" is not a valid date') from None


def parse_time(text: str) -> int:
    """A GTFS time "H:MM:SS" or "HH:MM:SS" (hours may pass 24, up to `MAX_HOURS`) as seconds."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f'"{text}" is not a time H:MM:SS')
    hours = int(match[1])
    if hours > MAX_HOURS:
        raise ValueError(f'"{text}" is past {MAX_HOURS}:59:59')
    return hours * 3600 + int(match[2]) * 60 + int(match[3])


class FeedFiles:
    """The .txt files of a feed: a folder, or a zip with them at its top level or in one
    folder inside it. Problems with the container itself are fatal."""

    def __init__(self, source: Path, problems: Problems) -> None:
        self._problems = problems
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}  # file name -> zip member name
        self._folder: Path | None = None
        if source.is_dir():
            self._folder = source
        elif source.is_file():
            self._open_zip(source)
        else:
            problems.fatal(source.name, None, None, f"no such folder or zip file: {source}")

    def _open_zip(self, source: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            self._problems.fatal(source.name, None, None, f"is not a readable zip file ({exc})")
        by_folder: dict[str, dict[str, str]] = {}
        for member in self._zip.namelist():
            parts = PurePosixPath(member.replace("\\", "/")).parts
            if ".." in parts or member.startswith(("/", "\\")):
                self._problems.fatal(
                    source.name, None, None, f'zip member "{member}" points outside the zip'
                )
            if member.endswith("/") or not parts or parts[0] == "__MACOSX":
                continue
            if len(parts) <= 2 and parts[-1].endswith(".txt") and not parts[-1].startswith("."):
                folder = parts[0] if len(parts) == 2 else ""
                by_folder.setdefault(folder, {})[parts[-1]] = member
        if "" in by_folder:
            self._members = by_folder[""]
        elif len(by_folder) == 1:
            self._members = next(iter(by_folder.values()))
        elif by_folder:
            folders = ", ".join(sorted(by_folder))
            self._problems.fatal(
                source.name, None, None, f"has .txt files in several folders: {folders}"
            )

    def __enter__(self) -> FeedFiles:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._zip is not None:
            self._zip.close()

    def has(self, name: str) -> bool:
        if self._folder is not None:
            return (self._folder / name).is_file()
        return name in self._members

    def read_text(self, name: str) -> str | None:
        """The file decoded, or None when the feed has no such file."""
        if not self.has(name):
            return None
        try:
            if self._folder is not None:
                data = (self._folder / name).read_bytes()
            else:
                assert self._zip is not None
                data = self._zip.read(self._members[name])
        except (OSError, zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError) as exc:
            # RuntimeError: an encrypted member; NotImplementedError: an unknown compression
            self._problems.fatal(name, None, None, f"cannot be read ({exc})")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            self._problems.fatal(
                name, line, None, f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                "GTFS files must be saved as UTF-8"
            )


@dataclass
class Columns:
    """Some columns of consecutive rows: `values[name][k]` is row k's field, at `lines[k]`."""

    lines: Sequence[int]
    values: dict[str, Sequence[str]]


class CsvTable:
    """One file of the feed. `rows()` gives each data row with typed getters;
    `column_chunks()` gives the values column by column, for the big files."""

    def __init__(
        self, file: str, text: str, problems: Problems, aliases: Mapping[str, str] | None = None
    ) -> None:
        self.file = file
        self.problems = problems
        self._text = text
        try:
            first = next(self._reader(), [])
        except csv.Error as exc:
            problems.fatal(file, 1, None, f"is not valid CSV ({exc})")
        self.header = [name.strip().lstrip("\ufeff").strip() for name in first]
        self.index: dict[str, int] = {}
        for position, name in enumerate(self.header):
            if name in self.index:
                problems.warn(f"{file}: column {name} appears twice; the first one is read")
            elif name:
                self.index[name] = position
        for wrong, right in (aliases or {}).items():
            if wrong in self.index and right not in self.index:
                self.index[right] = self.index.pop(wrong)
                problems.warn(f"{file}: column {wrong} read as {right}")

    def _reader(self) -> Iterator[list[str]]:
        return csv.reader(io.StringIO(self._text, newline=""))

    def has(self, name: str) -> bool:
        return name in self.index

    def require_columns(self, *names: str) -> None:
        """Stop reading when a required column is missing (reported on the header, line 1)."""
        missing = [name for name in names if name not in self.index]
        for name in missing[:-1]:
            self.problems.error(self.file, 1, name, "required column is missing")
        if missing:
            self.problems.fatal(self.file, 1, missing[-1], "required column is missing")

    def _chunks(self, size: int) -> Iterator[tuple[Sequence[int], list[list[str]]]]:
        """Data rows, `size` at a time, with the line each starts on; blank lines dropped.
        The csv module parses a chunk in one go; a chunk whose rows do not take one line
        each (a quoted line break) is parsed again row by row for its line numbers."""
        buffer = io.StringIO(self._text, newline="")
        reader = csv.reader(buffer)
        width = len(self.header)
        ragged = 0
        try:
            next(reader, None)  # the header
            line = reader.line_num
            while True:
                position = buffer.tell()
                rows = list(islice(reader, size))
                if not rows:
                    break
                lines: Sequence[int] = range(line + 1, line + 1 + len(rows))
                if reader.line_num - line != len(rows):
                    lines = self._row_lines(self._text[position : buffer.tell()], line)
                line = reader.line_num
                if not all(rows):
                    kept = [i for i, row in enumerate(rows) if row]
                    lines, rows = [lines[i] for i in kept], [rows[i] for i in kept]
                if set(map(len, rows)) != {width}:
                    ragged += sum(len(row) != width for row in rows)
                if rows:
                    yield lines, rows
        except csv.Error as exc:
            self.problems.fatal(self.file, reader.line_num, None, f"is not valid CSV ({exc})")
        if ragged:
            self.problems.warn(
                f"{self.file}: {ragged} rows have another number of fields than the header "
                "(missing ones read as empty, extra ones ignored)"
            )

    @staticmethod
    def _row_lines(text: str, line_before: int) -> list[int]:
        """The line each row of `text` starts on, `text` starting after `line_before`."""
        reader = csv.reader(io.StringIO(text, newline=""))
        lines = []
        end = 0
        for _row in reader:
            lines.append(line_before + end + 1)
            end = reader.line_num
        return lines

    def report(
        self, lines: Sequence[int], field: str, values: Sequence[str], bad: Mapping[str, str]
    ) -> None:
        """An error on each row whose value is one of `bad` (value -> message)."""
        for line, value in zip(lines, values, strict=True):
            if value in bad:
                self.problems.error(self.file, line, field, bad[value])

    def rows(self) -> Iterator[Row]:
        width = len(self.header)
        for lines, rows in self._chunks(1 << 12):
            for line, values in zip(lines, rows, strict=True):
                if len(values) < width:
                    values = values + [""] * (width - len(values))
                yield Row(self, values, line)

    def column_chunks(self, names: Sequence[str], size: int = 1 << 16) -> Iterator[Columns]:
        """The named columns, `size` rows at a time; an absent column reads as empty."""
        width = len(self.header)
        for lines, rows in self._chunks(size):
            if min(map(len, rows)) < width:
                rows = [r if len(r) >= width else r + [""] * (width - len(r)) for r in rows]
            columns = list(zip(*rows, strict=False))  # rows longer than the header: cut
            values: dict[str, Sequence[str]] = {}
            for name in names:
                position = self.index.get(name)
                values[name] = columns[position] if position is not None else ("",) * len(rows)
            yield Columns(lines, values)


class ColumnParser:
    """Parses one column chunk by chunk through its distinct values (a feed repeats its
    times and sequence numbers), into a numpy array; bad values are reported per row."""

    def __init__(
        self,
        field: str,
        parse: Callable[[str], float],
        dtype: type,
        empty: float | None = None,
        *,
        remember: bool = True,
    ) -> None:
        """`empty` stands for an empty value (None: an empty value is an error);
        `remember` keeps the parsed values from one chunk to the next."""
        self.field = field
        self._parse = parse
        self._dtype = dtype
        self._empty = empty
        self._remember = remember
        self._known: dict[str, float] = {}

    def __call__(self, table: CsvTable, chunk: Columns) -> np.ndarray:
        values = chunk.values[self.field]
        known = self._known if self._remember else {}
        bad: dict[str, str] = {}
        for value in set(values).difference(known):
            if not value.strip():
                if self._empty is None:
                    bad[value] = "required value is empty"
                else:
                    known[value] = self._empty
                continue
            try:
                known[value] = self._parse(value)
            except ValueError as exc:
                bad[value] = str(exc)
        if bad:
            table.report(chunk.lines, self.field, values, bad)
            known = {**known, **dict.fromkeys(bad, 0)}
        array: np.ndarray = np.fromiter(
            map(known.__getitem__, values), dtype=self._dtype, count=len(values)
        )
        return array


def lookup_column(values: Sequence[str], index: Mapping[str, int]) -> np.ndarray:
    """The position of each value in `index` (an id -> position map), -1 when absent."""
    return np.fromiter(map(index.get, values, repeat(-1)), dtype=np.int32, count=len(values))


class Row:
    """One data row; the getters report a bad value (file, line, field) and return the
    default, so that reading goes on and more problems are found in one run."""

    __slots__ = ("line", "table", "values")

    def __init__(self, table: CsvTable, values: list[str], line: int) -> None:
        self.table = table
        self.values = values
        self.line = line

    def error(self, name: str | None, message: str) -> None:
        self.table.problems.error(self.table.file, self.line, name, message)

    def text(self, name: str) -> str:
        """The value as given ("" when the column is absent)."""
        position = self.table.index.get(name)
        return "" if position is None else self.values[position]

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value.strip():
            self.error(name, "required value is empty")
        return value

    def integer(
        self,
        name: str,
        default: int | None = None,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self.text(name)
        if not value.strip():
            if required:
                self.error(name, "required value is empty")
            return default
        try:
            number = parse_int(value)
        except ValueError as exc:
            self.error(name, str(exc))
            return default
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.error(name, f'"{value}" is out of range {_range_text(minimum, maximum)}')
            return default
        return number

    def choice(self, name: str, allowed: Sequence[int], default: int | None) -> int | None:
        """An enum value: empty gives `default`."""
        value = self.text(name)
        if not value.strip():
            return default
        try:
            number = parse_int(value)
        except ValueError:
            number = None
        if number not in allowed:
            self.error(name, f'"{value}" is not one of {", ".join(map(str, allowed))}')
            return default
        return number

    def number(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        value = self.text(name)
        if not value.strip():
            if required:
                self.error(name, "required value is empty")
            return None
        try:
            number = parse_number(value)
        except ValueError as exc:
            self.error(name, str(exc))
            return None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.error(name, f'"{value}" is out of range {_range_text(minimum, maximum)}')
            return None
        return number

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.text(name)
        if not value.strip():
            if required:
                self.error(name, "required value is empty")
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            self.error(name, str(exc))
            return None

    def time(self, name: str, *, required: bool = False) -> int | None:
        value = self.text(name)
        if not value.strip():
            if required:
                self.error(name, "required value is empty")
            return None
        try:
            return parse_time(value)
        except ValueError as exc:
            self.error(name, str(exc))
            return None


def _range_text(minimum: float | None, maximum: float | None) -> str:
    if maximum is None:
        return f"{minimum} or more"
    if minimum is None:
        return f"{maximum} or less"
    return f"{minimum} to {maximum}"
