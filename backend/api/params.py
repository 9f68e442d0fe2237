"""Bounded parameters shared by the routers: every number a caller sends has a ceiling that
the databases can hold (a 64-bit overflow is a 422, never a 500), every free text a length,
and a staff member's purpose must say something.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

from backend.tiles.waste.bulky.deadline import FIRST_DAY, LAST_DAY

# Change-log positions are 64-bit (BIGINT on PostgreSQL, INTEGER on SQLite).
MAX_CURSOR = 2**63 - 1
# Offsets of paged lists: beyond any real list, within every database's integer.
MAX_OFFSET = 2**31 - 1
# Ids in paths (common IDs and delegation ids are UUIDs; booking numbers are shorter).
MAX_ID_LENGTH = 64
MIN_PURPOSE = 3
# Versions of consent texts (small numbers; an INTEGER column).
MAX_TEXT_VERSION = 2**31 - 1
MAX_PURPOSE = 200

Cursor = Annotated[int, Query(ge=0, le=MAX_CURSOR,
                              description="The last change-log position the caller has")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
PathId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH)]


def stated_purpose(purpose: str) -> str:
    """The purpose without surrounding spaces; it must still have MIN_PURPOSE characters."""
    stated = purpose.strip()
    if len(stated) < MIN_PURPOSE:
        raise ValueError(f"state a purpose: at least {MIN_PURPOSE} characters besides spaces")
    return stated


def calendar_day(day: date) -> date:
    """A day the booking calendar knows (the years of the holiday calendar)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"the day must be between {FIRST_DAY.isoformat()} and "
                         f"{LAST_DAY.isoformat()}")
    return day


def optional_calendar_day(day: date | None) -> date | None:
    return None if day is None else calendar_day(day)


StaffPurpose = Annotated[
    str,
    Query(min_length=MIN_PURPOSE, max_length=MAX_PURPOSE,
          description="Why the resident's data is read (shown to the resident in their log)"),
    AfterValidator(stated_purpose),
]
