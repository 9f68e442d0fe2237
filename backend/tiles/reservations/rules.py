"""The booking rules of a resource (docs/reservations.md §2), in plain Python: no database,
no clock of their own. The caller (the bookings module) reads the counts and the subject's
facts, puts them in a `BookingContext` with "now", and asks `check_booking`.

`check_booking` answers the first refusal, in this order:

1. For whom: booking for someone else (`acting_for_other`) needs `may_act_for` (a
   delegation, or being the parent of a minor) -> `not_for_whom`. Checked first, so a
   booker who may not act for the subject learns nothing about them.
2. Eligibility (`Resource.who`): `residency` "any" lets everyone logged in book; "card"
   needs the subject verified with the My Number card; "resident" needs the subject
   verified AND living in the municipality (residency is only known from the card) ->
   `not_eligible` (`reason` card or resident). `min_age`/`max_age` are inclusive, on the
   slot's day: under `min_age` -> `too_young`, over `max_age` -> `too_old`; an unknown age
   with an age condition -> `not_eligible` (`reason` age_unknown).
3. Window (`booking_window`): before it opens -> `window_not_open`; from its close on (and
   always once the slot has started) -> `window_closed`.
4. Limits (`Resource.limits`, None = no limit): the subject's open bookings of this resource
   reached `per_person_open` -> `limit_person`; their household's reached
   `per_household_open` -> `limit_household`; the subject's bookings of it in the slot's
   month (Asia/Tokyo) reached `per_person_per_month` -> `limit_month`.
5. Overlaps: the new booking blocks its slot plus the resource's `buffer_minutes` after it
   (`blocks`); if that meets any of the subject's other open bookings (`person_busy`, half
   open intervals, so back-to-back bookings are fine) -> `overlaps`.
6. Fee method: a resource with a fee needs one of its `methods` -> `fee_method`; a free
   resource takes no method (None) -> `fee_method` otherwise.

Capacity (`slot_full`), a closed or unknown slot and the booking's status are the
bookings module's checks (they need the database), with codes from `refusals.py`.

A change (move to another slot) is checked as a booking of the new slot, made by a subject
without the booking being changed: first `check_changeable` on the booking's current slot
(`not_changeable` after its `changeable_until`), then `check_booking` on the new slot with a
context whose counts and `person_busy` leave the booking out. Either count without it in
the queries (exclude its id), or build the context with it and pass
`for_change(ctx, old_start, old_end, new_start)`, which takes it out. A cancellation is
allowed while `check_changeable` answers None.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from backend.services.clock import CITY_TIME_ZONE, city_today
from backend.services.working_days import nth_working_day_before
from backend.tiles.reservations.refusals import (
    FEE_METHOD,
    LIMIT_HOUSEHOLD,
    LIMIT_MONTH,
    LIMIT_PERSON,
    NOT_CHANGEABLE,
    NOT_ELIGIBLE,
    NOT_FOR_WHOM,
    OVERLAPS,
    REASON_AGE_UNKNOWN,
    REASON_CARD,
    REASON_RESIDENT,
    TOO_OLD,
    TOO_YOUNG,
    WINDOW_CLOSED,
    WINDOW_NOT_OPEN,
    Refusal,
    refusal,
)
from backend.tiles.reservations.resource import Resource

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class BookingContext:
    """What the rules need to know besides the resource and the slot; the caller reads it
    from the database for the subject (the person the booking is for)."""

    now: datetime  # aware, UTC
    subject_age: int | None  # on the slot's day; None if unknown
    subject_verified: bool  # My Number card verified
    subject_resident: bool  # lives in the municipality
    acting_for_other: bool  # the booker books for someone else
    may_act_for: bool  # a delegation (or parent of a minor) allows it
    open_for_person: int  # the subject's open bookings of this resource
    open_for_household: int  # the subject's household's open bookings of it
    this_month_for_person: int  # subject's bookings of it in the slot's month
    # The subject's other open bookings (any resource) as (start, end) UTC, buffers not
    # included.
    person_busy: tuple[Interval, ...]


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment.astimezone(UTC)


def _city_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CITY_TIME_ZONE).astimezone(UTC)


def booking_window(resource: Resource, slot_day: date, *,
                   slot_start: datetime | None = None) -> tuple[datetime, datetime]:
    """(opens_at, closes_at) in UTC of a slot on `slot_day` (its day in Asia/Tokyo).

    Opens at 00:00 Tokyo `opens_days_before` calendar days before the slot's day. Closes at
    00:00 Tokyo of the day that is `closes_working_days_before` working days (Mon-Fri, not a
    Japanese holiday, not 12/29-1/3; backend/services/working_days.py) before the slot's
    day: with 2, a Thursday slot closes when Tuesday begins (the last day to book is Monday).
    With 0 it is open until the slot starts: pass `slot_start` (without it, until the end of
    the slot's day)."""
    opens_at = _city_midnight(slot_day - timedelta(days=resource.window.opens_days_before))
    working_days = resource.window.closes_working_days_before
    if working_days > 0:
        closes_at = _city_midnight(nth_working_day_before(slot_day, working_days))
    elif slot_start is not None:
        closes_at = _aware(slot_start, "slot_start")
    else:
        closes_at = _city_midnight(slot_day + timedelta(days=1))
    return opens_at, closes_at


def changeable_until(resource: Resource, slot_day: date, *,
                     slot_start: datetime | None = None) -> datetime:
    """Until when (exclusive, UTC) a booking of the slot may be changed or cancelled: the
    close of its booking window."""
    return booking_window(resource, slot_day, slot_start=slot_start)[1]


def blocks(resource: Resource, slot_start: datetime, slot_end: datetime) -> Interval:
    """The time a booking of the slot keeps its subject busy: the slot and the resource's
    `buffer_minutes` after it (UTC)."""
    return (_aware(slot_start, "slot_start"),
            _aware(slot_end, "slot_end") + timedelta(minutes=resource.slots.buffer_minutes))


def slot_day_of(slot_start: datetime) -> date:
    """The slot's day in Asia/Tokyo."""
    return city_today(_aware(slot_start, "slot_start"))


def _who_refusal(resource: Resource, ctx: BookingContext) -> Refusal | None:
    if ctx.acting_for_other and not ctx.may_act_for:
        return refusal(NOT_FOR_WHOM)
    who = resource.who
    if who.residency == "card" and not ctx.subject_verified:
        return refusal(NOT_ELIGIBLE, reason=REASON_CARD)
    if who.residency == "resident" and not (ctx.subject_verified and ctx.subject_resident):
        return refusal(NOT_ELIGIBLE, reason=REASON_RESIDENT)
    if who.min_age is None and who.max_age is None:
        return None
    if ctx.subject_age is None:
        return refusal(NOT_ELIGIBLE, reason=REASON_AGE_UNKNOWN)
    if who.min_age is not None and ctx.subject_age < who.min_age:
        return refusal(TOO_YOUNG, min_age=who.min_age)
    if who.max_age is not None and ctx.subject_age > who.max_age:
        return refusal(TOO_OLD, max_age=who.max_age)
    return None


def _window_refusal(resource: Resource, slot_start: datetime, now: datetime
                    ) -> Refusal | None:
    opens_at, closes_at = booking_window(resource, slot_day_of(slot_start),
                                         slot_start=slot_start)
    if now < opens_at:
        return refusal(WINDOW_NOT_OPEN, opens_at=opens_at)
    if now >= min(closes_at, slot_start):
        return refusal(WINDOW_CLOSED, closes_at=min(closes_at, slot_start))
    return None


def _limits_refusal(resource: Resource, ctx: BookingContext) -> Refusal | None:
    limits = resource.limits
    if limits.per_person_open is not None and ctx.open_for_person >= limits.per_person_open:
        return refusal(LIMIT_PERSON, limit=limits.per_person_open)
    if (limits.per_household_open is not None
            and ctx.open_for_household >= limits.per_household_open):
        return refusal(LIMIT_HOUSEHOLD, limit=limits.per_household_open)
    if (limits.per_person_per_month is not None
            and ctx.this_month_for_person >= limits.per_person_per_month):
        return refusal(LIMIT_MONTH, limit=limits.per_person_per_month)
    return None


def _overlaps(block: Interval, busy: tuple[Interval, ...]) -> bool:
    """Whether [start, end) meets any busy [start, end) (touching ends do not)."""
    start, end = block
    for other_start, other_end in busy:
        if _aware(other_start, "person_busy") < end and start < _aware(other_end, "person_busy"):
            return True
    return False


def _fee_refusal(resource: Resource, fee_method: str | None) -> Refusal | None:
    methods = resource.fee.methods if resource.fee is not None else ()
    if resource.fee is None and fee_method is None:
        return None
    if fee_method not in methods:
        return refusal(FEE_METHOD, methods=methods)
    return None


def check_booking(resource: Resource, slot_start: datetime, slot_end: datetime,
                  ctx: BookingContext, *, fee_method: str | None) -> Refusal | None:
    """The first rule (module docstring, in its order) that refuses booking the slot
    [slot_start, slot_end) for the context's subject; None when every rule allows it."""
    start = _aware(slot_start, "slot_start")
    end = _aware(slot_end, "slot_end")
    if end <= start:
        raise ValueError("a slot must end after it starts")
    now = _aware(ctx.now, "now")
    return (_who_refusal(resource, ctx)
            or _window_refusal(resource, start, now)
            or _limits_refusal(resource, ctx)
            or (refusal(OVERLAPS) if _overlaps(blocks(resource, start, end), ctx.person_busy)
                else None)
            or _fee_refusal(resource, fee_method))


def check_changeable(resource: Resource, slot_start: datetime, now: datetime
                     ) -> Refusal | None:
    """`not_changeable` once a booking of the slot may no longer be changed or cancelled
    (from its `changeable_until` on); None before. The booking's status is the caller's."""
    start = _aware(slot_start, "slot_start")
    until = changeable_until(resource, slot_day_of(start), slot_start=start)
    return refusal(NOT_CHANGEABLE) if _aware(now, "now") >= min(until, start) else None


def for_change(ctx: BookingContext, old_start: datetime, old_end: datetime,
               new_start: datetime) -> BookingContext:
    """`ctx` (counted WITH the open booking being changed) without that booking: one less
    open booking for the person and the household, one less this month when the old slot is
    in the new slot's month (Asia/Tokyo), and its (old_start, old_end) out of
    `person_busy` once."""
    old = (_aware(old_start, "old_start"), _aware(old_end, "old_end"))
    busy = list(ctx.person_busy)
    for index, (start, end) in enumerate(busy):
        if (_aware(start, "person_busy"), _aware(end, "person_busy")) == old:
            del busy[index]
            break
    old_day, new_day = slot_day_of(old[0]), slot_day_of(new_start)
    same_month = (old_day.year, old_day.month) == (new_day.year, new_day.month)
    return replace(
        ctx,
        open_for_person=max(ctx.open_for_person - 1, 0),
        open_for_household=max(ctx.open_for_household - 1, 0),
        this_month_for_person=max(ctx.this_month_for_person - (1 if same_month else 0), 0),
        person_busy=tuple(busy),
    )
