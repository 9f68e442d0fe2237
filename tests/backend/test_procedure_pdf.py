"""The official form as a PDF (backend/tiles/procedures/pdf.py): read back with pypdf, the
text holds the city, the title, the people, every visible field's label and value in layout
order, the fee, the identity check and the footer; hidden fields are left out; characters
the font lacks become 〓 instead of an error."""

from __future__ import annotations

import io
import logging
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from backend.tiles.procedures.pdf import (
    FOOTER,
    REPLACEMENT,
    AttachmentLine,
    FeeLine,
    FormSubmission,
    IdentityCheck,
    PersonLine,
    filled_sections,
    render_form_pdf,
)

PRINTED = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 12:00 in Tsuyama


def definition(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format": 1, "id": "child-allowance", "version": 1, "demo": False,
        "title": {"ja": "児童手当の認定請求", "en": "Child allowance: application"},
        "department": "children", "completion": "counter",
        "attachments": [{"id": "bank-card", "label": {"ja": "振込先口座のわかるもの",
                                                      "en": "Bank card"}}],
        "layout": {"sections": [
            {"id": "applicant", "title": {"ja": "請求者", "en": "Applicant"}, "fields": [
                {"field": "applicant_name", "label": {"ja": "氏名", "en": "Name"},
                 "widget": "text"},
                {"field": "relation", "label": {"ja": "児童との続柄", "en": "Relation"},
                 "widget": "select", "options": {"parent": {"ja": "父母", "en": "Parent"},
                                                 "other": {"ja": "その他", "en": "Other"}}},
                {"field": "relation_other", "label": {"ja": "続柄の詳細", "en": "Details"},
                 "widget": "text", "show_if": {"field": "relation", "equals": "other"}},
            ]},
            {"id": "children", "title": {"ja": "対象の児童", "en": "Children"}, "fields": [
                {"field": "children", "label": {"ja": "児童", "en": "Children"},
                 "widget": "members"},
                {"field": "moved_in", "label": {"ja": "転入した", "en": "Moved in"},
                 "widget": "checkbox"},
                {"field": "moved_on", "label": {"ja": "転入日", "en": "Moved on"},
                 "widget": "date", "show_if": {"field": "moved_in", "equals": True}},
                {"field": "remarks", "label": {"ja": "備考", "en": "Remarks"},
                 "widget": "textarea"},
            ]},
        ]},
        "pdf": {"title": "児童手当 認定請求書", "note": "所得の確認は市が行います。"},
    }
    body.update(changes)
    return body


def submission(**changes: Any) -> FormSubmission:
    values: dict[str, Any] = {
        "number": "手-2026-000123",
        "created_at": datetime(2026, 12, 3, 23, 30, tzinfo=UTC),  # 4 Dec in Tsuyama
        "data": {"applicant_name": "津山 花子", "relation": "parent",
                 "relation_other": "隠れた値", "children": [
                     {"name": "津山 一花", "birthdate": "2021-05-05"},
                     {"name": "津山 二郎", "birthdate": "2024-01-20"}],
                 "moved_in": False, "moved_on": "2026-11-01", "remarks": "特になし"},
        "applicant": PersonLine("津山 花子", date(1990, 7, 15), "岡山県津山市山北520"),
        "fee": FeeLine(300, "counter", None),
        "identity_check": IdentityCheck("driver_licence", "職員 こども",
                                        datetime(2026, 12, 4, 2, 5, tzinfo=UTC)),
        "attachments": (AttachmentLine("振込先口座のわかるもの", "bank.jpg", "image/jpeg",
                                       204800),),
    }
    values.update(changes)
    return FormSubmission(**values)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return "".join(text.split())


