"""The wallet's payment PIN (ADR 0033): 4 to 6 digits, stored as an scrypt hash with its
own salt, compared in constant time; 5 wrong answers in a row lock it for 15 minutes, each
further lockout twice as long (at most a day). The lockout is the server's: a device that
forgets its count changes nothing.

The slow hash is computed outside the row lock; the failure count then moves under it, so
parallel guesses are all counted and a guess that arrives after the lock is refused even
when it is right.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.db import write_engine
from backend.models import as_utc
from backend.tiles.points.payment_models import WalletPin

MIN_DIGITS = 4
MAX_DIGITS = 6
MAX_FAILURES = 5
FIRST_LOCK = timedelta(minutes=15)
LONGEST_LOCK = timedelta(days=1)
# scrypt cost: about 16 MiB and some tens of milliseconds per try.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32


class PinProblem(Exception):
    """A refusal about the PIN; `code` and `status` as in docs/points.md."""

    code = "pin_problem"
    status = 409

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def detail(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, **self.details}


class PinInvalid(PinProblem):
    """Not 4-6 digits, or all one digit (the new PIN of `PUT /points/pin`)."""

    code = "pin_invalid"
    status = 422


class CurrentPinRequired(PinProblem):
    """A PIN is set: changing it needs the current one."""

    code = "current_pin_required"
    status = 409


class PinNotSet(PinProblem):
    code = "pin_not_set"
    status = 409


class PinWrong(PinProblem):
    """`attempts_left` before the lockout."""

    code = "pin_wrong"
    status = 403


class PinLocked(PinProblem):
    """`locked_until` (ISO 8601, UTC)."""

    code = "pin_locked"
    status = 423


def check_new_pin(pin: str) -> str:
    """The PIN if it may be set; `PinInvalid` otherwise."""
    if not (pin.isascii() and pin.isdigit() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise PinInvalid(f"a PIN has {MIN_DIGITS} to {MAX_DIGITS} digits")
    if len(set(pin)) == 1:
        raise PinInvalid("a PIN of one digit repeated is too easy to guess")
    return pin


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """"scrypt$n$r$p$salt$hash" with a new random salt (or `salt`)."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, dklen=HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def pin_matches(stored: str, pin: str) -> bool:
    """Whether `pin` gives `stored` (with the parameters stored with it); constant time."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(expected)
        digest = hashlib.scrypt(pin.encode("utf-8"), salt=base64.b64decode(salt), n=int(n),
                                r=int(r), p=int(p), dklen=len(want))
    except (ValueError, UnicodeError):
        return False
    return hmac.compare_digest(digest, want)


def lock_length(lockouts: int) -> timedelta:
    """How long the `lockouts`-th lockout lasts: 15 min, 30, 60, ... at most a day."""
    return min(FIRST_LOCK * 2 ** max(lockouts - 1, 0), LONGEST_LOCK)


@dataclass(frozen=True)
class PinState:
    pin_set: bool
    locked_until: datetime | None  # None unless locked now

    def to_json(self) -> dict[str, object]:
        until = self.locked_until
        return {"pin_set": self.pin_set,
                "pin_locked_until": None if until is None else until.isoformat()}


def _row(session: Session, person_id: str, lock: bool = False) -> WalletPin | None:
    query = select(WalletPin).where(col(WalletPin.person_id) == person_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def _locked_until(row: WalletPin, now: datetime) -> datetime | None:
    if row.locked_until is None:
        return None
    until = as_utc(row.locked_until)
    return until if until > now else None


def pin_state(engine: Engine, person_id: str, now: datetime) -> PinState:
    """Whether the resident has a PIN and until when it is locked (for the wallet)."""
    with Session(engine) as session:
        row = _row(session, person_id)
    if row is None:
        return PinState(False, None)
    return PinState(True, _locked_until(row, now))


def verify_pin(engine: Engine, person_id: str, pin: str, now: datetime) -> None:
    """Pass if `pin` is the resident's PIN; otherwise raise `PinNotSet`, `PinLocked` or
    `PinWrong` (after counting the failure; the fifth locks the PIN)."""
    with Session(engine) as session:
        row = _row(session, person_id)
    if row is None:
        raise PinNotSet("set a payment PIN first")
    if (until := _locked_until(row, now)) is not None:
        raise PinLocked("too many wrong PINs: try again later", locked_until=until.isoformat())
    seen_hash = row.pin_hash
    matches = pin_matches(seen_hash, pin)  # the slow part, outside the write lock
    with Session(write_engine(engine)) as session:
        row = _row(session, person_id, lock=True)
        if row is None:
            raise PinNotSet("set a payment PIN first")
        if (until := _locked_until(row, now)) is not None:
            raise PinLocked("too many wrong PINs: try again later",
                            locked_until=until.isoformat())
        if row.pin_hash != seen_hash:  # changed meanwhile: check against the new one
            matches = pin_matches(row.pin_hash, pin)
        if matches:
            if row.failures or row.lockouts:
                row.failures, row.lockouts, row.locked_until = 0, 0, None
                row.updated_at = now
                session.commit()
            return
        row.failures += 1
        row.updated_at = now
        if row.failures >= MAX_FAILURES:
            row.failures = 0
            row.lockouts += 1
            row.locked_until = now + lock_length(row.lockouts)
            locked_until = row.locked_until.isoformat()
            session.commit()
            raise PinLocked("too many wrong PINs: the PIN is locked",
                            locked_until=locked_until)
        attempts_left = MAX_FAILURES - row.failures
        session.commit()
    raise PinWrong("wrong PIN", attempts_left=attempts_left)


def set_pin(engine: Engine, person_id: str, municipality_code: str, pin: str,
            current_pin: str | None, now: datetime) -> None:
    """Set the resident's first PIN, or change it with the current one (`verify_pin`'s
    refusals, or `PinProblem` "current_pin_required")."""
    check_new_pin(pin)
    with Session(engine) as session:
        existing = _row(session, person_id)
    if existing is not None:
        if current_pin is None:
            raise CurrentPinRequired("give the current PIN to change it")
        verify_pin(engine, person_id, current_pin, now)
    new_hash = hash_pin(pin)
    with Session(write_engine(engine)) as session:
        row = _row(session, person_id, lock=True)
        if row is None:
            if existing is not None:  # deleted meanwhile: cannot happen, refuse plainly
                raise PinNotSet("the PIN is gone")
            session.add(WalletPin(person_id=person_id, municipality_code=municipality_code,
                                  pin_hash=new_hash, updated_at=now))
        else:
            if existing is None:  # set by a parallel request: it must be changed instead
                raise CurrentPinRequired("give the current PIN to change it")
            row.pin_hash, row.failures, row.lockouts, row.locked_until = new_hash, 0, 0, None
            row.updated_at = now
        try:
            session.commit()
        except IntegrityError:  # a parallel request set the first PIN
            raise CurrentPinRequired("give the current PIN to change it") from None
