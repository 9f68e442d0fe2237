"""Customer-presented codes (ADR 0033): the resident's app shows a QR that a shop scans
to charge them. Valid for 60 seconds, used at most once.

Token: `TPC1.<id>.<signature>`, where `id` is 16 random bytes and `signature` the first 16
bytes of HMAC-SHA256 over the id with a key derived (HKDF) from the backend's signing key,
both base64url. The signature turns away forged or mistyped tokens without a database
read; the database keeps only the SHA-256 of the id, so a leaked table cannot be replayed.
Using a code is one conditional UPDATE (`used_at IS NULL AND expires_at > now`): of two
shops scanning the same code at once, one wins.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, and_, or_, update
from sqlmodel import Session, col

from backend.db import write_engine
from backend.identity.keys import SigningKey
from backend.models import as_utc
from backend.tiles.points.payment_models import CustomerCode

PREFIX = "TPC1"
LIFETIME = timedelta(seconds=60)
ID_BYTES = 16
SIGNATURE_BYTES = 16
MAX_TOKEN_LENGTH = 80
_HKDF_INFO = b"tsuyama-portal points customer codes v1"

BAD_TOKEN = "bad_token"
TOKEN_EXPIRED = "token_expired"
TOKEN_USED = "token_used"


class CustomerCodeRefused(Exception):
    """`code`: bad_token (422), token_expired (422) or token_used (409)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return 409 if self.code == TOKEN_USED else 422

    def detail(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def code_key(signing_key: SigningKey) -> bytes:
    """The HMAC key of customer codes, derived from the backend's signing key."""
    private = signing_key.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=_HKDF_INFO).derive(private)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, raw_id: bytes) -> bytes:
    return hmac.new(key, PREFIX.encode() + b"." + raw_id, hashlib.sha256).digest()[
        :SIGNATURE_BYTES]


def _digest(raw_id: bytes) -> str:
    return hashlib.sha256(raw_id).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    token: str
    expires_at: datetime

    def to_json(self) -> dict[str, str]:
        return {"token": self.token, "expires_at": self.expires_at.isoformat()}


def issue_code(engine: Engine, key: bytes, person_id: str, municipality_code: str,
               now: datetime) -> IssuedCode:
    """A new code for the resident (the caller checked their PIN)."""
    raw_id = secrets.token_bytes(ID_BYTES)
    expires_at = now + LIFETIME
    with Session(engine) as session:
        session.add(CustomerCode(token_sha256=_digest(raw_id), municipality_code=municipality_code,
                                 person_id=person_id, created_at=now, expires_at=expires_at))
        session.commit()
    return IssuedCode(f"{PREFIX}.{_b64(raw_id)}.{_b64(_sign(key, raw_id))}", expires_at)


def _token_id(key: bytes, token: str) -> bytes:
    """The random id of a well-formed, correctly signed token; `bad_token` otherwise."""
    parts = token.strip().split(".")
    if len(token) > MAX_TOKEN_LENGTH or len(parts) != 3 or parts[0] != PREFIX:
        raise CustomerCodeRefused(BAD_TOKEN, "not a customer code of this city's points")
    try:
        raw_id, signature = _unb64(parts[1]), _unb64(parts[2])
    except (binascii.Error, ValueError):
        raise CustomerCodeRefused(BAD_TOKEN, "the customer code is damaged") from None
    if len(raw_id) != ID_BYTES or not hmac.compare_digest(signature, _sign(key, raw_id)):
        raise CustomerCodeRefused(BAD_TOKEN, "the customer code's signature is wrong")
    return raw_id


@dataclass(frozen=True)
class UsedCode:
    person_id: str
    token_sha256: str


def use_code(engine: Engine, key: bytes, token: str, *, shop_id: str, charge_key: str,
             now: datetime) -> UsedCode:
    """Take the code for `shop_id`'s charge `charge_key`, once. The same shop retrying
    the same charge (same key) gets it again, also after it expired (the ledger then
    answers the first charge again); anyone else gets `token_used`."""
    digest = _digest(_token_id(key, token))
    with Session(write_engine(engine), expire_on_commit=False) as session:
        taken = session.execute(
            update(CustomerCode)
            .where(col(CustomerCode.token_sha256) == digest,
                   or_(and_(col(CustomerCode.used_at).is_(None),
                            col(CustomerCode.expires_at) > now),
                       and_(col(CustomerCode.shop_id) == shop_id,
                            col(CustomerCode.charge_key) == charge_key)))
            .values(used_at=now, shop_id=shop_id, charge_key=charge_key)
            .returning(col(CustomerCode.person_id))).first()
        row = None if taken is not None else session.get(CustomerCode, digest)
        session.commit()
    if taken is not None:
        return UsedCode(str(taken[0]), digest)
    if row is None:
        raise CustomerCodeRefused(BAD_TOKEN, "no such customer code")
    if row.used_at is not None and (row.shop_id, row.charge_key) != (shop_id, charge_key):
        raise CustomerCodeRefused(TOKEN_USED, "this customer code was used already")
    expired = as_utc(row.expires_at) <= now
    raise CustomerCodeRefused(TOKEN_EXPIRED if expired else BAD_TOKEN,
                              "the customer code has expired: ask for a new one")


def release_code(engine: Engine, used: UsedCode, *, shop_id: str, charge_key: str) -> None:
    """Give the code back after the charge was refused (e.g. too few points): it may be
    used again while it is valid."""
    with Session(engine) as session:
        session.execute(
            update(CustomerCode)
            .where(col(CustomerCode.token_sha256) == used.token_sha256,
                   col(CustomerCode.shop_id) == shop_id,
                   col(CustomerCode.charge_key) == charge_key)
            .values(used_at=None, shop_id=None, charge_key=None))
        session.commit()
