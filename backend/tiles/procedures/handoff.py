"""The 書かない窓口 handoff code (docs/procedures.md §4, ADR 0039): the QR a resident shows
at the counter so the clerk opens their filled form; nothing is written by hand.

    TPH1.<id>.<expiry>.<signature>

- `id`: the `procedure_handoff` row, 16 random bytes in upper-case base32 without padding
  (26 characters);
- `expiry`: when the code stops working, Unix seconds in decimal digits;
- `signature`: the first 16 bytes of HMAC-SHA256 over the ASCII text `TPH1.<id>.<expiry>`
  with a key derived (HKDF, its own purpose label) from the backend's signing key, in
  upper-case base32 without padding (26 characters).

Every character is in the QR alphanumeric set (0-9 A-Z and `.`), so the QR is small and the
text under it can be typed by the clerk when the camera fails. The code is a signed
reference: it carries no personal data. The signature turns a forged or mistyped code away
before any database read; a lower-case copy is refused too (a screen where the clerk types
the code upper-cases it before sending). A code lives 10 minutes and is used once: the scan
takes it with a conditional UPDATE (`used_at IS NULL`), so of two clerks scanning at once
exactly one wins. Issuing a new code voids the unused one before it.

The scan refuses, with a `HandoffRefused` reason code:

- `handoff_forged` (422): malformed, bad signature, or no such code;
- `outside_staff_scope` (403): the submission is another department's; checked before
  anything else about the code is told and it does NOT consume the code, so the resident
  can go to the right window with the same code;
- `handoff_replayed` (409): used before, or voided (a newer code, a failed identity check);
- `handoff_expired` (422): past its 10 minutes;
- `handoff_other_resident` (409): the person the code was issued to may no longer act for
  the person the form is for (a revoked delegation, a deleted account);
- `submission_not_at_counter` (409): the submission left `counter` (withdrawn, decided).

Issuing refuses `submission_not_at_counter` too, and `handoff_too_many` (429) after
`MAX_ISSUES_PER_HOUR` codes for one submission in an hour.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from backend.identity.dependencies import OUTSIDE_SCOPE
from backend.identity.keys import SigningKey
from backend.identity.staff_departments import DEPARTMENTS_BY_ID
from backend.models import Person, as_utc
from backend.services.delegation import may_act_for
from backend.tiles.procedures.models import ProcedureHandoff, ProcedureSubmission
from backend.tiles.procedures.status_flow import COUNTER

PREFIX = "TPH1"
LIFETIME = timedelta(minutes=10)
ID_BYTES = 16
SIGNATURE_BYTES = 16
MAX_CODE_LENGTH = 100
# Codes a submission may be given in an hour (each voids the one before): enough for any
# visit to the counter, and a bound on the rows a looping client can make.
MAX_ISSUES_PER_HOUR = 20
DELEGATION_SCOPE = "procedures"
_HKDF_INFO = b"tsuyama-portal procedures handoff codes v1"
_BASE32_26 = r"[A-Z2-7]{26}"
_CODE = re.compile(rf"{PREFIX}\.({_BASE32_26})\.([0-9]{{1,12}})\.({_BASE32_26})")
# The QR alphanumeric mode's characters: every code is made of these only.
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

HANDOFF_FORGED = "handoff_forged"
HANDOFF_EXPIRED = "handoff_expired"
HANDOFF_REPLAYED = "handoff_replayed"
HANDOFF_OTHER_RESIDENT = "handoff_other_resident"
NOT_AT_COUNTER = "submission_not_at_counter"
TOO_MANY = "handoff_too_many"

_STATUS = {HANDOFF_FORGED: 422, HANDOFF_EXPIRED: 422, HANDOFF_REPLAYED: 409,
           HANDOFF_OTHER_RESIDENT: 409, NOT_AT_COUNTER: 409, OUTSIDE_SCOPE: 403,
           TOO_MANY: 429}


class HandoffRefused(Exception):
    """The code (or the submission) cannot be handed over; `code` is the API's reason."""

    def __init__(self, code: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 422)

    def detail(self) -> dict[str, str]:
        return {"code": self.code, "message": f"{self.message_ja}（{self.message_en}）",
                "message_ja": self.message_ja, "message_en": self.message_en}


def _forged(why: str) -> HandoffRefused:
    return HandoffRefused(HANDOFF_FORGED, "市が発行した窓口用のコードではないか、読み取りに"
                          "失敗しました。もう一度読み取るか、コードを入力してください。",
                          f"not a counter code issued by the city, or misread ({why}): "
                          "scan it again or type it")


