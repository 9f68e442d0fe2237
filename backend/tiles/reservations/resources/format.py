"""The check of one resource definition (docs/reservations.md §1): every error, each with
the JSON path it is at, e.g. `$.slots.times[2]: "10:15" starts before "10:00" ends`.

`check_resource(body, stem)` takes the parsed JSON of one file (`stem`.json) and returns
every `FormatError(path, message)`; unknown keys are errors, so that a typo never passes
silently. An empty list means the definition may be imported, and then
`parse_resource(body)` (backend/tiles/reservations/resource.py) succeeds. The shape checks
and the small form of `questions` are the procedures tile's (its `api` module).
"""

from __future__ import annotations

import re
from typing import Any

from backend.identity.staff_departments import DEPARTMENTS_BY_ID
from backend.tiles.procedures.api import Checker, FormatError, check_form
from backend.tiles.reservations.resource import FEE_METHODS, KINDS, RESIDENCY

FORMAT = 1
ID = re.compile(r"[a-z0-9-]{1,64}")
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
TOP_REQUIRED = ("format", "id", "version", "kind", "title", "summary", "department", "place",
                "slots", "window")
TOP_OPTIONAL = ("demo", "categories", "who", "limits", "fee", "waiting_list", "offer_hours",
                "questions", "queue", "earns")
LIMIT_KEYS = ("per_person_open", "per_household_open", "per_person_per_month")
MAX_TITLE = 200
MAX_CATEGORIES = 10
MAX_MINUTES = 12 * 60
MAX_BUFFER = 4 * 60
MAX_CAPACITY = 500
MAX_TIMES = 48
MAX_OPENS_DAYS = 366
MAX_CLOSES_WORKING_DAYS = 60
MAX_LIMIT = 1000
MAX_AMOUNT_YEN = 1_000_000
MAX_OFFER_HOURS = 168
MAX_AGE = 120

__all__ = ["FORMAT", "FormatError", "check_resource"]


def check_resource(body: Any, stem: str | None = None) -> list[FormatError]:
    """Every error of the definition `body` (the parsed JSON of the file `stem`.json)."""
    checker = Checker()
    top = checker.object(body, "$", TOP_REQUIRED, TOP_OPTIONAL)
    if top is None:
        return checker.errors
    _check_head(checker, top, stem)
    if "who" in top:
        _check_who(checker, top["who"])
    if "slots" in top:
        _check_slots(checker, top["slots"])
    if "window" in top:
        _check_window(checker, top["window"])
    if top.get("limits") is not None:
        _check_limits(checker, top["limits"])
    if top.get("fee") is not None:
        _check_fee(checker, top["fee"])
    if top.get("questions") is not None:
        _check_questions(checker, top["questions"])
    if top.get("queue") is not None:
        _check_queue(checker, top["queue"])
    return checker.errors


def _boolean(checker: Checker, top: dict[str, Any], key: str) -> None:
    if key in top and not isinstance(top[key], bool):
        checker.error(f"$.{key}", "must be true or false")


def _optional_integer(checker: Checker, value: Any, path: str, low: int, high: int) -> bool:
    """An integer in low..high, or null; whether it is a usable integer."""
    return value is not None and checker.integer(value, path, low, high)


def _check_head(checker: Checker, top: dict[str, Any], stem: str | None) -> None:
    if "format" in top and (not isinstance(top["format"], int) or isinstance(top["format"], bool)
                            or top["format"] != FORMAT):
        checker.error("$.format", f"must be {FORMAT} (this format), not {top['format']!r}")
    if "id" in top:
        value = top["id"]
        if not isinstance(value, str) or not ID.fullmatch(value):
            checker.error("$.id", "must be 1 to 64 lowercase letters, digits and '-'")
        elif stem is not None and value != stem:
            checker.error("$.id", f'"{value}" is not the file name "{stem}.json"')
    if "version" in top:
        checker.integer(top["version"], "$.version", 1, 2**31 - 1)
    _boolean(checker, top, "demo")
    _boolean(checker, top, "waiting_list")
    if "earns" in top and (not isinstance(top["earns"], str) or not ID.fullmatch(top["earns"])):
        checker.error("$.earns", "must be the id of a points earning rule")
    if "kind" in top:
        checker.choice(top["kind"], "$.kind", KINDS, "kind")
    for key in ("title", "summary", "place"):
        if key in top:
            checker.translated(top[key], f"$.{key}", MAX_TITLE if key == "title" else 2000)
    if "department" in top:
        checker.choice(top["department"], "$.department", DEPARTMENTS_BY_ID, "department")
    if "categories" in top:
        _check_categories(checker, top["categories"])
    if "offer_hours" in top:
        checker.integer(top["offer_hours"], "$.offer_hours", 1, MAX_OFFER_HOURS)


def _check_categories(checker: Checker, value: Any) -> None:
    if not isinstance(value, list):
        checker.error("$.categories", "must be a list of category ids")
        return
    if len(value) > MAX_CATEGORIES:
        checker.error("$.categories", f"{len(value)} categories, at most {MAX_CATEGORIES}")
    for index, category in enumerate(value):
        path = f"$.categories[{index}]"
        if not isinstance(category, str) or not ID.fullmatch(category):
            checker.error(path, "must be 1 to 64 lowercase letters, digits and '-'")
        elif category in value[:index]:
            checker.error(path, f'"{category}" is listed twice')


