"""Apply pushed mutations exactly once: one transaction per mutation, with its receipt.

A mutation whose `(person, mutation_id)` already has a receipt gets the stored outcome back
("duplicate"); otherwise its collection's handler runs and the outcome, the change-log rows
and the receipt commit together. Rejections are stored too, so a replay is answered the
same way and `last_seq` moves past them.

Every mutation ends in one of three ways (docs/sync.md, "POST /sync/push"; ADR 0018):
applied; rejected for good with a reason (bad args, a quota, a permanent database error, a
handler that failed: `internal_error`), which never holds up the mutations after it; or the
whole push fails with `SyncUnavailable` (503) for a transient cause only, with what came
before it committed. A result is encoded (strict JSON) before the commit, so whatever
commits has a receipt every replay can answer with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from backend.db import write_engine
from backend.db_errors import DbFailure, Kind, classify
from backend.models import Person, SyncReceipt
from backend.sync.args import BadArgs
from backend.sync.change_log import append_changes
from backend.sync.collections import Policy, get_collection
from backend.sync.quotas import Measured, QuotaLimit, QuotaTracker
from backend.sync.types import (
    INTERNAL_ERROR,
    INVALID_ARGS,
    MUTATION_ID_REUSED,
    QUOTA_EXCEEDED,
    READ_ONLY,
    SEQ_CONFLICT,
    UNKNOWN_MUTATION,
    Mutation,
    MutationOutcome,
    RetryLater,
)

logger = logging.getLogger(__name__)

MAX_ARGS_BYTES = 64 * 1024
MAX_ERROR_CODE = 64
MAX_ERROR_MESSAGE = 500
# A race with a concurrent push (the same mutation, a unique key, a serialization failure)
# is tried again at once, this many times in all; then it counts as what it is.
_ATTEMPTS = 3
INTERNAL_ERROR_MESSAGE = ("the server could not process this change because of an error on "
                          "its side; it was not applied (sending it again gives the same "
                          "answer)")


class SyncUnavailable(Exception):
    """A transient failure: the mutations before it are committed; retry later."""


class _Unserializable(Exception):
    """A handler's outcome cannot be stored and answered as JSON: an `internal_error`."""


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
        col(SyncReceipt.person_id) == person.id,
        col(SyncReceipt.mutation_id) == mutation.mutation_id,
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
        *_receipt_where(person, client_id), col(SyncReceipt.seq) == seq
    )).first()