def test_the_form_holds_the_people_fields_fee_and_check() -> None:
    pdf = render_form_pdf(definition(), submission(), PRINTED)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4 portrait
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=0.5)
    text = flat(text_of(pdf))
    for expected in ("津山市", "児童手当認定請求書", "受付番号手-2026-000123",
                     "申請日2026年12月4日", "津山花子", "1990年7月15日", "岡山県津山市山北520",
                     "児童との続柄父母", "児童2人", "1人目氏名:津山一花、生年月日:2021年5月5日",
                     "2人目氏名:津山二郎、生年月日:2024年1月20日", "転入したいいえ",
                     "備考特になし", "300円（窓口で支払い・未払い）",
                     "運転免許証で確認（確認者職員こども、2026年12月4日11:05）",
                     "bank.jpg（image/jpeg、200KB）", "所得の確認は市が行います。",
                     flat(FOOTER), "1/1"):
        assert expected in text, expected
    assert "隠れた値" not in text  # relation is not "other": the hidden field is dropped
    assert "転入日" not in text  # moved_in is false
    assert "デモ" not in text
    fonts = {str(font["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}  # type: ignore[index]
    assert any("BIZUDPGothic" in font for font in fonts), fonts


def test_a_demo_definition_is_marked_on_every_page_and_long_values_wrap() -> None:
    long_remark = "長い備考です。" * 400
    pdf = render_form_pdf(definition(demo=True), submission(data={
        **submission().data, "remarks": long_remark}), PRINTED)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = flat(page.extract_text())
        assert "デモ（見本）" in text
        assert f"{number}/{len(reader.pages)}" in text
        assert flat(FOOTER) in text
    text = flat(text_of(pdf))
    # Every character printed, over pages: a long value goes on in rows labelled （続き）.
    assert text.count("備") == 400 + 1  # the remark's 400 and the label 備考
    assert text.count("長") == 400
    assert "（続き）" in text


def test_the_pdf_title_falls_back_to_the_japanese_title_and_paid_fees_say_so() -> None:
    paid = FeeLine(600, "points", datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    pdf = render_form_pdf(definition(pdf=None), submission(fee=paid, identity_check=None,
                                                           attachments=()), PRINTED)
    text = flat(text_of(pdf))
    assert "児童手当の認定請求" in text
    assert "600円（ポイントで支払済み2026年12月2日10:00）" in text
    assert "本人確認未確認" in text
    assert "添付書類なし" in text


def test_another_person_the_form_is_for_is_printed() -> None:
    pdf = render_form_pdf(definition(), submission(
        subject=PersonLine("津山 一花", date(2021, 5, 5), "岡山県津山市山北520")), PRINTED)
    text = flat(text_of(pdf))
    assert "対象者氏名津山一花" in text
    assert "対象者生年月日2021年5月5日" in text


def test_characters_missing_from_the_font_become_geta_and_are_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    data = {**submission().data, "applicant_name": "𠮷田 葛\U000e0100飾", "remarks": "a\tb"}
    with caplog.at_level(logging.WARNING, logger="backend.tiles.procedures.pdf"):
        pdf = render_form_pdf(definition(), submission(data=data), PRINTED)
    text = flat(text_of(pdf))
    assert f"{REPLACEMENT}田葛飾" in text  # the variation selector is dropped silently
    assert "U+20BB7" in caplog.text


def test_filled_sections_follow_the_layout_and_the_hidden_field_rule() -> None:
    data = {**submission().data, "relation": "other", "moved_in": True}
    sections = filled_sections(definition(), data)
    assert [s.id for s in sections] == ["applicant", "children"]
    rows = [(r.field, r.label, r.value, r.depth) for s in sections for r in s.rows]
    assert rows == [
        ("applicant_name", "氏名", "津山 花子", 0),
        ("relation", "児童との続柄", "その他", 0),
        ("relation_other", "続柄の詳細", "隠れた値", 0),
        ("children", "児童", "2人", 0),
        ("children", "1人目", "氏名: 津山 一花、生年月日: 2021年5月5日", 1),
        ("children", "2人目", "氏名: 津山 二郎、生年月日: 2024年1月20日", 1),
        ("moved_in", "転入した", "はい", 0),
        ("moved_on", "転入日", "2026年11月1日", 0),
        ("remarks", "備考", "特になし", 0),
    ]
