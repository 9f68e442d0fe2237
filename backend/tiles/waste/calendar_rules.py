"""One cell of 5374's area_days.csv as a `Schedule`.

Tokens, separated by spaces: a weekday (日 月 火 水 木 金 土) is every week; a weekday and a
number (`水2`) is that weekday's n-th occurrence in the month (1-5); `*N` points at remark N
of remarks.csv; eight digits (`20260325`) are an irregular collection date. Month numbers
after a colon limit the weekday rules to those months (`火2 金4:4 6 8 10 12 2`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date

from backend.tiles.waste.records import Schedule

# 5374 weekday characters -> Monday 0 .. Sunday 6
WEEKDAYS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
_NTH = re.compile(r"(\D)(\d+)")
_DATE = re.compile(r"\d{8}")


def parse_date8(token: str) -> str:
    """YYYYMMDD as YYYY-MM-DD; ValueError when it is no real date."""
    try:
        return date(int(token[:4]), int(token[4:6]), int(token[6:])).isoformat()
    except ValueError:
        raise ValueError(f"bad date {token!r} (YYYYMMDD)") from None


def parse_rule(kind: str, cell: str, remark_ids: Collection[str] | None = None) -> Schedule:
    """The schedule a cell describes; ValueError with the reason for a malformed one.
    `remark_ids`: the ids remarks.csv defines (None: not checked)."""
    text = unicodedata.normalize("NFKC", cell).strip()
    days_part, colon, months_part = text.partition(":")
    weekly: set[int] = set()
    nth: set[tuple[int, int]] = set()
    dates: set[str] = set()
    remarks: list[str] = []
    # `*N` may also follow the months (`水2:4 10 *1`).
    month_tokens = [t for t in months_part.split() if not t.startswith("*")]
    for token in days_part.split() + [t for t in months_part.split() if t.startswith("*")]:
        if token.startswith("*"):
            remark = token[1:]
            if not remark:
                raise ValueError(f"bad remark reference {token!r} (like *1)")
            if remark_ids is not None and remark not in remark_ids:
                raise ValueError(f"remark {token!r} is not in remarks.csv")
            if remark not in remarks:
                remarks.append(remark)
        elif token in WEEKDAYS:
            weekly.add(WEEKDAYS[token])
        elif _DATE.fullmatch(token):
            dates.add(parse_date8(token))
        elif (match := _NTH.fullmatch(token)) and match.group(1) in WEEKDAYS:
            n = int(match.group(2))
            if not 1 <= n <= 5:
                raise ValueError(f"bad weekday token {token!r}: the week number must be 1-5")
            nth.add((WEEKDAYS[match.group(1)], n))
        else:
            raise ValueError(f"bad weekday token {token!r} (expected like 月, 水2, *1 or "
                             "20260325)")
    months: set[int] = set()
    if colon:
        for token in month_tokens:
            if not token.isdigit() or not 1 <= int(token) <= 12:
                raise ValueError(f"bad month {token!r} after ':' (1-12)")
            months.add(int(token))
        if not months:
            raise ValueError("no month after ':'")
        if not weekly and not nth:
            raise ValueError("months after ':' but no weekday to limit")
    if not (weekly or nth or dates or remarks):
        raise ValueError(f"no collection day in {cell!r}")
    return Schedule(kind=kind, weekly=tuple(sorted(weekly)), nth=tuple(sorted(nth)),
                    months=tuple(sorted(months)), dates=tuple(sorted(dates)),
                    remarks=tuple(remarks))
