"""Which health checks and cancer screenings are due for a resident, from
assets/health/screenings.json (docs/health_checkups.md, "Schedule").

Periods are fiscal years (April to March). A resident's age is their *fiscal-year age*: the
age they have on 31 March at the end of the fiscal year (年度末年齢), counted as the law counts
ages (年齢計算ニ関スル法律: a year is completed at the end of the day before the birthday,
so someone born on 1 April is a year older on 31 March). `fiscal_year_age` computes it from a
birth date. A screening with `interval_years` N done in fiscal year F is next due in fiscal
year F + N (「2年に1回」: not in the fiscal year after the one it was done in); one with a
list of ages is due once, in the fiscal year of each listed age.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from app.features.health.checkups.json_file import read_json
from app.paths import ASSETS_DIR

__all__ = [
    "DEFAULT_SCREENINGS_PATH",
    "SCREENINGS_ENV",
    "Due",
    "Screening",
    "Status",
    "days_left_in_fiscal_year",
    "default_screenings",
    "due_screenings",
    "fiscal_year",
    "fiscal_year_age",
    "fiscal_year_start",
    "load_screenings",
    "parse_screenings",
]

DEFAULT_SCREENINGS_PATH = ASSETS_DIR / "health" / "screenings.json"
SCREENINGS_ENV = "TSUYAMA_HEALTH_SCREENINGS"
Status = Literal["due", "done_this_period", "not_yet"]
SEXES = ("any", "male", "female")
MAX_AGE = 120
_ID = re.compile(r"^[a-z0-9-]{1,64}$")
_SCREENING_KEYS = {"id", "name", "sex", "ages", "interval_years", "book_resource",
                   "points_rule", "who", "source", "verify", "note"}


def fiscal_year(day: date) -> int:
    """The fiscal year (年度) `day` is in, named by the calendar year it starts in: 2026-03-31
    is in fiscal 2025, 2026-04-01 in fiscal 2026."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_start(year: int) -> date:
    return date(year, 4, 1)


def fiscal_year_age(birth: date, today: date) -> int:
    """The age on 31 March at the end of `today`'s fiscal year, counted as the law counts it
    (a year is completed at the end of the day before the birthday)."""
    after_end = date(fiscal_year(today) + 1, 4, 1)  # the day after 31 March
    if birth >= after_end:
        raise ValueError("the birth date is after the end of this fiscal year")
    before_birthday = (after_end.month, after_end.day) < (birth.month, birth.day)
    return after_end.year - birth.year - int(before_birthday)


@dataclass(frozen=True, slots=True)
class Screening:
    """One check or screening of the file."""

    id: str
    name_ja: str
    name_en: str
    sex: str  # any | male | female
    min_age: int | None  # with max_age, or None when `age_list` is set
    max_age: int | None  # None: no upper limit
    age_list: tuple[int, ...]  # () unless the screening is at listed ages only
    interval_years: int | None  # None for listed ages
    book_resource: str | None
    points_rule: str | None
    who_ja: str = ""
    who_en: str = ""
    source: str = ""
    verified: bool = True

    def name_in(self, language: str) -> str:
        return self.name_ja if language == "ja" else self.name_en

    def who_in(self, language: str) -> str:
        return self.who_ja if language == "ja" else self.who_en

    def for_sex(self, sex: str) -> bool:
        return self.sex in ("any", sex)

    def at_age(self, age: int) -> bool:
        """Whether a resident of this fiscal-year age is in the screening's ages."""
        if self.age_list:
            return age in self.age_list
        assert self.min_age is not None
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)


@dataclass(frozen=True, slots=True)
class Due:
    """Where a resident stands with one screening: `due` (this fiscal year, not done yet),
    `done_this_period` (done in the current period) or `not_yet` (a later year). `next_from`
    is the first day it can next be had (1 April of that fiscal year); None when due now, or
    when it will not come again."""

    screening: Screening
    status: Status
    next_from: date | None
    last_done: date | None = None


