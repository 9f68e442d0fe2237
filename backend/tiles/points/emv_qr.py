"""EMV merchant-presented QR codes (EMVCo MPM) and their Japanese profile, JPQR: parse a
scanned payload, check it, and build the codes a registered shop shows (ADR 0033).

A payload is a string of data objects, each a 2-digit ID, a 2-digit LEN and LEN characters
of value. LEN counts characters, not bytes (a Japanese merchant name is one character per
kanji); the CRC (object 63, last) is CRC-16/CCITT-FALSE over the UTF-8 bytes of everything
before its four hex digits. Notes and test vectors: EMV_MPM_JPQR_notes.md in the shared
payment data; the JPQR constraints follow mercari/go-emv-code (mpm/jpqr).

No I/O here: `read_jpqr` turns a payload into a `Jpqr` or raises `QrRefused` with one of the
codes of docs/points.md (`malformed`, `crc_mismatch`, `not_jpqr`, `foreign_code`);
`build_jpqr` makes a payload from a `JpqrMerchant`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

# Refusal codes (docs/points.md, POST /points/payments/preview).
MALFORMED = "malformed"
CRC_MISMATCH = "crc_mismatch"
NOT_JPQR = "not_jpqr"
FOREIGN_CODE = "foreign_code"

# Top-level IDs (EMV MPM).
PAYLOAD_FORMAT = "00"
INITIATION = "01"
JPQR_ACCOUNT = "26"
MCC = "52"
CURRENCY = "53"
AMOUNT = "54"
COUNTRY = "58"
MERCHANT_NAME = "59"
MERCHANT_CITY = "60"
POSTAL_CODE = "61"
ADDITIONAL_DATA = "62"
CRC = "63"
LANGUAGE_TEMPLATE = "64"

STATIC = "11"
DYNAMIC = "12"
JPQR_GUI = "jp.or.paymentsjapan"
JAPAN = "JP"
YEN = "392"
JAPANESE = "JA"
REFERENCE = "05"  # Additional Data: reference label

MAX_PAYLOAD = 512  # EMV caps a payload at 512 characters
# Templates: merchant accounts 26-51, additional data, language, unreserved 80-99.
_TEMPLATE_IDS = frozenset({*(f"{n:02d}" for n in range(26, 52)), ADDITIONAL_DATA,
                           LANGUAGE_TEMPLATE, *(f"{n:02d}" for n in range(80, 100))})
# JPQR's 統一店舗識別コード: ID 26's sub-objects and their lengths.
_JPQR_PARTS = {"01": 13, "02": 4, "03": 6, "04": 6}
_DIGITS = re.compile(r"[0-9]+")
_AMOUNT = re.compile(r"[0-9]{1,13}")  # yen: no minor unit, so no decimal point
_CRC_HEX = re.compile(r"[0-9A-Fa-f]{4}")
_MAX_YEN = 10**9


class QrRefused(ValueError):
    """The payload cannot be paid: `code` is one of the refusal codes above."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


@dataclass(frozen=True)
class DataObject:
    id: str
    value: str

    def encode(self) -> str:
        if not 1 <= len(self.value) <= 99:
            raise ValueError(f"object {self.id}: a value has 1 to 99 characters")
        return f"{self.id}{len(self.value):02d}{self.value}"


def parse_objects(text: str, where: str = "payload") -> tuple[DataObject, ...]:
    """Split `text` into data objects (ID, LEN in characters, value); `QrRefused(malformed)`
    when it does not split exactly or an ID repeats."""
    objects: list[DataObject] = []
    seen: set[str] = set()
    position = 0
    while position < len(text):
        head = text[position:position + 4]
        if len(head) < 4 or not head.isascii() or not head.isdigit():
            raise QrRefused(MALFORMED, f"{where}: expected an ID and a length at "
                                       f"character {position}")
        object_id, length = head[:2], int(head[2:])
        value = text[position + 4:position + 4 + length]
        if length == 0 or len(value) != length:
            raise QrRefused(MALFORMED, f"{where}: object {object_id} has a wrong length")
        if object_id in seen:
            raise QrRefused(MALFORMED, f"{where}: object {object_id} appears twice")
        if any(not ch.isprintable() for ch in value):
            raise QrRefused(MALFORMED, f"{where}: object {object_id} has control characters")
        seen.add(object_id)
        objects.append(DataObject(object_id, value))
        position += 4 + length
    return tuple(objects)


