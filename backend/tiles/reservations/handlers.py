"""`reservations` (SERVER_DECIDED, docs/reservations.md §2): `book`, `change`, `cancel`,
`wait`, `decline`, `accept`. They run in the push engine's savepoint (a refusal rolls their
writes back) and never commit; a replayed push is answered from its stored receipt by the
engine, so a booking sent twice from an offline device is made once.

The caller's row comes with the outcome; the other person a booking concerns (booked for
someone) gets it on their own stream in the same transaction, and every slot whose places
or waiters moved is published (`publish_slot`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from backend.models import Person
from backend.sync.args import BadArgs, text_arg
from backend.sync.collections import Collection, Policy
from backend.sync.refusals import refusals_rejected
from backend.sync.types import ALREADY_EXISTS, Mutation, MutationOutcome
from backend.tiles.reservations import bookings, offers
from backend.tiles.reservations.booking_records import (
    COLLECTION,
    Decision,
    booking_change,
    booking_json,
    find_booking,
    write_rows,
)
from backend.tiles.reservations.waiting_list import publish_places

MAX_ANSWERS_BYTES = 16 * 1024
ID_CHARACTERS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")


def _args(mutation: Mutation) -> dict[str, Any]:
    if not isinstance(mutation.args, dict):
        raise BadArgs("args must be an object")
    return mutation.args


def id_arg(args: dict[str, Any], name: str = "id") -> str:
    value = text_arg(args, name, 36)
    if len(value) < 8 or not set(value) <= ID_CHARACTERS:
        raise BadArgs(f"{name} must be a UUID")
    return value


def start_arg(args: dict[str, Any], name: str = "slot_start") -> datetime:
    """An ISO 8601 instant with its offset (e.g. "2026-12-14T09:00:00+09:00"), in UTC."""
    raw = text_arg(args, name, 40)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadArgs(f"{name} must be an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise BadArgs(f"{name} must carry its UTC offset (e.g. +09:00)")
    return moment.astimezone(UTC)


def _optional_person(args: dict[str, Any]) -> str | None:
    value = args.get("for_person_id")
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 36:
        raise BadArgs("for_person_id must be a common ID or null")
    return value


def _answers(args: dict[str, Any]) -> dict[str, Any]:
    answers = args.get("answers")
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise BadArgs("answers must be an object")
    if len(json.dumps(answers, ensure_ascii=False).encode()) > MAX_ANSWERS_BYTES:
        raise BadArgs(f"answers are larger than {MAX_ANSWERS_BYTES // 1024} KiB")
    return answers


def _fee_method(args: dict[str, Any]) -> str | None:
    value = args.get("fee_method")
    if value is not None and (not isinstance(value, str) or len(value) > 16):
        raise BadArgs("fee_method must be a method's name or null")
    return value


def outcome(session: Session, decision: Decision, caller: Person) -> MutationOutcome:
    """The booking as the result and the caller's row; the other concerned person's row and
    the touched slots' public rows in the same transaction."""
    session.flush()
    booking = decision.booking
    data = booking_json(session, booking, decision.resource)
    write_rows(session, booking, data, skip_person_id=caller.id)
    for start in sorted(set(decision.slots)):
        publish_places(session, booking.municipality_code, booking.resource_id, start)
    return MutationOutcome.applied(data, [booking_change(data)])


def _new(session: Session, person: Person, mutation: Mutation, joining: bool
         ) -> MutationOutcome:
    args = _args(mutation)
    booking_id = id_arg(args)
    resource_id = text_arg(args, "resource_id", 64)
    start = start_arg(args)
    for_person_id = _optional_person(args)
    answers = _answers(args)
    method = _fee_method(args)
    if find_booking(session, person.municipality_code, booking_id) is not None:
        return MutationOutcome.rejected(ALREADY_EXISTS, f"booking {booking_id} already exists")
    decide = bookings.wait if joining else bookings.book
    return outcome(session, decide(session, person, booking_id, resource_id, start,
                                   for_person_id, answers, method), person)


def book(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`book {id, resource_id, slot_start, for_person_id?, answers?, fee_method?}`."""
    return _new(session, person, mutation, joining=False)


def wait(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`wait {id, resource_id, slot_start, for_person_id?, answers?, fee_method?}`."""
    return _new(session, person, mutation, joining=True)


def change(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`change {id, slot_start}`."""
    args = _args(mutation)
    return outcome(session, bookings.change(session, person, id_arg(args), start_arg(args)),
                   person)


def cancel(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`cancel {id}`."""
    return outcome(session, bookings.cancel(session, person, id_arg(_args(mutation))), person)


def decline(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`decline {id}`."""
    return outcome(session, offers.decline(session, person, id_arg(_args(mutation))), person)


def accept(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`accept {id}`."""
    return outcome(session, offers.accept(session, person, id_arg(_args(mutation))), person)


RESERVATIONS = Collection(COLLECTION, Policy.SERVER_DECIDED, {
    name: refusals_rejected(handler) for name, handler in (
        ("book", book), ("change", change), ("cancel", cancel), ("wait", wait),
        ("decline", decline), ("accept", accept))})
