"""The official form of a submission as a PDF (docs/procedures.md §4, ADR 0039).

The clerk prints it after the 書かない窓口 scan and the identity check: A4 portrait in the
bundled BIZ UDPGothic (embedded as a subset, so the text can be searched and copied), with
the city, the form's title (the definition's `pdf.title`, else its Japanese title), the
受付番号 and the dates, the applicant (and the person the form is for), every visible
field in layout order section by section, the fee and whether it is paid, the identity
check, the attachments, and a footer saying nothing was written by hand, with page
numbers. A demo definition is marked デモ on every page.

Rendering takes plain data (the definition's JSON and a `FormSubmission`), so it is tested
without a database; `filled_sections` is also what the clerk's scan shows on screen.
A character the font lacks is printed as 〓 and logged, never an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from backend.services.clock import CITY_TIME_ZONE

log = logging.getLogger(__name__)

FONT_PATH = (Path(__file__).resolve().parents[3] / "assets" / "fonts"
             / "BIZUDPGothic-Regular-subset.ttf")
FONT = "BIZUDPGothic"
CITY_NAME = "津山市"
REPLACEMENT = "〓"  # 下駄記号: the printers' mark for a character the type case lacks
FOOTER = "この様式は津山ポータルの申請内容から作成されました（手書き不要）"
DEMO_MARK = "デモ（見本）: 実際の申請ではありません"
EMPTY_VALUE = "—"
YES, NO = "はい", "いいえ"
LABEL_WIDTH, VALUE_WIDTH, PADDING, LINE_HEIGHT = 55.0, 119.0, 2.0, 6.0  # mm
MAX_ROW_LINES = 30  # a row this high still fits a page (with the demo mark)

IDENTITY_DOCUMENTS: dict[str, str] = {
    "my_number_card": "マイナンバーカード",
    "driver_licence": "運転免許証",
    "passport": "パスポート",
    "other": "その他の本人確認書類",
}
FEE_METHODS: dict[str, str] = {"points": "ポイント", "counter": "窓口"}
# Labels of the keys of a `members` entry (household.minor_children: name, birthdate).
MEMBER_KEYS: dict[str, str] = {"name": "氏名", "birthdate": "生年月日", "relation": "続柄",
                               "gender": "性別"}

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Variation selectors (an IVS picks a glyph variant): dropped, the base character stays.
_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_KEEP = frozenset("\n")


@dataclass(frozen=True)
class FilledRow:
    """One line of the form: a field's label and its value as printed. `depth` 1 is a
    sub-row (one member of a `members` field)."""

    field: str
    label: str
    value: str
    depth: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "label": self.label, "value": self.value,
                "depth": self.depth}


@dataclass(frozen=True)
class FilledSection:
    id: str
    title: str
    rows: tuple[FilledRow, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "rows": [r.to_json() for r in self.rows]}


@dataclass(frozen=True)
class PersonLine:
    """A person as the form shows them (the verified profile at the time of printing)."""

    name: str
    birthdate: date | None = None
    address: str | None = None


@dataclass(frozen=True)
class IdentityCheck:
    document: str  # a key of IDENTITY_DOCUMENTS
    checked_by: str  # the clerk's name
    checked_at: datetime


@dataclass(frozen=True)
class FeeLine:
    amount_yen: int
    method: str | None  # "points" | "counter" | None (not chosen yet)
    paid_at: datetime | None


@dataclass(frozen=True)
class AttachmentLine:
    label: str  # the definition's slot label (or the slot id)
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class FormSubmission:
    """What the PDF prints of a submission (plain values; the routes fill it)."""

    number: str
    created_at: datetime
    data: Mapping[str, Any]
    applicant: PersonLine
    subject: PersonLine | None = None  # None when the applicant applies for themselves
    fee: FeeLine | None = None
    identity_check: IdentityCheck | None = None
    attachments: Sequence[AttachmentLine] = field(default_factory=tuple)


def _ja(text: Any, fallback: str = "") -> str:
    """The Japanese text of a `{"ja", "en"}` object (or a plain string)."""
    if isinstance(text, str):
        return text
    if isinstance(text, Mapping):
        value = text.get("ja") or text.get("en")
        if isinstance(value, str):
            return value
    return fallback


def form_title(definition: Mapping[str, Any]) -> str:
    pdf = definition.get("pdf")
    title = pdf.get("title") if isinstance(pdf, Mapping) else None
    return title if isinstance(title, str) and title.strip() else _ja(
        definition.get("title"), str(definition.get("id", "")))


def japanese_day(value: date | datetime | str | None) -> str:
    """2026年12月4日 (a datetime is taken in the city's time zone)."""
    if value is None:
        return EMPTY_VALUE
    if isinstance(value, datetime):
        value = value.astimezone(CITY_TIME_ZONE).date()
    if isinstance(value, str):
        match = _DAY.fullmatch(value.strip())
        if not match:
            return value
        return f"{int(match[1])}年{int(match[2])}月{int(match[3])}日"
    return f"{value.year}年{value.month}月{value.day}日"


def japanese_time(value: datetime) -> str:
    """2026年12月4日 10:05 in the city's time zone."""
    local = value.astimezone(CITY_TIME_ZONE)
    return f"{japanese_day(local.date())} {local:%H:%M}"


def show_if_holds(rule: Any, data: Mapping[str, Any]) -> bool:
    """Does a field's `show_if` hold for `data` (the values kept so far)? No rule: shown."""
    if not isinstance(rule, Mapping):
        return True
    value = data.get(str(rule.get("field")))
    if "equals" in rule:
        return bool(value == rule["equals"])
    choices = rule.get("in")
    if isinstance(choices, list):
        return value in choices
    return True


def _option_label(layout_field: Mapping[str, Any], value: Any) -> str:
    options = layout_field.get("options")
    if isinstance(options, Mapping) and isinstance(value, str) and value in options:
        return _ja(options[value], value)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None or value == "":
        return EMPTY_VALUE
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)


