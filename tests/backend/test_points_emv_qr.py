"""EMV MPM / JPQR parsing and building (backend/tiles/points/emv_qr.py), with the three
published vectors of EMV_MPM_JPQR_notes.md: mercari's JPQR (valid), phannaly's Cambodian
dynamic code (valid EMV, foreign) and kenmaz's JPQR, whose stated CRC is wrong."""

from __future__ import annotations

import pytest

from backend.tiles.points.emv_qr import (
    CRC_MISMATCH,
    FOREIGN_CODE,
    MALFORMED,
    NOT_JPQR,
    DataObject,
    JpqrMerchant,
    QrRefused,
    build_jpqr,
    crc16_ccitt_false,
    encode_objects,
    parse_merchant_qr,
    parse_objects,
    read_jpqr,
    with_crc,
)

MERCARI_JPQR = (
    "0002016003xxx01021129300012D156000000000510A93FO3230Q31280012D15600000001030812345678"
    "26680019jp.or.paymentsjapan011300000000000010204000103060000010406000001"
    "53033925903xxx64180002JA0108メルペイ カフェ520441115802JP610710661436304DEE9"
)
PHANNALY_GENERIC = (
    "00020101021252044131153137210116372101160123456789ABCDE6010Phnom Penh5913Merchant Shop"
    "5802KH540510.005303840622501081234567802090124444446304A0BA"
)
KENMAZ_JPQR_BAD_CRC = (
    "00020164210002JA0111JPQRMPM本舗食堂53033925903xxx6003xxx610710600325802JP010211"
    "26680019jp.or.paymentsjapan0113000000000000102040001030600000104060000015204412163046D60"
)
SHOP = JpqrMerchant(merchant_id="9990001234567", name_ja="ごんご商店", name="GONGO SHOTEN",
                    city="TSUYAMA", postal_code="708-0022", mcc="5441")


def refusal(payload: str) -> str:
    with pytest.raises(QrRefused) as caught:
        read_jpqr(payload)
    return caught.value.code


def test_crc_is_ccitt_false() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogue's check value


def test_mercari_vector_reads_as_static_jpqr() -> None:
    code = read_jpqr(MERCARI_JPQR)
    assert code.merchant_id == "0000000000001"
    assert code.store_code == "0000000000001" + "0001" + "000001" + "000001"
    assert code.name_ja == "メルペイ カフェ"
    assert code.postal_code == "1066143"
    assert (code.dynamic, code.amount, code.reference) == (False, None, None)


def test_phannaly_vector_is_valid_emv_but_foreign() -> None:
    qr = parse_merchant_qr(PHANNALY_GENERIC)
    assert qr.dynamic and qr.get("54") == "10.00" and qr.get("58") == "KH"
    assert qr.templates["62"] == {"01": "12345678", "02": "012444444"}
    assert refusal(PHANNALY_GENERIC) == FOREIGN_CODE


def test_kenmaz_vector_has_a_wrong_crc() -> None:
    with pytest.raises(QrRefused) as caught:
        parse_merchant_qr(KENMAZ_JPQR_BAD_CRC)
    assert caught.value.code == CRC_MISMATCH
    assert "6D60" in caught.value.message and "0F92" in caught.value.message


def test_kenmaz_body_with_its_crc_recomputed_reads_and_counts_characters() -> None:
    # Everything but the CRC is a proper JPQR: LEN 11 for "JPQRMPM本舗食堂" (characters).
    fixed = with_crc(KENMAZ_JPQR_BAD_CRC[:-8])
    assert fixed.endswith("0F92")
    code = read_jpqr(fixed)
    assert code.name_ja == "JPQRMPM本舗食堂" and code.merchant_id == "0000000000001"


def test_lengths_count_characters_not_bytes() -> None:
    objects = parse_objects("0105ごんご商店0202ab")
    assert objects == (DataObject("01", "ごんご商店"), DataObject("02", "ab"))
    with pytest.raises(QrRefused):
        parse_objects("0115ごんご商店")  # 15 would be the UTF-8 byte count


