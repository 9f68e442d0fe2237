"""The check-in code of a booking (docs/reservations.md §2): the QR the resident shows at the
counter or the kiosk, scanned to mark the booking `checked_in`.

    TRS1.<id>.<slot>.<signature>

- `id`: the booking's id. A canonical UUID (lower case, as the devices make them) is `U`
  and its 16 bytes in base32 (27 characters); any other id is `A` and its ASCII bytes in
  base32;
- `slot`: the booking's slot start in whole minutes since 1970-01-01 UTC, decimal digits;
  a booking moved to another slot gets a new code, and the old one no longer matches it
  (`CheckinReference.is_for_slot`);
- `signature`: the first 10 bytes (80 bits: guessing is an online attack, each guess a
  request) of HMAC-SHA256 over the ASCII text `TRS1.<id>.<slot>`, base32 (16 characters),
  with a key derived (HKDF, its own purpose label) from the backend's signing key, as the
  procedures handoff code's (`checkin_key`).

Base32 without padding is upper case, so every character is in the QR alphanumeric set: a
device's UUID gives 58 characters, a version 3 QR (29 x 29 modules) at error correction
level M, which a phone camera or the kiosk's reads at arm's length. The code is a signed
reference: no personal data, not secret (printing it is fine), no expiry of its own (the
booking's status and day decide whether it checks in). Reading it is case-insensitive and
ignores surrounding spaces, so a clerk may type it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from backend.identity.keys import SigningKey

PREFIX = "TRS1"
SIGNATURE_BYTES = 10
MAX_CODE_LENGTH = 120
_HKDF_INFO = b"tsuyama-portal reservations check-in codes v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UUID_TAG = "U"
_ASCII_TAG = "A"
_CODE = re.compile(rf"{PREFIX}\.([UA][A-Z2-7]{{1,80}})\.([0-9]{{1,10}})\.([A-Z2-7]{{16}})")


@dataclass(frozen=True, slots=True)
class CheckinReference:
    """What a genuine code says: the booking and the slot start it was made for."""

    booking_id: str
    slot_start: datetime  # UTC, whole minutes

    def is_for_slot(self, slot_start: datetime) -> bool:
        """Whether the code was made for the booking's current slot (not moved since)."""
        return self.slot_start == _minutes_to_time(_time_to_minutes(slot_start))


def checkin_key(signing_key: SigningKey) -> bytes:
    """The HMAC key of check-in codes, derived from the backend's signing key (the app's
    `SigningKeyDep`), with the label of this purpose only."""
    key_der = signing_key.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8,
                                                    NoEncryption())
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=_HKDF_INFO).derive(key_der)


def _base32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _unbase32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def _time_to_minutes(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("slot_start must be an aware datetime")
    return (moment - _EPOCH) // timedelta(minutes=1)


def _minutes_to_time(minutes: int) -> datetime:
    return _EPOCH + timedelta(minutes=minutes)


def _id_part(booking_id: str) -> str:
    try:
        parsed = uuid.UUID(booking_id)
    except ValueError:
        parsed = None
    if parsed is not None and str(parsed) == booking_id:
        return _UUID_TAG + _base32(parsed.bytes)
    if not booking_id or not booking_id.isascii():
        raise ValueError("a booking id is ASCII text")
    return _ASCII_TAG + _base32(booking_id.encode("ascii"))


def _booking_id(id_part: str) -> str:
    raw = _unbase32(id_part[1:])
    if id_part[0] == _UUID_TAG:
        return str(uuid.UUID(bytes=raw))
    return raw.decode("ascii")


def _signature(secret: bytes, signed: str) -> str:
    digest = hmac.new(secret, signed.encode("ascii"), hashlib.sha256).digest()
    return _base32(digest[:SIGNATURE_BYTES])


def checkin_code(secret: bytes, booking_id: str, slot_start: datetime) -> str:
    """The check-in code of the booking `booking_id` on the slot starting at `slot_start`
    (aware); `secret` is `checkin_key(signing_key)`."""
    signed = f"{PREFIX}.{_id_part(booking_id)}.{_time_to_minutes(slot_start)}"
    return f"{signed}.{_signature(secret, signed)}"


def read_checkin_reference(secret: bytes, text: str) -> CheckinReference | None:
    """The booking and slot of a genuine code; None for a forged, garbled or mistyped one.
    No database read: the caller then loads the booking and checks `is_for_slot`."""
    code = text.strip().upper()
    if len(code) > MAX_CODE_LENGTH:
        return None
    match = _CODE.fullmatch(code)
    if match is None:
        return None
    id_part, minutes, signature = match.groups()
    expected = _signature(secret, f"{PREFIX}.{id_part}.{minutes}")
    if not hmac.compare_digest(signature.encode("ascii"), expected.encode("ascii")):
        return None
    try:
        booking_id = _booking_id(id_part)
    except (binascii.Error, ValueError):  # signed by us, so only if the format changed
        return None
    return CheckinReference(booking_id, _minutes_to_time(int(minutes)))


def read_checkin_code(secret: bytes, text: str) -> str | None:
    """The booking id of a genuine code; None for a forged, garbled or mistyped one."""
    reference = read_checkin_reference(secret, text)
    return reference.booking_id if reference is not None else None