def _args_problem(args: Any) -> str | None:
    if not isinstance(args, dict):
        return "args must be a JSON object"
    try:
        text = json.dumps(args, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        size = len(text.encode("utf-8"))
    except ValueError as exc:  # NaN/Infinity; UnicodeEncodeError: a lone surrogate
        kind = "a lone surrogate" if isinstance(exc, UnicodeError) else "NaN or Infinity"
        return f"args must be plain JSON (they contain {kind})"
    except RecursionError:
        return "args are nested too deeply"
    if size > MAX_ARGS_BYTES:
        return f"args are {size} bytes; at most {MAX_ARGS_BYTES} are accepted"
    return None


def encode_json(value: Any) -> str | None:
    """`value` as the strict JSON text a receipt stores and every answer repeats: no NaN
    or Infinity, no lone surrogates (neither can be stored or sent). `_Unserializable`."""
    if value is None:
        return None
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        raise _Unserializable(f"{type(exc).__name__}: {exc}") from exc
    return text


def _checked(outcome: Any) -> MutationOutcome:
    """The handler's outcome, if it is one the receipt and the answer can carry."""
    if not isinstance(outcome, MutationOutcome) or outcome.status not in ("applied",
                                                                          "rejected"):
        raise _Unserializable(f"the handler returned {type(outcome).__name__}, "
                              "not an applied or rejected MutationOutcome")
    if outcome.status == "rejected":
        code, message = outcome.error_code, outcome.error_message
        if not isinstance(code, str) or not 0 < len(code) <= MAX_ERROR_CODE:
            raise _Unserializable(f"rejection code {code!r} is not a short string")
        if not isinstance(message, str):
            raise _Unserializable("the rejection message is not a string")
    return outcome


@dataclass(frozen=True)
class _Handled:
    outcome: MutationOutcome
    measured: Measured | None = None  # what it did to the person's quota usage


def _run_handler(session: Session, person: Person, mutation: Mutation,
                 quota: QuotaTracker) -> _Handled:
    collection = get_collection(mutation.collection)
    if collection is None:
        return _Handled(MutationOutcome.rejected(UNKNOWN_MUTATION,
                                                 f"unknown collection {mutation.collection!r}"))
    if collection.policy is Policy.READ_ONLY:
        return _Handled(MutationOutcome.rejected(READ_ONLY, f"{collection.name} is read-only"))
    handler = collection.handlers.get(mutation.name)
    if handler is None:
        return _Handled(MutationOutcome.rejected(
            UNKNOWN_MUTATION, f"unknown mutation {mutation.collection}.{mutation.name}"))
    problem = _args_problem(mutation.args)
    if problem:
        return _Handled(MutationOutcome.rejected(INVALID_ARGS, problem))
    metering = quota.start(session, person.id, mutation)
    # Any other exception leaves through the caller, which rolls the whole transaction back.
    savepoint = session.begin_nested()
    try:
        outcome = _checked(handler(session, person, mutation))
        session.flush()
    except BadArgs as exc:
        savepoint.rollback()
        return _Handled(MutationOutcome.rejected(INVALID_ARGS, str(exc)))
    if outcome.status != "applied":
        savepoint.rollback()  # a rejection leaves nothing behind but its receipt
        return _Handled(outcome)
    measured = None
    if metering is not None:
        measured = quota.finish(session, person.id, mutation, metering)
        if measured.refusal is not None:
            savepoint.rollback()
            return _Handled(MutationOutcome.rejected(QUOTA_EXCEEDED, measured.refusal))
    savepoint.commit()
    return _Handled(outcome, measured)


def _store_receipt(session: Session, person: Person, client_id: str, mutation: Mutation,
                   outcome: MutationOutcome, result_json: str | None,
                   now: datetime) -> None:
    session.add(SyncReceipt(
        municipality_code=person.municipality_code, person_id=person.id, client_id=client_id,
        seq=mutation.seq, mutation_id=mutation.mutation_id,
        collection=mutation.collection[:64], name=mutation.name[:64], status=outcome.status,
        result=result_json, error_code=outcome.error_code,
        error_message=None if outcome.error_message is None
        else outcome.error_message[:MAX_ERROR_MESSAGE],
        processed_at=now, payload_sha256=payload_sha256(mutation),
    ))


def _answer(mutation: Mutation, outcome: MutationOutcome,
            result_json: str | None) -> dict[str, Any]:
    """The answer, with the result as the receipt stores it: a replay says the same."""
    result = None if result_json is None else json.loads(result_json)
    message = (None if outcome.error_message is None
               else outcome.error_message[:MAX_ERROR_MESSAGE])
    return _result(mutation, outcome.status, result, outcome.error_code, message)


def _already_answered(session: Session, person: Person, client_id: str, mutation: Mutation,
                      after_conflict: bool) -> dict[str, Any] | None:
    """The answer of a mutation that is not to be run: a receipt exists, or its seq is taken
    (or an earlier one of this push was); None when it is to be run."""
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
    return None


def _apply_once(session: Session, person: Person, client_id: str, mutation: Mutation,
                after_conflict: bool, quota: QuotaTracker) -> dict[str, Any]:
    answered = _already_answered(session, person, client_id, mutation, after_conflict)
    if answered is not None:
        return answered
    handled = _run_handler(session, person, mutation, quota)
    outcome = handled.outcome
    # Encoded before anything commits: a result that cannot be stored or sent fails here,
    # rolled back, instead of after the commit on every replay.
    result_json = encode_json(outcome.result)
    now = datetime.now(UTC)
    if outcome.status == "applied":
        # Last: the change-log counter stays locked until commit (ADR 0011).
        append_changes(session.connection(), person.municipality_code, person.id,
                       outcome.changes, now)
    _store_receipt(session, person, client_id, mutation, outcome, result_json, now)
    session.commit()
    quota.committed(handled.measured)
    return _answer(mutation, outcome, result_json)


def _reject_once(session: Session, person: Person, client_id: str, mutation: Mutation,
                 outcome: MutationOutcome) -> dict[str, Any]:
    """Store `outcome` (a rejection) as the mutation's receipt, in a fresh transaction,
    unless the mutation has been answered meanwhile (a concurrent push)."""
    answered = _already_answered(session, person, client_id, mutation, after_conflict=False)
    if answered is not None:
        return answered
    _store_receipt(session, person, client_id, mutation, outcome, None, datetime.now(UTC))
    session.commit()
    return _answer(mutation, outcome, None)


def _describe(person: Person, mutation: Mutation) -> str:
    # Ids only: the args are personal data and stay out of the log.
    return (f"mutation {mutation.mutation_id!r} (seq {mutation.seq}, "
            f"{mutation.collection}.{mutation.name}) of person {person.id}")


def _log_failure(level: int, what: str, exc: Exception, failure: DbFailure | None) -> None:
    """Log `exc` with its traceback. A database error's text holds the statement's
    parameters (personal data) and PostgreSQL's DETAIL the values: only the first line of
    the driver's message goes into the log, with the frames."""
    if failure is None:
        logger.log(level, "push: %s", what, exc_info=exc)
        return
    driver = getattr(exc, "orig", None) or exc
    first_line = (str(driver).strip().splitlines() or [""])[0][:300]
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.log(level, "push: %s (%s %s: %s)\nTraceback (parameters left out):\n%s", what,
               failure.code, type(driver).__name__, first_line, frames)


def _rejection_for(exc: Exception, failure: DbFailure | None, person: Person,
                   mutation: Mutation) -> MutationOutcome:
    """The permanent rejection of a mutation that raised `exc` (logged with its traceback)."""
    if failure is not None and failure.data_problem:
        _log_failure(logging.WARNING, f"{_describe(person, mutation)} rejected: the database "
                     "refused its data", exc, failure)
        return MutationOutcome.rejected(
            INVALID_ARGS, f"the data of this change cannot be stored (database error "
            f"{failure.code}); it was not applied")
    _log_failure(logging.ERROR, f"{_describe(person, mutation)} rejected as {INTERNAL_ERROR}",
                 exc, failure)
    return MutationOutcome.rejected(INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE)


def _attempt(engine: Engine, work: Callable[[Session], dict[str, Any]]
             ) -> tuple[dict[str, Any] | None, Exception | None, DbFailure | None]:
    """Run `work(session)` in a write transaction, retrying races: (answer, None, None), or
    (None, the exception, its database failure or None) once it will not succeed."""
    for attempt in range(1, _ATTEMPTS + 1):
        with Session(write_engine(engine), expire_on_commit=False) as session:
            try:
                return work(session), None, None
            except Exception as exc:  # every mutation ends in an outcome (module docstring)
                try:
                    session.rollback()
                except Exception:  # a broken connection: the pool discards it on close
                    logger.warning("push: rollback failed", exc_info=True)
                failure = classify(exc)
                if failure is not None and failure.kind is Kind.RETRY and attempt < _ATTEMPTS:
                    continue  # a concurrent push won a race: the next attempt sees its work
                return None, exc, failure
    raise AssertionError("not reached")


def _transient(failure: DbFailure | None, exc: Exception) -> bool:
    if isinstance(exc, RetryLater):
        return True
    if failure is None:
        return False
    kind = failure.exhausted if failure.kind is Kind.RETRY else failure.kind
    return kind is Kind.TRANSIENT


def _process_one(engine: Engine, person: Person, client_id: str, mutation: Mutation,
                 after_conflict: bool = False,
                 quota: QuotaTracker | None = None) -> dict[str, Any]:
    """One mutation's answer: applied, rejected (stored), or `SyncUnavailable`."""
    tracker = quota or QuotaTracker()
    answer, exc, failure = _attempt(engine, lambda session: _apply_once(
        session, person, client_id, mutation, after_conflict, tracker))
    if answer is not None:
        return answer
    assert exc is not None
    if _transient(failure, exc):
        _log_failure(logging.WARNING, f"{_describe(person, mutation)} failed for now (503)",
                     exc, failure)
        raise SyncUnavailable(failure.code if failure else type(exc).__name__) from exc
    outcome = _rejection_for(exc, failure, person, mutation)
    answer, store_exc, store_failure = _attempt(engine, lambda session: _reject_once(
        session, person, client_id, mutation, outcome))
    if answer is not None:
        return answer
    assert store_exc is not None
    if _transient(store_failure, store_exc):
        raise SyncUnavailable(store_failure.code if store_failure
                              else type(store_exc).__name__) from store_exc
    # Not even the rejection can be stored (the mutation id itself is unstorable): answer
    # it unstored; a replay fails the same way and gets the same answer.
    _log_failure(logging.ERROR, f"the rejection of {_describe(person, mutation)} could not "
                 "be stored", store_exc, store_failure)
    return _answer(mutation, outcome, None)


def _is_seq_conflict(answer: dict[str, Any]) -> bool:
    error = answer.get("error")
    return (answer["status"] == "rejected" and isinstance(error, dict)
            and error.get("code") == SEQ_CONFLICT)


def last_seq(engine: Engine, person: Person, client_id: str) -> int:
    with Session(engine) as session:
        value = session.scalar(select(func.max(SyncReceipt.seq)).where(
            *_receipt_where(person, client_id)))
    return int(value or 0)


def process_push(engine: Engine, person: Person, client_id: str,
                 mutations: Sequence[Mutation],
                 quotas: dict[str, QuotaLimit] | None = None) -> PushResult:
    """Apply `mutations` in seq order, each in its own transaction (see module docstring),
    within the person's `quotas` (default: `quotas.DEFAULT_LIMITS`).

    Raises `SyncUnavailable` on a transient failure; what was processed before it stays
    committed and is answered as "duplicate" on the replay.
    """
    results: list[dict[str, Any]] = []
    conflict = False
    tracker = QuotaTracker(quotas)
    for mutation in sorted(mutations, key=lambda m: m.seq):
        answer = _process_one(engine, person, client_id, mutation, conflict, tracker)
        conflict = conflict or _is_seq_conflict(answer)
        results.append(answer)
    try:
        return PushResult(results, last_seq(engine, person, client_id))
    except DBAPIError as exc:
        raise SyncUnavailable(str(exc.orig or exc)) from exc
