"""The booking rules of reservations (backend/tiles/reservations/rules.py): window edges in
working days (weekends, a holiday, Golden Week, the year-end break), limits, overlaps with
a buffer, age edges, card/resident eligibility, acting for others, fee methods, the order
of the checks, and changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from backend.services.clock import CITY_TIME_ZONE
from backend.tiles.reservations.resource import Resource, parse_resource
from backend.tiles.reservations.rules import (
    BookingContext,
    blocks,
    booking_window,
    changeable_until,
    check_booking,
    check_changeable,
    for_change,
    slot_day_of,
)


def _resource(**changes: Any) -> Resource:
    body: dict[str, Any] = {
        "format": 1, "id": "kosodate-counter", "version": 1, "demo": True, "kind": "counter",
        "title": {"ja": "子育て支援課 窓口予約", "en": "Child support counter"},
        "department": "children", "place": {"ja": "津山市役所 1階", "en": "City hall 1F"},
        "who": {"residency": "any", "min_age": None},
        "slots": {"weekdays": [1, 2, 3, 4, 5], "times": ["09:00", "10:00"], "minutes": 30,
                  "capacity": 2, "buffer_minutes": 0},
        "window": {"opens_days_before": 30, "closes_working_days_before": 2},
        "limits": {},
        "fee": None,
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return parse_resource(body)


def _tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
           second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CITY_TIME_ZONE)


def _ctx(now: datetime, **changes: Any) -> BookingContext:
    base = BookingContext(
        now=now.astimezone(UTC), subject_age=40, subject_verified=True,
        subject_resident=True, acting_for_other=False, may_act_for=False, open_for_person=0,
        open_for_household=0, this_month_for_person=0, person_busy=())
    return replace(base, **changes)


def _code(resource: Resource, start: datetime, ctx: BookingContext,
          fee_method: str | None = None, minutes: int = 30) -> str | None:
    refused = check_booking(resource, start, start + timedelta(minutes=minutes), ctx,
                            fee_method=fee_method)
    return refused.code if refused is not None else None


# --- the window -----------------------------------------------------------------------------

@pytest.mark.parametrize(("slot_day", "working_days", "closes_on"), [
    (date(2026, 12, 3), 2, date(2026, 12, 1)),  # Thu -> Tue
    (date(2026, 11, 30), 2, date(2026, 11, 26)),  # Mon -> Thu: the weekend is skipped
    (date(2026, 11, 25), 2, date(2026, 11, 20)),  # Wed -> Fri: Mon 11-23 勤労感謝の日
    (date(2027, 1, 5), 2, date(2026, 12, 28)),  # the year-end break 12/29-1/3
    (date(2027, 1, 5), 1, date(2027, 1, 4)),
    (date(2026, 5, 7), 1, date(2026, 5, 1)),  # Golden Week: 5/4, 5/5, 5/6 (振替休日)
])
def test_window_closes_at_midnight_of_the_nth_working_day_before(
        slot_day: date, working_days: int, closes_on: date) -> None:
    resource = _resource(window={"closes_working_days_before": working_days,
                                 "opens_days_before": 30})
    opens_at, closes_at = booking_window(resource, slot_day)
    assert closes_at == _tokyo(closes_on.year, closes_on.month, closes_on.day)
    assert closes_at.tzinfo == UTC
    opens_on = slot_day - timedelta(days=30)
    assert opens_at == _tokyo(opens_on.year, opens_on.month, opens_on.day)
    assert changeable_until(resource, slot_day) == closes_at


def test_window_with_no_working_days_lasts_until_the_slot_starts() -> None:
    resource = _resource(window={"closes_working_days_before": 0})
    start = _tokyo(2026, 12, 3, 9)
    assert booking_window(resource, date(2026, 12, 3), slot_start=start)[1] == start
    assert changeable_until(resource, date(2026, 12, 3), slot_start=start) == start
    # Without the start: the end of the slot's day.
    assert booking_window(resource, date(2026, 12, 3))[1] == _tokyo(2026, 12, 4)


WINDOW_EDGES = [
    # (closes_working_days_before, slot start (Tokyo), now (Tokyo), expected)
    (2, _tokyo(2026, 12, 3, 9), _tokyo(2026, 11, 2, 23, 59, 59), "window_not_open"),
    (2, _tokyo(2026, 12, 3, 9), _tokyo(2026, 11, 3), None),  # opens 30 days before
    (2, _tokyo(2026, 12, 3, 9), _tokyo(2026, 11, 30, 23, 59, 59), None),
    (2, _tokyo(2026, 12, 3, 9), _tokyo(2026, 12, 1), "window_closed"),  # Tue 00:00
    # Monday slot: closes on the Thursday before (weekend).
    (2, _tokyo(2026, 11, 30, 9), _tokyo(2026, 11, 25, 23, 59, 59), None),
    (2, _tokyo(2026, 11, 30, 9), _tokyo(2026, 11, 26), "window_closed"),
    # Wednesday after a Monday holiday: closes on the Friday before.
    (2, _tokyo(2026, 11, 25, 10), _tokyo(2026, 11, 19, 23, 59, 59), None),
    (2, _tokyo(2026, 11, 25, 10), _tokyo(2026, 11, 20), "window_closed"),
    (2, _tokyo(2026, 11, 25, 10), _tokyo(2026, 11, 23, 12), "window_closed"),
    # Tuesday after the year-end break: closes on 12-28 (Mon).
    (2, _tokyo(2027, 1, 5, 9), _tokyo(2026, 12, 27, 23, 59, 59), None),
    (2, _tokyo(2027, 1, 5, 9), _tokyo(2026, 12, 28), "window_closed"),
    # 0 working days: until the slot starts.
    (0, _tokyo(2026, 12, 3, 9), _tokyo(2026, 12, 3, 8, 59, 59), None),
    (0, _tokyo(2026, 12, 3, 9), _tokyo(2026, 12, 3, 9), "window_closed"),
    (0, _tokyo(2026, 12, 3, 9), _tokyo(2026, 12, 3, 9, 10), "window_closed"),
]


@pytest.mark.parametrize(("working_days", "start", "now", "expected"), WINDOW_EDGES)
def test_window_edges(working_days: int, start: datetime, now: datetime,
                      expected: str | None) -> None:
    resource = _resource(window={"closes_working_days_before": working_days,
                                 "opens_days_before": 30})
    assert _code(resource, start, _ctx(now)) == expected


def test_window_refusal_tells_the_time_in_tokyo() -> None:
    resource = _resource()
    refused = check_booking(resource, _tokyo(2026, 12, 3, 9), _tokyo(2026, 12, 3, 9, 30),
                            _ctx(_tokyo(2026, 12, 2)), fee_method=None)
    assert refused is not None and refused.code == "window_closed"
    assert "2026年12月1日 00:00" in refused.message_ja
    assert "2026-12-01 00:00" in refused.message_en
    early = check_booking(resource, _tokyo(2026, 12, 3, 9), _tokyo(2026, 12, 3, 9, 30),
                          _ctx(_tokyo(2026, 10, 1)), fee_method=None)
    assert early is not None and "2026年11月3日 00:00" in early.message_ja


# --- eligibility and for whom ---------------------------------------------------------------

SLOT = _tokyo(2026, 12, 3, 9)
NOW = _tokyo(2026, 11, 20, 12)

ELIGIBILITY = [
    # (who, context changes, expected)
    ({"residency": "any"}, {"subject_verified": False, "subject_resident": False}, None),
    ({"residency": "card"}, {"subject_verified": False}, "not_eligible"),
    ({"residency": "card"}, {"subject_verified": True, "subject_resident": False}, None),
    ({"residency": "resident"}, {"subject_resident": False}, "not_eligible"),
    ({"residency": "resident"}, {"subject_verified": False, "subject_resident": True},
     "not_eligible"),
    ({"residency": "resident"}, {}, None),
    ({"min_age": 18}, {"subject_age": 17}, "too_young"),
    ({"min_age": 18}, {"subject_age": 18}, None),
    ({"max_age": 64}, {"subject_age": 64}, None),
    ({"max_age": 64}, {"subject_age": 65}, "too_old"),
    ({"min_age": 0, "max_age": 5}, {"subject_age": 0}, None),
    ({"min_age": 18}, {"subject_age": None}, "not_eligible"),
    ({"max_age": 5}, {"subject_age": None}, "not_eligible"),
    ({}, {"subject_age": None}, None),
    # Acting for someone else needs a delegation or being the parent of a minor.
    ({}, {"acting_for_other": True, "may_act_for": False}, "not_for_whom"),
    ({}, {"acting_for_other": True, "may_act_for": True}, None),
    ({}, {"acting_for_other": False, "may_act_for": False}, None),
    # The for-whom check comes first: nothing is told about the other person.
    ({"residency": "card", "min_age": 18},
     {"acting_for_other": True, "subject_verified": False, "subject_age": 3}, "not_for_whom"),
    ({"residency": "card", "min_age": 18}, {"subject_verified": False, "subject_age": 3},
     "not_eligible"),
]


@pytest.mark.parametrize(("who", "changes", "expected"), ELIGIBILITY)
def test_eligibility(who: dict[str, Any], changes: dict[str, Any],
                     expected: str | None) -> None:
    assert _code(_resource(who=who), SLOT, _ctx(NOW, **changes)) == expected


def test_age_refusals_name_the_age() -> None:
    young = check_booking(_resource(who={"min_age": 18}), SLOT, SLOT + timedelta(minutes=30),
                          _ctx(NOW, subject_age=17), fee_method=None)
    assert young is not None and "18歳以上" in young.message_ja and "18" in young.message_en


# --- limits ---------------------------------------------------------------------------------

LIMITS = {"per_person_open": 1, "per_household_open": 2, "per_person_per_month": 4}


@pytest.mark.parametrize(("limits", "person", "household", "month", "expected"), [
    (LIMITS, 0, 0, 0, None),
    (LIMITS, 1, 1, 1, "limit_person"),
    (LIMITS, 0, 1, 3, None),
    (LIMITS, 0, 2, 0, "limit_household"),
    (LIMITS, 0, 1, 4, "limit_month"),
    (LIMITS, 1, 2, 4, "limit_person"),  # the person's limit is checked first
    (LIMITS, 0, 2, 4, "limit_household"),
    ({}, 50, 50, 50, None),  # no limits
    ({"per_person_per_month": 1}, 5, 5, 0, None),
    ({"per_person_per_month": 1}, 0, 0, 1, "limit_month"),
])
def test_limits(limits: dict[str, int], person: int, household: int, month: int,
                expected: str | None) -> None:
    ctx = _ctx(NOW, open_for_person=person, open_for_household=household,
               this_month_for_person=month)
    assert _code(_resource(limits=limits), SLOT, ctx) == expected


def test_limit_refusal_names_the_limit() -> None:
    refused = check_booking(_resource(limits={"per_household_open": 2}), SLOT,
                            SLOT + timedelta(minutes=30),
                            _ctx(NOW, open_for_household=2), fee_method=None)
    assert refused is not None and "2件" in refused.message_ja and "2" in refused.message_en


# --- overlaps and buffers -------------------------------------------------------------------

TEN = _tokyo(2026, 12, 3, 10)


def _busy(start_minutes: int, end_minutes: int) -> tuple[datetime, datetime]:
    return ((TEN + timedelta(minutes=start_minutes)).astimezone(UTC),
            (TEN + timedelta(minutes=end_minutes)).astimezone(UTC))


@pytest.mark.parametrize(("buffer", "busy", "expected"), [
    # The slot is 10:00-10:30.
    (0, (), None),
    (0, (_busy(-30, 0),), None),  # back to back before
    (0, (_busy(30, 60),), None),  # back to back after
    (0, (_busy(-30, 1),), "overlaps"),
    (0, (_busy(29, 60),), "overlaps"),
    (0, (_busy(10, 20),), "overlaps"),  # inside
    (0, (_busy(-60, 120),), "overlaps"),  # around
    (15, (_busy(30, 60),), "overlaps"),  # in the 15 minutes kept after the slot
    (15, (_busy(44, 60),), "overlaps"),
    (15, (_busy(45, 60),), None),  # right after the buffer
    (15, (_busy(-30, 0),), None),  # the buffer is after the slot only
    (15, (_busy(-120, -60), _busy(120, 180)), None),
    (15, (_busy(-120, -60), _busy(40, 50)), "overlaps"),
])
def test_overlaps_with_buffer(buffer: int, busy: tuple[tuple[datetime, datetime], ...],
                              expected: str | None) -> None:
    resource = _resource(slots={"buffer_minutes": buffer})
    assert _code(resource, TEN, _ctx(NOW, person_busy=busy)) == expected


def test_busy_times_in_another_zone_compare_as_instants() -> None:
    busy = ((TEN + timedelta(minutes=10)), (TEN + timedelta(minutes=20)))  # Tokyo-aware
    assert _code(_resource(), TEN.astimezone(UTC), _ctx(NOW, person_busy=(busy,))) == "overlaps"


def test_blocks_adds_the_buffer() -> None:
    resource = _resource(slots={"buffer_minutes": 15})
    assert blocks(resource, TEN, TEN + timedelta(minutes=30)) == (
        TEN.astimezone(UTC), (TEN + timedelta(minutes=45)).astimezone(UTC))


# --- fee methods ----------------------------------------------------------------------------

PAID = {"amount_yen": 500, "methods": ["points", "counter"]}


@pytest.mark.parametrize(("fee", "method", "expected"), [
    (PAID, "points", None),
    (PAID, "counter", None),
    (PAID, None, "fee_method"),
    (PAID, "cash", "fee_method"),
    ({"amount_yen": 500, "methods": ["counter"]}, "points", "fee_method"),
    (None, None, None),
    (None, "points", "fee_method"),  # a free booking takes no method
])
def test_fee_methods(fee: dict[str, Any] | None, method: str | None,
                     expected: str | None) -> None:
    assert _code(_resource(fee=fee), SLOT, _ctx(NOW), fee_method=method) == expected


def test_fee_method_refusal_lists_the_methods() -> None:
    refused = check_booking(_resource(fee=PAID), SLOT, SLOT + timedelta(minutes=30),
                            _ctx(NOW), fee_method="cash")
    assert refused is not None
    assert "ポイント" in refused.message_ja and "points" in refused.message_en


# --- the order of the checks ----------------------------------------------------------------

def test_first_refusal_wins_in_the_documented_order() -> None:
    resource = _resource(who={"residency": "card"}, limits={"per_person_open": 1}, fee=PAID)
    ctx = _ctx(_tokyo(2026, 10, 1), acting_for_other=True, subject_verified=False,
               open_for_person=1, person_busy=(_busy(-60, 120),))
    slot = _tokyo(2026, 12, 3, 10)
    seen = []
    fixes: list[dict[str, Any]] = [
        {"may_act_for": True}, {"subject_verified": True}, {"now": NOW.astimezone(UTC)},
        {"open_for_person": 0}, {"person_busy": ()},
    ]
    for fix in fixes:
        seen.append(_code(resource, slot, ctx, fee_method=None))
        ctx = replace(ctx, **fix)
    seen.append(_code(resource, slot, ctx, fee_method=None))
    seen.append(_code(resource, slot, ctx, fee_method="points"))
    assert seen == ["not_for_whom", "not_eligible", "window_not_open", "limit_person",
                    "overlaps", "fee_method", None]


def test_times_must_be_aware_and_ordered() -> None:
    with pytest.raises(ValueError, match="aware"):
        check_booking(_resource(), datetime(2026, 12, 3, 9), datetime(2026, 12, 3, 10),
                      _ctx(NOW), fee_method=None)
    with pytest.raises(ValueError, match="end after"):
        check_booking(_resource(), SLOT, SLOT, _ctx(NOW), fee_method=None)


# --- changes and cancellations --------------------------------------------------------------

def test_changeable_until_the_window_closes() -> None:
    resource = _resource()  # Thursday slot: until Tuesday 00:00
    assert check_changeable(resource, SLOT, _tokyo(2026, 11, 30, 23, 59, 59)) is None
    refused = check_changeable(resource, SLOT, _tokyo(2026, 12, 1))
    assert refused is not None and refused.code == "not_changeable"
    same_day = _resource(window={"closes_working_days_before": 0})
    assert check_changeable(same_day, SLOT, _tokyo(2026, 12, 3, 8, 59)) is None
    assert check_changeable(same_day, SLOT, _tokyo(2026, 12, 3, 9)) is not None


def test_a_change_is_checked_without_the_booking_being_changed() -> None:
    resource = _resource(limits={"per_person_open": 1, "per_household_open": 1,
                                 "per_person_per_month": 1})
    old_start, new_start = _tokyo(2026, 12, 3, 9), _tokyo(2026, 12, 3, 9, 30)
    old = (old_start.astimezone(UTC), (old_start + timedelta(minutes=30)).astimezone(UTC))
    other = _busy(120, 150)
    ctx = _ctx(NOW, open_for_person=1, open_for_household=1, this_month_for_person=1,
               person_busy=(old, other))
    # As a new booking, the booking itself stands in the way ...
    assert _code(resource, new_start, ctx) == "limit_person"
    moved = for_change(ctx, old_start, old_start + timedelta(minutes=30), new_start)
    assert (moved.open_for_person, moved.open_for_household,
            moved.this_month_for_person) == (0, 0, 0)
    assert moved.person_busy == (other,)
    # ... as a change it does not.
    assert _code(resource, new_start, moved) is None
    # A move to another month keeps this month's count of the new month.
    next_month = for_change(ctx, old_start, old_start + timedelta(minutes=30),
                            _tokyo(2027, 1, 7, 9))
    assert next_month.this_month_for_person == 1
    assert _code(resource, _tokyo(2027, 1, 7, 9), replace(next_month, now=_tokyo(
        2026, 12, 20).astimezone(UTC))) == "limit_month"


def test_slot_day_is_the_day_in_tokyo() -> None:
    # 2026-12-02 23:30 UTC is 2026-12-03 08:30 in Tokyo.
    assert slot_day_of(datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == date(2026, 12, 3)