def due_screenings(age: int, sex: str, done: Mapping[str, date], today: date,
                   screenings: Sequence[Screening] | None = None) -> list[Due]:
    """Every screening that concerns a resident of fiscal-year age `age` (see
    `fiscal_year_age`) and sex `sex` ("male" or "female"), given the last date each was done
    (`done`, by screening id), sorted by what to do first: the due ones in the file's order,
    then the others by `next_from` (soonest first). Screenings of the other sex and those
    whose ages are past for good are left out."""
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be male or female, not {sex!r}")
    if not 0 <= age <= MAX_AGE:
        raise ValueError(f"age must be between 0 and {MAX_AGE}, not {age}")
    rows = default_screenings() if screenings is None else screenings
    this_year = fiscal_year(today)
    found: list[tuple[int, Due]] = []
    for index, item in enumerate(rows):
        if not item.for_sex(sex):
            continue
        last = done.get(item.id)
        entry = _standing(item, age, this_year, last)
        if entry is not None:
            found.append((index, entry))
    found.sort(key=lambda pair: (pair[1].status != "due", pair[1].next_from or date.max,
                                 pair[0]))
    return [entry for _, entry in found]


def _standing(item: Screening, age: int, this_year: int, last: date | None) -> Due | None:
    if item.at_age(age):
        if last is not None and _done_in_period(item, fiscal_year(last), this_year):
            step = item.interval_years or 1
            following = max(fiscal_year(last) + step, this_year + 1)
            return Due(item, "done_this_period", _next_start(item, age, this_year, following),
                       last)
        return Due(item, "due", None, last)
    upcoming = _next_start(item, age, this_year, this_year + 1)
    if upcoming is None:
        return None
    return Due(item, "not_yet", upcoming, last)


def _done_in_period(item: Screening, done_year: int, this_year: int) -> bool:
    if item.interval_years is None:
        return done_year >= this_year
    return done_year > this_year - item.interval_years


def _next_start(item: Screening, age: int, this_year: int, first_year: int) -> date | None:
    """1 April of the first fiscal year from `first_year` on in which the resident's age is
    one of the screening's, or None."""
    for year in range(first_year, this_year + MAX_AGE - age + 1):
        if item.at_age(age + year - this_year):
            return fiscal_year_start(year)
    return None


# --- loading --------------------------------------------------------------------------------

def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _text_pair(value: Any, where: str, required: bool = True) -> tuple[str, str]:
    if value is None and not required:
        return "", ""
    if (not isinstance(value, dict) or set(value) != {"ja", "en"}
            or not all(isinstance(v, str) and v.strip() for v in value.values())):
        raise _fail(where, 'must be {"ja": text, "en": text}')
    return value["ja"], value["en"]


