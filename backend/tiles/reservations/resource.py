"""`Resource`: one bookable thing (a counter's purpose, a facility, a course) as the rest of
the tile reads it, parsed from a definition that has passed the format check
(`backend/tiles/reservations/resources/format.py`; docs/reservations.md §1).

Plain frozen dataclasses, no database: the rules (`rules.py`), slot generation, bookings and
the queue all take a `Resource`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

KINDS = ("counter", "facility", "course")
RESIDENCY = ("any", "card", "resident")  # who may book: anyone logged in, card-verified,
#                                          a resident of the municipality
FEE_METHODS = ("points", "counter")


@dataclass(frozen=True, slots=True)
class SlotPattern:
    """How slots are made: ISO weekdays (1 = Monday), start times in Asia/Tokyo, length,
    places per slot, and the buffer a booking blocks after its slot."""

    weekdays: tuple[int, ...]
    times: tuple[time, ...]
    minutes: int
    capacity: int
    buffer_minutes: int = 0


@dataclass(frozen=True, slots=True)
class Window:
    """Booking opens `opens_days_before` calendar days before the slot's day and closes
    `closes_working_days_before` working days (no weekends, no Japanese holidays) before it."""

    opens_days_before: int
    closes_working_days_before: int


@dataclass(frozen=True, slots=True)
class Limits:
    """Open bookings (booked, waiting, offered) per person and per household, and bookings
    per person per calendar month of the slot; None is no limit."""

    per_person_open: int | None = None
    per_household_open: int | None = None
    per_person_per_month: int | None = None


@dataclass(frozen=True, slots=True)
class Fee:
    amount_yen: int
    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Who:
    residency: str = "card"
    min_age: int | None = None
    max_age: int | None = None


@dataclass(frozen=True, slots=True)
class QueueCounter:
    """The counter's waiting-number queue (整理券), when it has one."""

    counter: str
    name: dict[str, str]


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    version: int
    demo: bool
    kind: str
    title: dict[str, str]
    summary: dict[str, str]
    department: str
    place: dict[str, str]
    categories: tuple[str, ...]
    who: Who
    slots: SlotPattern
    window: Window
    limits: Limits
    fee: Fee | None
    waiting_list: bool
    offer_hours: int
    questions: dict[str, Any] | None
    queue: QueueCounter | None
    # A points earning rule granted when a clerk checks a booking in (a health check-up
    # attended earns the wallet's points; docs/reservations.md §1).
    earns: str | None = None

    def text(self, field: dict[str, str], language: str) -> str:
        return field.get(language) or field.get("ja") or next(iter(field.values()), "")


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def parse_resource(body: dict[str, Any]) -> Resource:
    """The `Resource` of a definition that passed the format check (KeyError otherwise)."""
    slots = body["slots"]
    window = body["window"]
    limits = body.get("limits") or {}
    fee = body.get("fee")
    who = body.get("who") or {}
    queue = body.get("queue")
    return Resource(
        id=body["id"],
        version=int(body["version"]),
        demo=bool(body.get("demo", False)),
        kind=body["kind"],
        title=dict(body["title"]),
        summary=dict(body.get("summary") or {}),
        department=body["department"],
        place=dict(body.get("place") or {}),
        categories=tuple(body.get("categories") or ()),
        who=Who(residency=who.get("residency", "card"), min_age=who.get("min_age"),
                max_age=who.get("max_age")),
        slots=SlotPattern(
            weekdays=tuple(slots["weekdays"]),
            times=tuple(_time(t) for t in slots["times"]),
            minutes=int(slots["minutes"]),
            capacity=int(slots["capacity"]),
            buffer_minutes=int(slots.get("buffer_minutes", 0)),
        ),
        window=Window(opens_days_before=int(window["opens_days_before"]),
                      closes_working_days_before=int(window["closes_working_days_before"])),
        limits=Limits(per_person_open=limits.get("per_person_open"),
                      per_household_open=limits.get("per_household_open"),
                      per_person_per_month=limits.get("per_person_per_month")),
        fee=Fee(int(fee["amount_yen"]), tuple(fee["methods"])) if fee else None,
        waiting_list=bool(body.get("waiting_list", False)),
        offer_hours=int(body.get("offer_hours", 24)),
        questions=body.get("questions"),
        queue=QueueCounter(queue["counter"], dict(queue["name"])) if queue else None,
        earns=body.get("earns"),
    )
