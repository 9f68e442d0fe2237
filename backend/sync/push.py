"""Apply pushed mutations exactly once: one transaction per mutation, with its receipt.

A mutation whose `(person, client_id, mutation_id)` already has a receipt gets the stored
outcome back ("duplicate"); otherwise its collection's handler runs and the outcome, the
change-log rows and the receipt commit together. Rejections are stored too, so a replay
is answered the same way and `last_seq` moves past them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from backend.db import SQLITE_BEGIN_OPTION
from backend.models import Person, SyncReceipt
from backend.sync.args import BadArgs
from backend.sync.change_log import append_changes
from backend.sync.collections import Policy, get_collection
from backend.sync.types import (
    INVALID_ARGS,
    MUTATION_ID_REUSED,
    READ_ONLY,
    SEQ_CONFLICT,
    UNKNOWN_MUTATION,
    Mutation,
    MutationOutcome,
)

MAX_ARGS_BYTES = 64 * 1024
_ATTEMPTS = 3  # a unique-key race with a concurrent push is retried, then reported as 503
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


class SyncUnavailable(Exception):
    """A transient database failure: the mutations before it are committed; retry later."""


@dataclass(frozen=True)
class PushResult:
    results: list[dict[str, Any]]
    last_seq: int


def _result(mutation: Mutation, status: str, result: Any, code: str | None,
            message: str | None, **extra: Any) -> dict[str, Any]:
    error = None if code is None else {"code": code, "message": message or code}
    return {"mutation_id": mutation.mutation_id, "seq": mutation.seq, "status": status,
            "result": result, "error": error, **extra}


def _from_receipt(mutation: Mutation, receipt: SyncReceipt) -> dict[str, Any]:
    stored = None if receipt.result is None else json.loads(receipt.result)
    return _result(mutation, "duplicate", stored, receipt.error_code, receipt.error_message,
                   original_status=receipt.status)


def _receipt_where(person: Person, client_id: str) -> list[Any]:
    return [SyncReceipt.person_id == person.id, SyncReceipt.client_id == client_id]


def _find_receipt(session: Session, person: Person, mutation: Mutation) -> SyncReceipt | None:
    """The receipt of this mutation id for this person, from whichever of their device
    stores sent it first (a re-created store re-sends recovered mutations under a new client
    id: they must be answered, not applied again)."""
    return session.scalars(select(SyncReceipt).where(
        SyncReceipt.person_id == person.id, SyncReceipt.mutation_id == mutation.mutation_id
    )).first()


def payload_sha256(mutation: Mutation) -> str:
    """The hash a receipt keeps of what it answered: collection, name and args."""
    canonical = json.dumps([mutation.collection, mutation.name, mutation.args],
                           ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _replay(mutation: Mutation, receipt: SyncReceipt) -> dict[str, Any]:
    """A replay's answer: the stored outcome, unless the mutation id now carries another
    payload (a device bug or a forgery): that is refused and nothing is stored."""
    if receipt.payload_sha256 is not None and receipt.payload_sha256 != payload_sha256(mutation):
        return _result(mutation, "rejected", None, MUTATION_ID_REUSED,
                       "this mutation_id was already used for a different change; "
                       "a new change needs a new mutation_id")
    return _from_receipt(mutation, receipt)


def _receipt_of_seq(session: Session, person: Person, client_id: str,
                    seq: int) -> SyncReceipt | None:
    return session.scalars(select(SyncReceipt).where(
        *_receipt_where(person, client_id), SyncReceipt.seq == seq
    )).first()


def _args_problem(args: Any) -> str | None:
    if not isinstance(args, dict):
        return "args must be a JSON object"
    size = len(json.dumps(args, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_ARGS_BYTES:
        return f"args are {size} bytes; at most {MAX_ARGS_BYTES} are accepted"
    return None


def _run_handler(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    collection = get_collection(mutation.collection)
    if collection is None:
        return MutationOutcome.rejected(UNKNOWN_MUTATION,
                                        f"unknown collection {mutation.collection!r}")
    if collection.policy is Policy.READ_ONLY:
        return MutationOutcome.rejected(READ_ONLY, f"{collection.name} is read-only")
    handler = collection.handlers.get(mutation.name)
    if handler is None:
        return MutationOutcome.rejected(
            UNKNOWN_MUTATION, f"unknown mutation {mutation.collection}.{mutation.name}")
    problem = _args_problem(mutation.args)
    if problem:
        return MutationOutcome.rejected(INVALID_ARGS, problem)
    savepoint = session.begin_nested()
    try:
        outcome = handler(session, person, mutation)
        session.flush()
    except BadArgs as exc:
        savepoint.rollback()
        return MutationOutcome.rejected(INVALID_ARGS, str(exc))
    except BaseException:
        savepoint.rollback()
        raise
    if outcome.status == "applied":
        savepoint.commit()
    else:
        savepoint.rollback()  # a rejection leaves nothing behind but its receipt
    return outcome


def _apply_once(session: Session, person: Person, client_id: str,
                mutation: Mutation, after_conflict: bool) -> dict[str, Any]:
    receipt = _find_receipt(session, person, mutation)
    if receipt is not None:
        return _replay(mutation, receipt)
    if after_conflict:
        # Order matters (a cancel after its booking): nothing after a conflict is applied
        # until the device has renumbered the whole batch.
        return _result(mutation, "rejected", None, SEQ_CONFLICT,
                       "not processed: an earlier mutation of this push had a seq conflict; "
                       "renumber from last_seq + 1 and push again")
    holder = _receipt_of_seq(session, person, client_id, mutation.seq)
    if holder is not None and holder.mutation_id == mutation.mutation_id:
        # Committed by a concurrent push between the two reads (PostgreSQL read committed).
        return _replay(mutation, holder)
    if holder is not None:
        return _result(mutation, "rejected", None, SEQ_CONFLICT,
                       f"seq {mutation.seq} was already used by another mutation")
    outcome = _run_handler(session, person, mutation)
    now = datetime.now(UTC)
    if outcome.status == "applied":
        # Last: the change-log counter stays locked until commit (ADR 0011).
        append_changes(session.connection(), person.municipality_code, person.id,
                       outcome.changes, now)
    session.add(SyncReceipt(
        municipality_code=person.municipality_code, person_id=person.id, client_id=client_id,
        seq=mutation.seq, mutation_id=mutation.mutation_id,
        collection=mutation.collection[:64], name=mutation.name[:64], status=outcome.status,
        result=None if outcome.result is None else json.dumps(outcome.result,
                                                              ensure_ascii=False),
        error_code=outcome.error_code, error_message=outcome.error_message, processed_at=now,
        payload_sha256=payload_sha256(mutation),
    ))
    session.commit()
    return _result(mutation, outcome.status, outcome.result, outcome.error_code,
                   outcome.error_message)


def _process_one(engine: Engine, person: Person, client_id: str,
                 mutation: Mutation, after_conflict: bool = False) -> dict[str, Any]:
    writer = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    for _attempt in range(_ATTEMPTS):
        with Session(writer, expire_on_commit=False) as session:
            try:
                return _apply_once(session, person, client_id, mutation, after_conflict)
            except (IntegrityError, StaleDataError):
                # A concurrent push of the same mutation (or seq) won the race, or a row a
                # handler read was changed under it: the next attempt sees the new state.
                session.rollback()
            except DBAPIError as exc:
                session.rollback()
                if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
                    continue
                raise SyncUnavailable(str(exc.orig or exc)) from exc
    raise SyncUnavailable(f"mutation {mutation.mutation_id} kept conflicting; retry")


def _is_seq_conflict(answer: dict[str, Any]) -> bool:
    error = answer.get("error")
    return answer["status"] == "rejected" and bool(error) and error["code"] == SEQ_CONFLICT


def last_seq(engine: Engine, person: Person, client_id: str) -> int:
    with Session(engine) as session:
        value = session.scalar(select(func.max(SyncReceipt.seq)).where(
            *_receipt_where(person, client_id)))
    return int(value or 0)


def process_push(engine: Engine, person: Person, client_id: str,
                 mutations: Sequence[Mutation]) -> PushResult:
    """Apply `mutations` in seq order, each in its own transaction (see module docstring).

    Raises `SyncUnavailable` on a transient database failure; what was processed before it
    stays committed and is answered as "duplicate" on the replay.
    """
    results: list[dict[str, Any]] = []
    conflict = False
    for mutation in sorted(mutations, key=lambda m: m.seq):
        answer = _process_one(engine, person, client_id, mutation, conflict)
        conflict = conflict or _is_seq_conflict(answer)
        results.append(answer)
    try:
        return PushResult(results, last_seq(engine, person, client_id))
    except DBAPIError as exc:
        raise SyncUnavailable(str(exc.orig or exc)) from exc