def _age(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AGE:
        raise _fail(where, f"must be a whole number of years from 0 to {MAX_AGE}")
    return value


def _optional_id(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ID.match(value):
        raise _fail(where, "must be null or an id of [a-z0-9-]{1,64}")
    return value


def _ages(value: Any, where: str) -> tuple[int | None, int | None, tuple[int, ...]]:
    if not isinstance(value, dict):
        raise _fail(where, 'must be {"min", "max"} or {"list"}')
    if set(value) == {"list"}:
        listed = value["list"]
        if not isinstance(listed, list) or not listed:
            raise _fail(f"{where}.list", "must be a list of at least one age")
        ages = tuple(_age(a, f"{where}.list[{i}]") for i, a in enumerate(listed))
        if list(ages) != sorted(set(ages)):
            raise _fail(f"{where}.list", "ages must be distinct and in increasing order")
        return None, None, ages
    if set(value) == {"min", "max"}:
        low = _age(value["min"], f"{where}.min")
        high = None if value["max"] is None else _age(value["max"], f"{where}.max")
        if high is not None and high < low:
            raise _fail(f"{where}.max", f"{high} is below min {low}")
        return low, high, ()
    raise _fail(where, 'must be {"min", "max"} or {"list"}')


def _screening(row: Any, where: str) -> Screening:
    if not isinstance(row, dict):
        raise _fail(where, "must be an object")
    unknown = sorted(set(row) - _SCREENING_KEYS)
    if unknown:
        raise _fail(where, f"unknown key(s): {', '.join(unknown)}")
    missing = sorted({"id", "name", "sex", "ages", "interval_years"} - set(row))
    if missing:
        raise _fail(where, f"missing key(s): {', '.join(missing)}")
    ident = row["id"]
    if not isinstance(ident, str) or not _ID.match(ident):
        raise _fail(f"{where}.id", "must be an id of [a-z0-9-]{1,64}")
    name_ja, name_en = _text_pair(row["name"], f"{where}.name")
    who_ja, who_en = _text_pair(row.get("who"), f"{where}.who", required=False)
    if row["sex"] not in SEXES:
        raise _fail(f"{where}.sex", "must be any, male or female")
    low, high, listed = _ages(row["ages"], f"{where}.ages")
    interval = row["interval_years"]
    if listed:
        if interval is not None:
            raise _fail(f"{where}.interval_years", "must be null with a list of ages")
    elif isinstance(interval, bool) or not isinstance(interval, int) or not 1 <= interval <= 10:
        raise _fail(f"{where}.interval_years", "must be a whole number of years from 1 to 10")
    verify = row.get("verify", False)
    if not isinstance(verify, bool):
        raise _fail(f"{where}.verify", "must be true or false")
    source = row.get("source", "")
    if not isinstance(source, str):
        raise _fail(f"{where}.source", "must be text")
    return Screening(
        id=ident, name_ja=name_ja, name_en=name_en, sex=row["sex"], min_age=low, max_age=high,
        age_list=listed, interval_years=interval,
        book_resource=_optional_id(row.get("book_resource"), f"{where}.book_resource"),
        points_rule=_optional_id(row.get("points_rule"), f"{where}.points_rule"),
        who_ja=who_ja, who_en=who_en, source=source, verified=not verify)


def parse_screenings(document: Any, name: str = "screenings.json") -> tuple[Screening, ...]:
    """The screenings of a parsed file; ValueError naming the file and the place
    (`screenings.json: $.screenings[2].sex: must be any, male or female`)."""
    if not isinstance(document, dict):
        raise _fail(f"{name}: $", "must be an object")
    if document.get("format") != 1:
        raise _fail(f"{name}: $.format", "must be 1")
    rows = document.get("screenings")
    if not isinstance(rows, list) or not rows:
        raise _fail(f"{name}: $.screenings", "must be a list of at least one screening")
    sources = document.get("sources", {})
    found: list[Screening] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        where = f"{name}: $.screenings[{index}]"
        item = _screening(row, where)
        if item.id in seen:
            raise _fail(f"{where}.id", f"{item.id!r} is there twice")
        if item.source and isinstance(sources, dict) and sources and item.source not in sources:
            raise _fail(f"{where}.source", f"{item.source!r} is not one of $.sources")
        seen.add(item.id)
        found.append(item)
    return tuple(found)


def load_screenings(path: Path | None = None) -> tuple[Screening, ...]:
    """The screenings of `path`; without it, of `$TSUYAMA_HEALTH_SCREENINGS`, else the bundled
    file. ValueError on a file that cannot be read or is not right."""
    if path is None:
        override = os.environ.get(SCREENINGS_ENV)
        path = Path(override).expanduser() if override else DEFAULT_SCREENINGS_PATH
    document = read_json(path)
    return parse_screenings(document, path.name)


_cache: dict[str, tuple[Screening, ...]] = {}


def default_screenings() -> tuple[Screening, ...]:
    """The screenings in use (the environment variable's file, else the bundled one), read
    once per file."""
    key = os.environ.get(SCREENINGS_ENV) or str(DEFAULT_SCREENINGS_PATH)
    if key not in _cache:
        _cache[key] = load_screenings()
    return _cache[key]


def days_left_in_fiscal_year(today: date) -> int:
    """Days from `today` to 31 March (inclusive of today): how long a due screening can still
    be had this fiscal year."""
    end = fiscal_year_start(fiscal_year(today) + 1) - timedelta(days=1)
    return (end - today).days + 1