@pytest.mark.parametrize("payload", [
    "",
    "x" * 600,
    "000201",  # no CRC
    "0002016304",  # CRC object too short
    "0002020102116304ABCD",  # format indicator "02"
    "0102110002016304ABCD",  # format indicator not first
    MERCARI_JPQR[:-8] + "6304XYZW",  # CRC not hex
    MERCARI_JPQR + "0102",  # bytes after the CRC
    "00020100" + MERCARI_JPQR[6:],  # a zero-length object
    "0002010002016304ABCD",  # the same ID twice
])
def test_malformed_frames(payload: str) -> None:
    assert refusal(payload) == MALFORMED


def test_a_changed_character_breaks_the_crc() -> None:
    assert refusal(MERCARI_JPQR.replace("カフェ", "カフエ")) == CRC_MISMATCH


def _jpqr_without(object_id: str, replacement: str = "") -> str:
    """The demo shop's code with one top-level object replaced (the CRC made right)."""
    qr = parse_merchant_qr(build_jpqr(SHOP))
    objects = [DataObject(k, v) for k, v in qr.objects.items() if k != "63"]
    rebuilt = [o if o.id != object_id else DataObject(object_id, replacement)
               for o in objects if o.id != object_id or replacement]
    return with_crc(encode_objects(rebuilt))


@pytest.mark.parametrize(("object_id", "replacement", "code"), [
    ("58", "US", FOREIGN_CODE),
    ("53", "840", FOREIGN_CODE),
    ("61", "", NOT_JPQR),
    ("64", "", NOT_JPQR),
    ("64", "0002EN0105GONGO", NOT_JPQR),
    ("64", "0002JA0105ごんご商店0202津山", NOT_JPQR),
    ("26", "0010jp.example011399900012345670204000103060000010406000001", NOT_JPQR),
    ("26", "0019jp.or.paymentsjapan0112999000123456", NOT_JPQR),
    ("52", "54", MALFORMED),
    ("53", "", MALFORMED),
    ("59", "", MALFORMED),
    ("01", "13", MALFORMED),
])
def test_jpqr_rules(object_id: str, replacement: str, code: str) -> None:
    assert refusal(_jpqr_without(object_id, replacement)) == code


def test_a_code_without_any_merchant_account_is_malformed() -> None:
    payload = with_crc(encode_objects([
        DataObject("00", "01"), DataObject("52", "5999"), DataObject("53", "392"),
        DataObject("58", "JP"), DataObject("59", "X"), DataObject("60", "Y")]))
    assert refusal(payload) == MALFORMED


def test_static_code_round_trip() -> None:
    payload = build_jpqr(SHOP)
    code = read_jpqr(payload)
    assert (code.merchant_id, code.name_ja, code.postal_code) == (
        "9990001234567", "ごんご商店", "7080022")
    assert (code.dynamic, code.amount, code.reference) == (False, None, None)
    assert payload.startswith("000201010211") and payload[-8:-4] == "6304"


def test_dynamic_code_round_trip() -> None:
    code = read_jpqr(build_jpqr(SHOP, amount=1280, reference="R-0001"))
    assert (code.dynamic, code.amount, code.reference) == (True, 1280, "R-0001")


@pytest.mark.parametrize("amount", ["0", "10.00", "-5", "12345678901234"])
def test_amounts_must_be_whole_positive_yen(amount: str) -> None:
    payload = build_jpqr(SHOP, amount=1)
    qr = parse_merchant_qr(payload)
    objects = [DataObject(k, amount if k == "54" else v)
               for k, v in qr.objects.items() if k != "63"]
    assert refusal(with_crc(encode_objects(objects))) == MALFORMED


def test_building_refuses_bad_shop_data() -> None:
    for bad in (JpqrMerchant("123", "店", "S", "C", "7080022"),
                JpqrMerchant("9990001234567", "店", "S", "C", "708")):
        with pytest.raises(ValueError):
            build_jpqr(bad)
    with pytest.raises(ValueError):
        build_jpqr(SHOP, amount=0)