def _check_who(checker: Checker, value: Any) -> None:
    who = checker.object(value, "$.who", (), ("residency", "min_age", "max_age"))
    if who is None:
        return
    if "residency" in who:
        checker.choice(who["residency"], "$.who.residency", RESIDENCY, "residency")
    low: Any = who.get("min_age")
    high: Any = who.get("max_age")
    low_ok = _optional_integer(checker, low, "$.who.min_age", 0, MAX_AGE)
    high_ok = _optional_integer(checker, high, "$.who.max_age", 0, MAX_AGE)
    if low_ok and high_ok and low > high:
        checker.error("$.who.max_age", f"{high} is below min_age {low}")


def _minutes_of(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _check_slots(checker: Checker, value: Any) -> None:
    slots = checker.object(value, "$.slots", ("weekdays", "times", "minutes", "capacity"),
                           ("buffer_minutes",))
    if slots is None:
        return
    if "weekdays" in slots:
        _check_weekdays(checker, slots["weekdays"])
    length = slots.get("minutes")
    length_ok = "minutes" in slots and checker.integer(length, "$.slots.minutes", 5,
                                                        MAX_MINUTES)
    if "times" in slots:
        _check_times(checker, slots["times"], length if length_ok else None)
    if "capacity" in slots:
        checker.integer(slots["capacity"], "$.slots.capacity", 1, MAX_CAPACITY)
    if "buffer_minutes" in slots:
        checker.integer(slots["buffer_minutes"], "$.slots.buffer_minutes", 0, MAX_BUFFER)


def _check_weekdays(checker: Checker, value: Any) -> None:
    if not isinstance(value, list) or not value:
        checker.error("$.slots.weekdays", "must be a non-empty list of ISO weekdays "
                      "(1 = Monday ... 7 = Sunday)")
        return
    for index, day in enumerate(value):
        path = f"$.slots.weekdays[{index}]"
        if checker.integer(day, path, 1, 7) and day in value[:index]:
            checker.error(path, f"{day} is listed twice")


def _check_times(checker: Checker, value: Any, length: int | None) -> None:
    """Start times "HH:MM", in order, each slot ending before the next starts and by
    midnight."""
    if not isinstance(value, list) or not value:
        checker.error("$.slots.times", 'must be a non-empty list of start times "HH:MM"')
        return
    if len(value) > MAX_TIMES:
        checker.error("$.slots.times", f"{len(value)} start times, at most {MAX_TIMES}")
    previous: tuple[str, int] | None = None
    for index, start in enumerate(value):
        path = f"$.slots.times[{index}]"
        if not isinstance(start, str) or not TIME.fullmatch(start):
            checker.error(path, f'must be a time "HH:MM" (00:00 to 23:59), not {start!r}')
            continue
        minute = _minutes_of(start)
        if length is not None and minute + length > 24 * 60:
            checker.error(path, f'"{start}" + {length} minutes ends after midnight')
        if previous is not None:
            before, before_minute = previous
            if minute <= before_minute:
                checker.error(path, f'"{start}" is not after "{before}" (times go in order)')
            elif length is not None and before_minute + length > minute:
                checker.error(path, f'"{start}" starts before the slot at "{before}" ends '
                              f"({length} minutes)")
        previous = (start, minute)


def _check_window(checker: Checker, value: Any) -> None:
    window = checker.object(value, "$.window", ("opens_days_before",
                                                "closes_working_days_before"))
    if window is None:
        return
    opens: Any = window.get("opens_days_before")
    closes: Any = window.get("closes_working_days_before")
    opens_ok = "opens_days_before" in window and checker.integer(
        opens, "$.window.opens_days_before", 1, MAX_OPENS_DAYS)
    closes_ok = "closes_working_days_before" in window and checker.integer(
        closes, "$.window.closes_working_days_before", 0, MAX_CLOSES_WORKING_DAYS)
    if opens_ok and closes_ok and opens <= closes:
        checker.error("$.window", f"booking opens {opens} days before but closes {closes} "
                      "working days before: it would never be open")


def _check_limits(checker: Checker, value: Any) -> None:
    limits = checker.object(value, "$.limits", (), LIMIT_KEYS)
    if limits is None:
        return
    for key in LIMIT_KEYS:
        if key in limits:
            _optional_integer(checker, limits[key], f"$.limits.{key}", 1, MAX_LIMIT)


def _check_fee(checker: Checker, value: Any) -> None:
    fee = checker.object(value, "$.fee", ("amount_yen", "methods"))
    if fee is None:
        return
    if "amount_yen" in fee:
        checker.integer(fee["amount_yen"], "$.fee.amount_yen", 1, MAX_AMOUNT_YEN)
    if "methods" in fee:
        checker.choices(fee["methods"], "$.fee.methods", FEE_METHODS, "payment method",
                        at_least=1)


def _check_questions(checker: Checker, value: Any) -> None:
    questions = checker.object(value, "$.questions", ("schema", "layout"))
    if questions is None or "schema" not in questions or "layout" not in questions:
        return
    if not isinstance(questions["schema"], dict):
        checker.error("$.questions.schema", "must be an object (a JSON Schema)")
        return
    if not isinstance(questions["layout"], dict):
        checker.error("$.questions.layout", 'must be an object ({"sections": [...]})')
        return
    checker.errors += check_form(questions["schema"], questions["layout"], "$.questions")


def _check_queue(checker: Checker, value: Any) -> None:
    queue = checker.object(value, "$.queue", ("counter", "name"))
    if queue is None:
        return
    counter = queue.get("counter")
    if "counter" in queue and (not isinstance(counter, str) or not ID.fullmatch(counter)):
        checker.error("$.queue.counter", "must be 1 to 64 lowercase letters, digits and '-'")
    if "name" in queue:
        checker.translated(queue["name"], "$.queue.name", MAX_TITLE)
