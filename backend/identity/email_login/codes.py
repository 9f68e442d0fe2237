"""The one-time codes of email logins, kept on the login request row.

A code is 6 random digits, stored as SHA-256 salted with the login id, valid for 10 minutes
and checked at most `MAX_ATTEMPTS` times per login (a new code does not reset the count).
The attempt is counted atomically before the comparison, so parallel guesses cannot exceed
the limit, and a right code consumes the login in the same way the upstream callback does:
single use.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import ColumnElement, Engine, func, select, update
from sqlmodel import Session, col

from backend.db import write_engine
from backend.db_results import affected_rows
from backend.models.login_request import LOGIN_METHOD_EMAIL, LoginRequest

CODE_TTL = timedelta(minutes=10)
# After a code expires the login stays open this long, so a new code can still be sent.
RESEND_GRACE = timedelta(minutes=10)
CODE_DIGITS = 6
MAX_ATTEMPTS = 5
MAX_CODES_PER_LOGIN = 3
# Codes still valid for one address (over all logins) before more are refused for a while.
MAX_LIVE_CODES_PER_ADDRESS = 3
_CODE_PATTERN = re.compile(rf"^[0-9]{{{CODE_DIGITS}}}$")


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(login_id: str, code: str) -> str:
    return hashlib.sha256(f"{login_id}:{code}".encode()).hexdigest()


def clean_code(raw: str) -> str | None:
    """The code as typed, with full-width digits and spaces/hyphens tolerated; None when it
    is not 6 digits at all."""
    code = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("-", "")
    return code if _CODE_PATTERN.fullmatch(code) else None


def _pending(now: datetime) -> ColumnElement[bool]:
    return (
        (col(LoginRequest.method) == LOGIN_METHOD_EMAIL)
        & col(LoginRequest.consumed_at).is_(None)
        & (LoginRequest.expires_at > now)
    )


def pending_email_login(engine: Engine, login_id: str, now: datetime) -> LoginRequest | None:
    """The unexpired, unused email login with this id; None otherwise."""
    with Session(engine) as session:
        return session.scalars(
            select(LoginRequest).where((col(LoginRequest.id) == login_id[:36]) & _pending(now))
        ).one_or_none()


class SendRefused(Enum):
    NOT_PENDING = "not_pending"
    TOO_MANY_CODES = "too_many_codes"


def store_code(engine: Engine, login_id: str, address: str, code: str,
               now: datetime) -> SendRefused | None:
    """Attach a new code for `address` to the login (replacing an older one); the login
    then lives until `RESEND_GRACE` after the code expires. None when stored, else why not."""
    with Session(write_engine(engine)) as session:  # counts, then writes
        live_for_address = session.execute(
            select(func.count()).where(
                (col(LoginRequest.email) == address)
                & (col(LoginRequest.email_code_expires_at) > now)
                & (col(LoginRequest.email_code_hash).is_not(None))
            )
        ).scalar_one()
        if live_for_address >= MAX_LIVE_CODES_PER_ADDRESS:
            return SendRefused.TOO_MANY_CODES
        stored = session.execute(
            update(LoginRequest)
            .where(
                (col(LoginRequest.id) == login_id)
                & _pending(now)
                & (LoginRequest.email_codes_sent < MAX_CODES_PER_LOGIN)
                & (LoginRequest.email_code_attempts < MAX_ATTEMPTS)
            )
            .values(
                email=address,
                email_code_hash=code_hash(login_id, code),
                email_code_expires_at=now + CODE_TTL,
                email_codes_sent=LoginRequest.email_codes_sent + 1,
                expires_at=now + CODE_TTL + RESEND_GRACE,
            )
        )
        session.commit()
        if affected_rows(stored) == 1:
            return None
    return (SendRefused.NOT_PENDING if pending_email_login(engine, login_id, now) is None
            else SendRefused.TOO_MANY_CODES)


class CheckOutcome(Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NO_CODE = "no_code"
    NOT_PENDING = "not_pending"


@dataclass(frozen=True)
class CodeCheck:
    outcome: CheckOutcome
    login: LoginRequest | None = None  # the login (consumed when the outcome is OK)
    attempts_left: int = 0


def check_code(engine: Engine, login_id: str, code: str, now: datetime) -> CodeCheck:
    """Count the attempt, compare in constant time, and consume the login on success."""
    login_id = login_id[:36]
    with Session(write_engine(engine), expire_on_commit=False) as session:  # read, then count
        row = session.scalars(
            select(LoginRequest).where((col(LoginRequest.id) == login_id) & _pending(now))
        ).one_or_none()
        if row is None:
            return CodeCheck(CheckOutcome.NOT_PENDING)
        if row.email_code_hash is None or row.email_code_expires_at is None:
            return CodeCheck(CheckOutcome.NO_CODE, row)
        if row.email_code_expires_at <= now:
            return CodeCheck(CheckOutcome.EXPIRED, row)
        # Read before the UPDATE below, which also refreshes `row` in the session.
        attempts_before, expected = row.email_code_attempts, row.email_code_hash
        counted = session.execute(
            update(LoginRequest)
            .where(
                (col(LoginRequest.id) == login_id)
                & col(LoginRequest.consumed_at).is_(None)
                & (LoginRequest.email_code_attempts < MAX_ATTEMPTS)
            )
            .values(email_code_attempts=LoginRequest.email_code_attempts + 1)
        )
        session.commit()
        if affected_rows(counted) != 1:
            return CodeCheck(CheckOutcome.TOO_MANY_ATTEMPTS, row)
        attempts_left = MAX_ATTEMPTS - (attempts_before + 1)
        if not hmac.compare_digest(code_hash(login_id, code), expected):
            return CodeCheck(CheckOutcome.WRONG, row, max(0, attempts_left))
        consumed = session.execute(
            update(LoginRequest)
            .where((col(LoginRequest.id) == login_id)
                   & col(LoginRequest.consumed_at).is_(None))
            .values(consumed_at=now, email_code_hash=None)
        )
        session.commit()
        if affected_rows(consumed) != 1:
            return CodeCheck(CheckOutcome.NOT_PENDING)
        session.refresh(row)
        return CodeCheck(CheckOutcome.OK, row)