def _member_text(member: Any) -> str:
    if not isinstance(member, Mapping):
        return _scalar(member)
    parts = []
    for key, value in member.items():
        if value is None or value == "":
            continue
        shown = japanese_day(value) if key == "birthdate" else _scalar(value)
        parts.append(f"{MEMBER_KEYS.get(str(key), str(key))}: {shown}")
    return "、".join(parts) or EMPTY_VALUE


def _rows_of(layout_field: Mapping[str, Any], name: str, value: Any) -> list[FilledRow]:
    label = _ja(layout_field.get("label"), name)
    widget = layout_field.get("widget")
    if widget == "members" or (isinstance(value, list) and value
                               and all(isinstance(v, Mapping) for v in value)):
        members = value if isinstance(value, list) else []
        rows = [FilledRow(name, label, f"{len(members)}人" if members else EMPTY_VALUE)]
        rows += [FilledRow(name, f"{index}人目", _member_text(member), depth=1)
                 for index, member in enumerate(members, start=1)]
        return rows
    if isinstance(value, list):
        shown = "、".join(_option_label(layout_field, item) for item in value) or EMPTY_VALUE
    elif widget in ("select", "radio"):
        shown = _option_label(layout_field, value)
    elif widget == "date" and isinstance(value, str):
        shown = japanese_day(value)
    else:
        shown = _scalar(value)
    return [FilledRow(name, label, shown)]


