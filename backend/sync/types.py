"""What handlers get and give back: a pushed mutation, its outcome, its change-log rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlmodel import Session

from backend.models import Person

Op = Literal["upsert", "delete"]
OutcomeStatus = Literal["applied", "rejected"]

# Error codes of permanent rejections (also used by handlers of later tiles).
UNKNOWN_MUTATION = "unknown_mutation"
INVALID_ARGS = "invalid_args"
READ_ONLY = "read_only"
SEQ_CONFLICT = "seq_conflict"  # not an outcome: the device renumbers and sends it again
MUTATION_ID_REUSED = "mutation_id_reused"  # not stored: the first payload's receipt stands
QUOTA_EXCEEDED = "quota_exceeded"  # the person's quota of the collection (backend/sync/quotas)
INTERNAL_ERROR = "internal_error"  # the handler failed in a way that retrying cannot fix
NOT_FOUND = "not_found"
ALREADY_EXISTS = "already_exists"


@dataclass(frozen=True)
class Mutation:
    """One pushed mutation; `created_at` is the device's clock and decides nothing."""

    seq: int
    mutation_id: str
    collection: str
    name: str
    args: Any
    created_at: str


@dataclass(frozen=True)
class ChangeRow:
    """A change-log row a handler wants written in the same transaction.

    `public=False`: visible to the caller only; `public=True`: content of the municipality
    (no `person_id`), in the "public" stream when `audience` is None, otherwise only in the
    stream "audience:<audience>" (residents in that audience, e.g. "parents").
    """

    collection: str
    key: str
    op: Op
    data: dict[str, Any] | None = None
    public: bool = False
    audience: str | None = None  # only meaningful with public=True

    def __post_init__(self) -> None:
        if self.audience is not None and not self.public:
            raise ValueError("audience is only meaningful for public=True rows")


@dataclass(frozen=True)
class MutationOutcome:
    status: OutcomeStatus
    result: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    changes: list[ChangeRow] = field(default_factory=list)

    @classmethod
    def applied(
        cls, result: dict[str, Any] | None = None, changes: list[ChangeRow] | None = None
    ) -> MutationOutcome:
        return cls("applied", result=result, changes=changes or [])

    @classmethod
    def rejected(cls, code: str, message: str) -> MutationOutcome:
        return cls("rejected", error_code=code, error_message=message[:500])


class RetryLater(Exception):
    """Raised by a handler whose mutation cannot be decided now but can be later (a service
    it needs is down): the push fails with 503 and the device sends the mutation again."""


class Handler(Protocol):
    """Apply `mutation` for `person` inside `session`'s transaction (never commit).

    Return a rejection for permanent problems (bad args, not allowed; raising
    `backend.sync.args.BadArgs` is "invalid_args"). A transient database error or
    `RetryLater` fails the push (503) and the device retries it; any other exception
    (a permanent database error, a bug) rejects only this mutation, stored like any
    rejection (docs/sync.md, "POST /sync/push").
    """

    def __call__(self, session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
        ...