def _expired() -> HandoffRefused:
    return HandoffRefused(HANDOFF_EXPIRED, "コードの有効期限（10分）が過ぎています。"
                          "アプリで新しいコードを表示してもらってください。",
                          "the code has expired (it lives 10 minutes): ask the resident to "
                          "show a new one in the app")


def _replayed() -> HandoffRefused:
    return HandoffRefused(HANDOFF_REPLAYED, "このコードは使用済みか無効です。"
                          "アプリで新しいコードを表示してもらってください。",
                          "the code was used already or is no longer valid: ask the resident "
                          "to show a new one in the app")


def _other_resident() -> HandoffRefused:
    return HandoffRefused(HANDOFF_OTHER_RESIDENT, "コードを受け取った方は、この申請の対象の方の"
                          "代理ができなくなっています（委任の取消しなど）。",
                          "the person the code was issued to may no longer act for the person "
                          "this application is for (for example, a revoked delegation)")


def not_at_counter(status: str) -> HandoffRefused:
    return HandoffRefused(NOT_AT_COUNTER, f"この申請は窓口での手続きを待っていません（状態: "
                          f"{status}）。", "this application is not waiting for the counter "
                          f"(status: {status})")


def outside_scope(department: str) -> HandoffRefused:
    known = DEPARTMENTS_BY_ID.get(department)
    name_ja, name_en = (known.name_ja, known.name_en) if known else (department, department)
    return HandoffRefused(OUTSIDE_SCOPE, f"この申請は{name_ja}の手続きです。{name_ja}の窓口へ"
                          "ご案内ください（コードはそのまま使えます）。",
                          f"this application is handled by the {name_en}: send the resident "
                          "to its counter (the code stays valid)")


def handoff_key(signing_key: SigningKey) -> bytes:
    """The HMAC key of handoff codes, derived from the backend's signing key."""
    private = signing_key.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=_HKDF_INFO).derive(private)


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _signature(key: bytes, handoff_id: str, expiry: int) -> str:
    signed = f"{PREFIX}.{handoff_id}.{expiry}".encode("ascii")
    return _b32(hmac.new(key, signed, hashlib.sha256).digest()[:SIGNATURE_BYTES])


def make_code(key: bytes, handoff_id: str, expires_at: datetime) -> str:
    expiry = int(expires_at.timestamp())
    return f"{PREFIX}.{handoff_id}.{expiry}.{_signature(key, handoff_id, expiry)}"


def new_handoff_id() -> str:
    return _b32(secrets.token_bytes(ID_BYTES))


@dataclass(frozen=True)
class ReadCode:
    handoff_id: str
    expires_at: datetime


def read_code(key: bytes, code: str) -> ReadCode:
    """The id and expiry of a well-formed code with a good signature; `handoff_forged`
    otherwise. No database read; the expiry is NOT checked here."""
    text = code.strip()
    if len(text) > MAX_CODE_LENGTH:
        raise _forged("too long")
    match = _CODE.fullmatch(text)
    if match is None:
        raise _forged("not in the TPH1 format")
    handoff_id, expiry_text, signature = match.groups()
    expiry = int(expiry_text)
    if not hmac.compare_digest(signature.encode("ascii"),
                               _signature(key, handoff_id, expiry).encode("ascii")):
        raise _forged("bad signature")
    return ReadCode(handoff_id, datetime.fromtimestamp(expiry, UTC))


@dataclass(frozen=True)
class IssuedHandoff:
    code: str
    expires_at: datetime

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "expires_at": self.expires_at.isoformat()}


def issue(session: Session, key: bytes, submission: ProcedureSubmission, person: Person,
          now: datetime) -> IssuedHandoff:
    """A new code for `submission` (in `counter`), issued to `person` (the caller checked
    they may act for it); the unused code issued before is voided. Joins the session's
    transaction: the caller commits (after locking the submission's row)."""
    if submission.status != COUNTER:
        raise not_at_counter(submission.status)
    recent = session.scalar(
        select(func.count()).select_from(ProcedureHandoff)
        .where(col(ProcedureHandoff.submission_id) == submission.id,
               col(ProcedureHandoff.issued_at) > now - timedelta(hours=1)))
    if (recent or 0) >= MAX_ISSUES_PER_HOUR:
        raise HandoffRefused(TOO_MANY, "コードの表示が多すぎます。しばらくしてからもう一度"
                             "お試しください。", f"more than {MAX_ISSUES_PER_HOUR} codes in an "
                             "hour for this application: try again later")
    session.execute(
        update(ProcedureHandoff)
        .where(col(ProcedureHandoff.submission_id) == submission.id,
               col(ProcedureHandoff.used_at).is_(None),
               col(ProcedureHandoff.voided_at).is_(None))
        .values(voided_at=now))
    expires_at = (now + LIFETIME).replace(microsecond=0)
    handoff = ProcedureHandoff(id=new_handoff_id(), submission_id=submission.id,
                               issued_to_person_id=person.id, issued_at=now,
                               expires_at=expires_at)
    session.add(handoff)
    session.flush()
    return IssuedHandoff(make_code(key, handoff.id, expires_at), expires_at)