def filled_sections(definition: Mapping[str, Any], data: Mapping[str, Any]
                    ) -> list[FilledSection]:
    """The visible fields of `data` in layout order, section by section, as printed.

    A field whose `show_if` does not hold is hidden (its value dropped, as on the device and
    at submission); a section with no visible field is left out."""
    layout = definition.get("layout")
    sections = layout.get("sections") if isinstance(layout, Mapping) else None
    kept: dict[str, Any] = {}
    result: list[FilledSection] = []
    for index, section in enumerate(sections if isinstance(sections, list) else []):
        if not isinstance(section, Mapping):
            continue
        rows: list[FilledRow] = []
        for layout_field in section.get("fields") or []:
            if not isinstance(layout_field, Mapping) or not isinstance(
                    layout_field.get("field"), str):
                continue
            name = layout_field["field"]
            if not show_if_holds(layout_field.get("show_if"), kept):
                continue
            value = data.get(name)
            kept[name] = value
            rows += _rows_of(layout_field, name, value)
        if rows:
            section_id = str(section.get("id") or f"section-{index + 1}")
            result.append(FilledSection(section_id, _ja(section.get("title"), section_id),
                                        tuple(rows)))
    return result


def attachment_label(definition: Mapping[str, Any], slot: str) -> str:
    for attachment in definition.get("attachments") or []:
        if isinstance(attachment, Mapping) and attachment.get("id") == slot:
            return _ja(attachment.get("label"), slot)
    return slot


def fee_text(fee: FeeLine | None) -> str:
    if fee is None or fee.amount_yen <= 0:
        return "なし"
    amount = f"{fee.amount_yen:,}円"
    if fee.paid_at is not None:
        how = FEE_METHODS.get(fee.method or "", fee.method or "")
        return f"{amount}（{how}で支払済み {japanese_time(fee.paid_at)}）"
    if fee.method == "counter":
        return f"{amount}（窓口で支払い・未払い）"
    if fee.method == "points":
        return f"{amount}（ポイントで支払い・未払い）"
    return f"{amount}（未払い）"


def identity_text(check: IdentityCheck | None) -> str:
    if check is None:
        return "未確認"
    document = IDENTITY_DOCUMENTS.get(check.document, check.document)
    return f"{document}で確認（確認者 {check.checked_by}、{japanese_time(check.checked_at)}）"


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


@cache
def _font_cmap() -> frozenset[int]:
    probe = FPDF()
    probe.add_font(FONT, fname=str(FONT_PATH))
    cmap = getattr(probe.fonts[FONT.lower()], "cmap", {})
    return frozenset(int(code) for code in cmap)


