"""The app's authorization codes: 256 random bits, stored hashed, 60 s, single use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from backend.db_results import affected_rows
from backend.identity.opaque_tokens import new_opaque_token, token_hash
from backend.models.authorization_code import AuthorizationCode
from backend.models.login_request import LoginRequest
from backend.models.person import Person

AUTHORIZATION_CODE_TTL = timedelta(seconds=60)


def issue_authorization_code(session: Session, login: LoginRequest, person: Person,
                             now: datetime) -> str:
    """Store a code for `person` answering `login`; return the code (shown only once)."""
    code = new_opaque_token()
    session.add(
        AuthorizationCode(
            id=str(uuid.uuid4()),
            code_hash=token_hash(code),
            person_id=person.id,
            client_id=login.client_id,
            redirect_uri=login.redirect_uri,
            scope=login.scope,
            nonce=login.app_nonce,
            code_challenge=login.code_challenge,
            device_id=login.device_id,
            acr=person.assurance_level,
            auth_time=now,
            created_at=now,
            expires_at=now + AUTHORIZATION_CODE_TTL,
        )
    )
    return code


@dataclass(frozen=True)
class RedeemedCode:
    row: AuthorizationCode | None  # None: no such code
    first_use: bool  # False: the code had been presented before (replay)


def redeem_authorization_code(session: Session, code: str, now: datetime) -> RedeemedCode:
    """Mark the code used, atomically; says whether this was its first use.

    The code is spent by any attempt, good or bad, so a stolen code is worth one try.
    """
    code_hash = token_hash(code)
    claimed = session.execute(
        update(AuthorizationCode)
        .where(
            (col(AuthorizationCode.code_hash) == code_hash)
            & col(AuthorizationCode.consumed_at).is_(None)
        )
        .values(consumed_at=now)
    )
    row = session.scalars(
        select(AuthorizationCode).where(col(AuthorizationCode.code_hash) == code_hash)
    ).one_or_none()
    return RedeemedCode(row=row, first_use=affected_rows(claimed) == 1)
