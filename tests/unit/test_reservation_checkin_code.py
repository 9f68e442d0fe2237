"""The check-in code of a booking (backend/tiles/reservations/checkin_code.py): round trip,
forged and garbled codes, a moved booking's old code, QR size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import qrcode

from backend.identity.keys import SigningKey
from backend.tiles.reservations.checkin_code import (
    CheckinReference,
    checkin_code,
    checkin_key,
    read_checkin_code,
    read_checkin_reference,
)

SECRET = bytes(range(32))
BOOKING_ID = "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
SLOT = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_round_trip() -> None:
    code = checkin_code(SECRET, BOOKING_ID, SLOT)
    assert code.startswith("TRS1.")
    assert read_checkin_code(SECRET, code) == BOOKING_ID
    assert read_checkin_reference(SECRET, code) == CheckinReference(BOOKING_ID, SLOT)


def test_the_same_booking_and_slot_give_the_same_code() -> None:
    assert checkin_code(SECRET, BOOKING_ID, SLOT) == checkin_code(
        SECRET, BOOKING_ID, SLOT.astimezone(SLOT.tzinfo))


def test_short_and_qr_alphanumeric() -> None:
    code = checkin_code(SECRET, BOOKING_ID, SLOT)
    assert len(code) <= 60
    assert set(code) <= QR_ALPHANUMERIC
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(code)
    qr.make(fit=True)
    assert qr.version <= 3  # 29 x 29 modules


def test_typed_codes_are_read_whatever_the_case_and_spaces() -> None:
    code = checkin_code(SECRET, BOOKING_ID, SLOT)
    assert read_checkin_code(SECRET, f"  {code.lower()} \n") == BOOKING_ID


def _flip(text: str, index: int) -> str:
    replacement = "B" if text[index] != "B" else "C"
    return text[:index] + replacement + text[index + 1:]


@pytest.mark.parametrize("garble", [
    lambda code: _flip(code, 7),  # in the id
    lambda code: code.replace(".2993", ".2994"),  # another slot
    lambda code: _flip(code, len(code) - 1),  # in the signature
    lambda code: code[:-1],  # cut short
    lambda code: code.replace("TRS1", "TRS2"),
    lambda code: code.replace(".", ":"),
    lambda code: "",
    lambda code: "TRS1...",
    lambda code: code + "A" * 200,
    lambda code: "TPH1.AAAAAAAAAAAAAAAAAAAAAAAAAA.1700000000.AAAAAAAAAAAAAAAAAAAAAAAAAA",
])
def test_forged_or_garbled_codes_are_refused(garble: object) -> None:
    code = checkin_code(SECRET, BOOKING_ID, SLOT)
    assert callable(garble)
    garbled = garble(code)
    assert garbled != code
    assert read_checkin_code(SECRET, garbled) is None
    assert read_checkin_reference(SECRET, garbled) is None


def test_another_key_refuses_the_code() -> None:
    code = checkin_code(SECRET, BOOKING_ID, SLOT)
    assert read_checkin_code(bytes(32), code) is None


def test_a_moved_booking_does_not_match_its_old_code() -> None:
    reference = read_checkin_reference(SECRET, checkin_code(SECRET, BOOKING_ID, SLOT))
    assert reference is not None
    assert reference.is_for_slot(SLOT)
    assert reference.is_for_slot(SLOT.astimezone(SLOT.tzinfo) + timedelta(seconds=30))
    assert not reference.is_for_slot(SLOT + timedelta(minutes=30))


@pytest.mark.parametrize("booking_id", [
    "3F1C2A4E-5B6D-4E7F-8A9B-0C1D2E3F4A5B",  # not the canonical form: kept as it is
    "booking-0001", "x" * 36,
])
def test_other_ids_round_trip_unchanged(booking_id: str) -> None:
    code = checkin_code(SECRET, booking_id, SLOT)
    assert set(code) <= QR_ALPHANUMERIC
    assert read_checkin_code(SECRET, code) == booking_id


def test_naive_slot_start_and_non_ascii_ids_are_errors() -> None:
    with pytest.raises(ValueError, match="aware"):
        checkin_code(SECRET, BOOKING_ID, datetime(2026, 12, 3, 9))
    with pytest.raises(ValueError, match="ASCII"):
        checkin_code(SECRET, "予約", SLOT)


def test_key_is_derived_from_the_signing_key_for_this_purpose_only() -> None:
    signing_key = SigningKey.generate()
    key = checkin_key(signing_key)
    assert len(key) == 32 and key == checkin_key(signing_key)
    assert key != checkin_key(SigningKey.generate())
    code = checkin_code(key, BOOKING_ID, SLOT)
    assert read_checkin_code(key, code) == BOOKING_ID