class _Form(FPDF):
    """A4 portrait with the footer (and the demo mark) on every page."""

    def __init__(self, demo: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.demo = demo
        self.missing: set[str] = set()
        self.add_font(FONT, fname=str(FONT_PATH))
        self.set_font(FONT, size=10)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(18, 16, 18)
        self.alias_nb_pages()

    def printable(self, text: str) -> str:
        """`text` with every character the font lacks as 〓 (logged once per document)."""
        cmap = _font_cmap()
        text = _SELECTORS.sub("", text)
        out = []
        for char in text:
            if char in _KEEP or ord(char) in cmap:
                out.append(char)
            elif char in "\t\r\u3000":  # the font has no ideographic space
                out.append("  " if char == "\u3000" else " ")
            else:
                self.missing.add(char)
                out.append(REPLACEMENT)
        return "".join(out)

    def header(self) -> None:
        if not self.demo:
            return
        self.set_font(FONT, size=12)
        self.set_text_color(200, 0, 0)
        self.cell(0, 7, self.printable(DEMO_MARK), border=1, align="C",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(2)
        self.set_font(FONT, size=10)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, size=8)
        self.set_text_color(80, 80, 80)
        self.cell(0, 5, self.printable(FOOTER), align="C", new_x=XPos.LMARGIN,
                  new_y=YPos.NEXT)
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _table(pdf: _Form, rows: Sequence[tuple[str, str, int]], heading: str | None = None
           ) -> None:
    """A two-column table of (label, value, depth); values wrap, rows split over pages."""
    if heading:
        pdf.set_font(FONT, size=11)
        pdf.set_fill_color(230, 236, 245)
        pdf.cell(0, 7, pdf.printable(heading), border=1, fill=True, new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
        pdf.set_font(FONT, size=10)
    label_style = FontFace(fill_color=(245, 245, 245))
    with pdf.table(col_widths=(LABEL_WIDTH, VALUE_WIDTH), first_row_as_headings=False,
                   line_height=LINE_HEIGHT, text_align=("LEFT", "LEFT"),
                   wrapmode=WrapMode.CHAR, padding=(1.5, PADDING, 1.5, PADDING),
                   v_align="TOP") as table:
        for label, value, depth in rows:
            for index, chunk in enumerate(_chunks(pdf, pdf.printable(value))):
                row = table.row()
                shown = label if index == 0 else "（続き）"
                row.cell(pdf.printable(("    " * depth) + shown), style=label_style)
                row.cell(chunk)
    pdf.ln(4)


def _chunks(pdf: _Form, value: str) -> list[str]:
    """`value` cut into pieces of at most MAX_ROW_LINES printed lines: a table row cannot
    continue on the next page, so a long text becomes several rows."""
    lines = pdf.multi_cell(VALUE_WIDTH - 2 * PADDING, LINE_HEIGHT, value, dry_run=True,
                           output="LINES", wrapmode=WrapMode.CHAR)
    assert isinstance(lines, list)
    if len(lines) <= MAX_ROW_LINES:
        return [value]
    return ["\n".join(lines[start:start + MAX_ROW_LINES])
            for start in range(0, len(lines), MAX_ROW_LINES)]


def render_form_pdf(definition: Mapping[str, Any], submission: FormSubmission,
                    printed_at: datetime) -> bytes:
    """The official form of `submission` (made from `definition`) as PDF bytes."""
    pdf = _Form(demo=bool(definition.get("demo")))
    pdf.set_title(pdf.printable(form_title(definition)))
    pdf.set_author(CITY_NAME)
    pdf.set_creator("津山ポータル")
    pdf.set_creation_date(printed_at)
    pdf.add_page()

    pdf.set_font(FONT, size=11)
    pdf.cell(0, 6, CITY_NAME, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=18)
    pdf.multi_cell(0, 10, pdf.printable(form_title(definition)), align="C",
                   wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, pdf.printable(f"受付番号 {submission.number}　申請日 "
                                 f"{japanese_day(submission.created_at)}　作成日 "
                                 f"{japanese_day(printed_at)}"),
             align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    people = [("申請者 氏名", submission.applicant.name, 0),
              ("申請者 生年月日", japanese_day(submission.applicant.birthdate), 0),
              ("申請者 住所", submission.applicant.address or EMPTY_VALUE, 0)]
    if submission.subject is not None:
        people += [("対象者 氏名", submission.subject.name, 0),
                   ("対象者 生年月日", japanese_day(submission.subject.birthdate), 0),
                   ("対象者 住所", submission.subject.address or EMPTY_VALUE, 0)]
    _table(pdf, people, "申請者（マイナンバーカードの情報）")

    for section in filled_sections(definition, submission.data):
        _table(pdf, [(row.label, row.value, row.depth) for row in section.rows],
               section.title)

    office = [("手数料", fee_text(submission.fee), 0),
              ("本人確認", identity_text(submission.identity_check), 0)]
    if submission.attachments:
        office.append(("添付書類", f"{len(submission.attachments)}件", 0))
        office += [(a.label, f"{a.name}（{a.content_type}、{_size_text(a.size)}）", 1)
                   for a in submission.attachments]
    else:
        office.append(("添付書類", "なし", 0))
    _table(pdf, office, "窓口記入欄")

    pdf_part = definition.get("pdf")
    note = _ja(pdf_part.get("note")) if isinstance(pdf_part, Mapping) else ""
    if note.strip():
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(0, 5, pdf.printable(note), wrapmode=WrapMode.CHAR,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if pdf.missing:
        log.warning("form %s: %d characters not in the font printed as %s: %s",
                    submission.number, len(pdf.missing), REPLACEMENT,
                    " ".join(f"U+{ord(c):04X}" for c in sorted(pdf.missing)))
    return bytes(pdf.output())
