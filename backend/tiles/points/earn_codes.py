"""Signed earn codes: the text of a QR code staff print for an event check-in or a
collection point (ADR 0034).

    TSPT1.<payload>.<signature>

`payload` is base64url (no padding) of compact JSON `{"v": 1, "m": municipality code,
"kid": key id, "rule": rule id, "label": what it is for, "place": where (may be ""),
"nbf": valid from (Unix seconds), "exp": valid until (Unix seconds), "nonce": 16 random
bytes, base64url}`; `signature` is base64url of HMAC-SHA256 over the ASCII text
`TSPT1.<payload>` with the municipality's code key `kid` (`points_code_key`, 32 random
bytes, made at the first code). Anyone may read a code; only the backend can make one.
Checking the time is separate from checking the signature: a claim that reaches the
server through offline sync may be up to `OFFLINE_GRACE` late (docs/points.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

PREFIX = "TSPT1."
VERSION = 1
MAX_CODE_LENGTH = 2000
MAX_LABEL = 60
MAX_PLACE = 60
MAX_VALIDITY = timedelta(days=366)
# A claim scanned offline is accepted if it reaches the server this long after `exp`.
OFFLINE_GRACE = timedelta(days=7)

_B64 = re.compile(r"[A-Za-z0-9_-]+")


class CodeRejected(Exception):
    """The code cannot be used; `code` is the API's error code."""

    code = "bad_signature"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadSignature(CodeRejected):
    code = "bad_signature"


class CodeExpired(CodeRejected):
    code = "code_expired"


class NotYetValid(CodeRejected):
    code = "not_yet_valid"


@dataclass(frozen=True)
class EarnCode:
    municipality_code: str
    kid: str
    rule_id: str
    label: str
    place: str
    valid_from: datetime
    valid_until: datetime
    nonce: str

    def claims(self) -> dict[str, Any]:
        return {"v": VERSION, "m": self.municipality_code, "kid": self.kid,
                "rule": self.rule_id, "label": self.label, "place": self.place,
                "nbf": int(self.valid_from.timestamp()),
                "exp": int(self.valid_until.timestamp()), "nonce": self.nonce}

    def check_time(self, now: datetime, grace: timedelta = timedelta(0)) -> None:
        """`NotYetValid` before `valid_from`; `CodeExpired` after `valid_until` + `grace`."""
        if now < self.valid_from:
            raise NotYetValid(f"this code is valid from {self.valid_from.isoformat()}"
                              "（このコードはまだ使えません）")
        if now > self.valid_until + grace:
            raise CodeExpired(f"this code was valid until {self.valid_until.isoformat()}"
                              "（このコードの有効期限が過ぎています）")


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64.fullmatch(text):
        raise BadSignature("not a points code（ポイントのコードではありません）")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BadSignature("not a points code（ポイントのコードではありません）") from None


def new_nonce() -> str:
    return _b64encode(secrets.token_bytes(16))


def new_secret() -> str:
    return _b64encode(secrets.token_bytes(32))


def _sign(secret: str, signed_text: str) -> bytes:
    return hmac.new(_b64decode(secret), signed_text.encode("ascii"), hashlib.sha256).digest()


def make_code(code: EarnCode, secret: str) -> str:
    """The QR text of `code`, signed with `secret` (the key `code.kid`)."""
    payload = json.dumps(code.claims(), ensure_ascii=False, sort_keys=True,
                         separators=(",", ":")).encode("utf-8")
    signed_text = PREFIX + _b64encode(payload)
    return f"{signed_text}.{_b64encode(_sign(secret, signed_text))}"


def _text(claims: dict[str, Any], name: str, max_length: int, allow_empty: bool = False
          ) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or len(value) > max_length or (not value and not allow_empty):
        raise BadSignature(f"the code's {name} is malformed")
    return value


def _instant(claims: dict[str, Any], name: str) -> datetime:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**40:
        raise BadSignature(f"the code's {name} is malformed")
    return datetime.fromtimestamp(value, UTC)


def read_code(text: str, secret_of: Callable[[str, str], str | None]) -> EarnCode:
    """The code's content once its signature checks out; `BadSignature` for anything that
    is not a code this backend made (malformed, another municipality's, unknown key, forged).

    `secret_of(municipality_code, kid)` gives the key's secret or None."""
    text = text.strip()
    if len(text) > MAX_CODE_LENGTH or not text.startswith(PREFIX):
        raise BadSignature("not a points code（ポイントのコードではありません）")
    signed_text, dot, signature_text = text.rpartition(".")
    if not dot or signed_text == PREFIX.rstrip("."):
        raise BadSignature("not a points code（ポイントのコードではありません）")
    signature = _b64decode(signature_text)
    try:
        claims = json.loads(_b64decode(signed_text[len(PREFIX):]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadSignature("not a points code（ポイントのコードではありません）") from None
    if not isinstance(claims, dict) or claims.get("v") != VERSION:
        raise BadSignature("not a points code of this version")
    municipality = _text(claims, "m", 6)
    kid = _text(claims, "kid", 16)
    secret = secret_of(municipality, kid)
    if secret is None or not hmac.compare_digest(_sign(secret, signed_text), signature):
        raise BadSignature("the code's signature is not valid: it was not issued by the "
                           "city（市が発行したコードではありません）")
    return EarnCode(municipality_code=municipality, kid=kid,
                    rule_id=_text(claims, "rule", 64), label=_text(claims, "label", MAX_LABEL),
                    place=_text(claims, "place", MAX_PLACE, allow_empty=True),
                    valid_from=_instant(claims, "nbf"), valid_until=_instant(claims, "exp"),
                    nonce=_text(claims, "nonce", 32))