def may_still_act(session: Session, handoff: ProcedureHandoff,
                  submission: ProcedureSubmission) -> bool:
    """Is the person the code was issued to still themselves the subject, or someone who
    may act for the subject (a parent of a minor child, an active delegation)?"""
    issued_to = session.get(Person, handoff.issued_to_person_id)
    subject = session.get(Person, submission.subject_person_id)
    if issued_to is None or subject is None:
        return False
    return may_act_for(session, issued_to, subject, scope=DELEGATION_SCOPE)


def verify(session: Session, key: bytes, code: str, now: datetime,
           departments: Collection[str] | None = None
           ) -> tuple[ProcedureHandoff, ProcedureSubmission]:
    """The handoff and its submission when `code` may be used now, without using it.

    `departments`: the clerk's departments (None: no department check). The order of the
    checks is the order of the module docstring: a clerk of another department learns
    nothing about the code's state and does not consume it."""
    read = read_code(key, code)
    handoff = session.get(ProcedureHandoff, read.handoff_id)
    if handoff is None or int(as_utc(handoff.expires_at).timestamp()) != int(
            read.expires_at.timestamp()):
        raise _forged("unknown code")
    submission = session.get(ProcedureSubmission, handoff.submission_id)
    if submission is None:
        raise _forged("unknown submission")
    if departments is not None and submission.department not in departments:
        raise outside_scope(submission.department)
    if handoff.used_at is not None or handoff.voided_at is not None:
        raise _replayed()
    if now >= as_utc(handoff.expires_at):
        raise _expired()
    if not may_still_act(session, handoff, submission):
        raise _other_resident()
    if submission.status != COUNTER:
        raise not_at_counter(submission.status)
    return handoff, submission


def use(session: Session, handoff_id: str, clerk_id: str, now: datetime) -> None:
    """Take the code for `clerk_id`, once: a conditional UPDATE in the caller's
    transaction; `handoff_replayed` (or `handoff_expired`) when another scan won."""
    taken = session.execute(
        update(ProcedureHandoff)
        .where(col(ProcedureHandoff.id) == handoff_id,
               col(ProcedureHandoff.used_at).is_(None),
               col(ProcedureHandoff.voided_at).is_(None),
               col(ProcedureHandoff.expires_at) > now)
        .values(used_at=now, used_by_person_id=clerk_id)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.expire_all()
        row = session.get(ProcedureHandoff, handoff_id)
        if row is not None and row.used_at is None and row.voided_at is None:
            raise _expired()
        raise _replayed()
    session.expire_all()


def scan(session: Session, key: bytes, code: str, clerk_id: str,
         departments: Collection[str], now: datetime
         ) -> tuple[ProcedureHandoff, ProcedureSubmission]:
    """Verify and use `code` for the clerk (one of `departments`); the caller commits."""
    handoff, submission = verify(session, key, code, now, departments)
    use(session, handoff.id, clerk_id, now)
    session.refresh(handoff)
    return handoff, submission


def scanned_handoff(session: Session, submission_id: str) -> ProcedureHandoff | None:
    """The latest used, not voided handoff of the submission: a clerk has the resident
    (and their form) at the counter."""
    return session.exec(
        select(ProcedureHandoff)
        .where(col(ProcedureHandoff.submission_id) == submission_id,
               col(ProcedureHandoff.used_at).is_not(None),
               col(ProcedureHandoff.voided_at).is_(None))
        .order_by(col(ProcedureHandoff.used_at).desc())).first()


def void(session: Session, handoff: ProcedureHandoff, now: datetime) -> None:
    """The person at the counter is not who the form says (identity check failed)."""
    handoff.voided_at = now
    session.add(handoff)