@dataclass(frozen=True)
class MerchantQr:
    """A merchant-presented code whose layout and CRC are right (any country)."""

    objects: Mapping[str, str]  # top-level ID -> value (templates still encoded)
    templates: Mapping[str, Mapping[str, str]]  # template ID -> its sub-objects

    @property
    def dynamic(self) -> bool:
        return self.objects.get(INITIATION) == DYNAMIC

    def get(self, object_id: str) -> str | None:
        return self.objects.get(object_id)


def parse_merchant_qr(payload: str) -> MerchantQr:
    """Parse an EMV MPM payload and check its frame: 00 = "01" first, 63 last with the
    right CRC, the required objects present. Refuses with `malformed` or `crc_mismatch`."""
    text = payload.strip()
    if not text or len(text) > MAX_PAYLOAD:
        raise QrRefused(MALFORMED, f"a payload has 1 to {MAX_PAYLOAD} characters")
    objects = parse_objects(text)
    if objects[0].id != PAYLOAD_FORMAT or objects[0].value != "01":
        raise QrRefused(MALFORMED, 'the payload must start with format indicator "000201"')
    last = objects[-1]
    if last.id != CRC or not _CRC_HEX.fullmatch(last.value):
        raise QrRefused(MALFORMED, "the payload must end with its CRC (6304 + 4 hex digits)")
    computed = crc16_ccitt_false(text[:-4].encode("utf-8"))
    if computed != int(last.value, 16):
        raise QrRefused(CRC_MISMATCH, f"the CRC says {last.value.upper()} but the payload "
                                      f"gives {computed:04X}: scanned wrongly or altered")
    values = {o.id: o.value for o in objects}
    templates: dict[str, Mapping[str, str]] = {}
    for object_id, value in values.items():
        if object_id in _TEMPLATE_IDS:
            inner = parse_objects(value, f"template {object_id}")
            templates[object_id] = MappingProxyType({o.id: o.value for o in inner})
    _check_fields(values)
    return MerchantQr(MappingProxyType(values), MappingProxyType(templates))


def _check_fields(values: Mapping[str, str]) -> None:
    if values.get(INITIATION, STATIC) not in (STATIC, DYNAMIC):
        raise QrRefused(MALFORMED, 'point of initiation (01) must be "11" or "12"')
    if not any(f"{n:02d}" in values for n in range(2, 52)):
        raise QrRefused(MALFORMED, "no merchant account information (02-51)")
    for object_id, name, length in ((MCC, "merchant category code", 4),
                                    (CURRENCY, "currency", 3)):
        value = values.get(object_id)
        if value is None or len(value) != length or not _DIGITS.fullmatch(value):
            raise QrRefused(MALFORMED, f"{name} ({object_id}) must be {length} digits")
    for object_id, name in ((COUNTRY, "country"), (MERCHANT_NAME, "merchant name"),
                            (MERCHANT_CITY, "merchant city")):
        if object_id not in values:
            raise QrRefused(MALFORMED, f"{name} ({object_id}) is missing")
    if len(values[COUNTRY]) != 2:
        raise QrRefused(MALFORMED, "country (58) must be two letters")


@dataclass(frozen=True)
class Jpqr:
    """A JPQR merchant-presented code: the shop's 統一店舗識別コード, and what to pay."""

    merchant_id: str  # 26-01: 13 characters, the key of a registered shop
    store_code: str  # 26-01..04 joined: the whole 統一店舗識別コード
    name: str  # 59 (often romanised or a placeholder)
    name_ja: str  # 64-01
    postal_code: str  # 61
    dynamic: bool
    amount: int | None  # 54, yen
    reference: str | None  # 62-05


