"""A permanent refusal of a pushed mutation, raised deep in a tile's handler, and the
decorator that turns it into the rejection the push engine records (and rolls back)."""

from __future__ import annotations

import functools

from sqlmodel import Session

from backend.models import Person
from backend.sync.types import Handler, Mutation, MutationOutcome


class Refused(Exception):
    """A permanent refusal: `code` for the device, `message` for the resident."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def refusals_rejected(handler: Handler) -> Handler:
    """`handler` with its `Refused` turned into a rejection (the engine rolls back)."""

    @functools.wraps(handler)
    def run(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
        try:
            return handler(session, person, mutation)
        except Refused as refused:
            return MutationOutcome.rejected(refused.code, refused.message)

    return run