def read_jpqr(payload: str) -> Jpqr:
    """A payload a resident scanned at a shop, checked as JPQR; `QrRefused` otherwise
    (`malformed`, `crc_mismatch`, `foreign_code` for another country or currency,
    `not_jpqr` for a Japanese code without the JPQR merchant template)."""
    qr = parse_merchant_qr(payload)
    country, currency = qr.objects[COUNTRY], qr.objects[CURRENCY]
    if country != JAPAN or currency != YEN:
        raise QrRefused(FOREIGN_CODE, f"a code of country {country!r} in currency "
                                      f"{currency!r}: only Japanese yen codes can be paid")
    account = qr.templates.get(JPQR_ACCOUNT)
    if account is None or account.get("00") != JPQR_GUI:
        raise QrRefused(NOT_JPQR, "not a JPQR code: no 26 template of jp.or.paymentsjapan")
    for sub_id, length in _JPQR_PARTS.items():
        part = account.get(sub_id)
        if part is None or len(part) != length or not part.isascii():
            raise QrRefused(NOT_JPQR, f"JPQR store code part 26-{sub_id} must have {length} "
                                      "characters")
    postal = qr.objects.get(POSTAL_CODE)
    if postal is None:
        raise QrRefused(NOT_JPQR, "JPQR needs the postal code (61)")
    language = qr.templates.get(LANGUAGE_TEMPLATE)
    if language is None or language.get("00") != JAPANESE or "01" not in language:
        raise QrRefused(NOT_JPQR, 'JPQR needs the Japanese merchant name (64: 00 "JA", 01)')
    if "02" in language:
        raise QrRefused(NOT_JPQR, "JPQR leaves the city out of the language template (64-02)")
    return Jpqr(
        merchant_id=account["01"],
        store_code="".join(account[sub_id] for sub_id in _JPQR_PARTS),
        name=qr.objects[MERCHANT_NAME],
        name_ja=language["01"],
        postal_code=postal,
        dynamic=qr.dynamic,
        amount=_amount(qr.get(AMOUNT)),
        reference=qr.templates.get(ADDITIONAL_DATA, {}).get(REFERENCE),
    )


def _amount(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not _AMOUNT.fullmatch(raw) or not 0 < int(raw) <= _MAX_YEN:
        raise QrRefused(MALFORMED, "the amount (54) must be a whole number of yen above 0")
    return int(raw)


# --- Building -----------------------------------------------------------------------------

@dataclass(frozen=True)
class JpqrMerchant:
    """What a registered shop's code says about it."""

    merchant_id: str  # 13 digits
    name_ja: str  # 64-01 (the shop's name)
    name: str  # 59: a romanised name or a placeholder, at most 25 characters
    city: str  # 60: at most 15 characters
    postal_code: str  # 7 digits (a hyphen is dropped)
    mcc: str = "5999"  # merchant category code
    terminal: str = "0001"  # 26-02
    store_branch: str = "000001"  # 26-03
    store_register: str = "000001"  # 26-04


def encode_objects(objects: Iterable[DataObject]) -> str:
    return "".join(o.encode() for o in objects)


def with_crc(body: str) -> str:
    """`body` with the CRC object appended (`6304` + 4 uppercase hex digits)."""
    framed = body + CRC + "04"
    return framed + f"{crc16_ccitt_false(framed.encode('utf-8')):04X}"


def build_jpqr(merchant: JpqrMerchant, amount: int | None = None,
               reference: str | None = None) -> str:
    """The shop's JPQR: static without an amount, dynamic with one (and a reference)."""
    postal = merchant.postal_code.replace("-", "")
    if len(merchant.merchant_id) != 13 or not merchant.merchant_id.isdigit():
        raise ValueError("a JPQR merchant id has 13 digits")
    if len(postal) != 7 or not postal.isdigit():
        raise ValueError("a postal code has 7 digits")
    if amount is not None and not 0 < amount <= _MAX_YEN:
        raise ValueError("the amount must be 1 to 1,000,000,000 yen")
    account = encode_objects([
        DataObject("00", JPQR_GUI), DataObject("01", merchant.merchant_id),
        DataObject("02", merchant.terminal), DataObject("03", merchant.store_branch),
        DataObject("04", merchant.store_register)])
    objects = [
        DataObject(PAYLOAD_FORMAT, "01"),
        DataObject(INITIATION, STATIC if amount is None else DYNAMIC),
        DataObject(JPQR_ACCOUNT, account),
        DataObject(MCC, merchant.mcc),
        DataObject(CURRENCY, YEN),
    ]
    if amount is not None:
        objects.append(DataObject(AMOUNT, str(amount)))
    objects += [
        DataObject(COUNTRY, JAPAN),
        DataObject(MERCHANT_NAME, merchant.name[:25]),
        DataObject(MERCHANT_CITY, merchant.city[:15]),
        DataObject(POSTAL_CODE, postal),
    ]
    if reference is not None:
        objects.append(DataObject(ADDITIONAL_DATA,
                                  encode_objects([DataObject(REFERENCE, reference)])))
    objects.append(DataObject(LANGUAGE_TEMPLATE, encode_objects([
        DataObject("00", JAPANESE), DataObject("01", merchant.name_ja[:25])])))
    return with_crc(encode_objects(objects))
