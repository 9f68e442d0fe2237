"""What the procedures tile's staff routes answer (docs/procedures.md §2–§4), as the staff
screens read it: a submission's list row and its detail (filled fields with their labels,
attachments, history), the result of scanning a 書かない窓口 handoff code, and a downloaded
file (an attachment, the official form as a PDF).

Parsing is lenient about what is optional (a missing label falls back to the field's id, a
missing moment is None) and strict about what the screens cannot do without (ids, the
status): those raise `BackendProtocolError`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend_client.dto import parse_moment
from backend_client.errors import BackendProtocolError

# Every status of docs/procedures.md §2, in the order the screens list them.
STATUSES: tuple[str, ...] = ("received", "counter", "reviewing", "returned", "completed",
                             "rejected", "withdrawn")
# The kinds of identity document a clerk may record (`identity-check`).
IDENTITY_DOCUMENTS: tuple[str, ...] = ("my_number_card", "driver_licence", "passport", "other")


def parse_day(raw: object) -> date | None:
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BackendProtocolError(f"{what}: expected an object")
    return data


def _required_text(row: dict[str, Any], key: str, what: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise BackendProtocolError(f"{what}: field {key!r} should be a non-empty string")
    return value


def _text(row: dict[str, Any], *keys: str) -> str:
    """The first of `keys` that holds a string, else ""."""
    for key in keys:
        value = row.get(key)
        if isinstance(value, str):
            return value
    return ""


def _int(row: dict[str, Any], key: str) -> int | None:
    value = row.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Localized:
    """A text in Japanese and English (a definition's `{"ja": ..., "en": ...}`)."""

    ja: str
    en: str = ""

    def text(self, language: str) -> str:
        if language == "ja":
            return self.ja or self.en
        return self.en or self.ja

    @classmethod
    def of(cls, raw: object, fallback: str = "") -> Localized:
        if isinstance(raw, dict):
            ja, en = raw.get("ja"), raw.get("en")
            return cls(ja if isinstance(ja, str) else fallback,
                       en if isinstance(en, str) else "")
        if isinstance(raw, str) and raw:
            return cls(raw, raw)
        return cls(fallback, fallback)


def _status(row: dict[str, Any], what: str) -> str:
    status = _required_text(row, "status", what)
    if status not in STATUSES:
        raise BackendProtocolError(f"{what}: unknown status {status!r}")
    return status


def _applicant(row: dict[str, Any]) -> tuple[str, str, date | None]:
    """(id, name, birthdate) from `applicant: {id, name, birthdate}` or flat fields."""
    nested = row.get("applicant")
    if isinstance(nested, dict):
        return (_text(nested, "id", "common_id") or _text(row, "applicant_id"),
                _text(nested, "name") or _text(row, "applicant_name"),
                parse_day(nested.get("birthdate")) or parse_day(row.get("applicant_birthdate")))
    return (_text(row, "applicant_id"), _text(row, "applicant_name"),
            parse_day(row.get("applicant_birthdate")))


def _subject_name(row: dict[str, Any]) -> str:
    """`subject_name`, or the name of `subject: {name}` (the counter's answer)."""
    nested = row.get("subject")
    if isinstance(nested, dict) and isinstance(nested.get("name"), str):
        return str(nested["name"])
    return _text(row, "subject_name")


@dataclass(frozen=True)
class SubmissionRow:
    """One submission in a department's list."""

    id: str
    number: str  # 受付番号
    procedure_id: str
    title: Localized  # the procedure's title
    status: str
    applicant_id: str
    applicant_name: str
    subject_name: str  # who the form is for when not the applicant ("" otherwise)
    created_at: datetime | None
    updated_at: datetime | None
    department: str = ""  # the procedure's department, when the backend names it

    @classmethod
    def from_json(cls, data: Any) -> SubmissionRow:
        what = "submission"
        row = _object(data, what)
        applicant_id, applicant_name, _ = _applicant(row)
        procedure_id = _required_text(row, "procedure_id", what)
        title = row.get("procedure_title", row.get("title"))
        return cls(id=_required_text(row, "id", what), number=_text(row, "number"),
                   procedure_id=procedure_id, title=Localized.of(title, procedure_id),
                   status=_status(row, what), applicant_id=applicant_id,
                   applicant_name=applicant_name, subject_name=_subject_name(row),
                   created_at=parse_moment(row.get("created_at")),
                   updated_at=parse_moment(row.get("updated_at")),
                   department=_text(row, "department"))


@dataclass(frozen=True)
class FilledField:
    """One field of the form as staff read it: its label, the section it is in and the
    value as text (`value` keeps what was sent)."""

    field: str
    label: Localized
    section: Localized
    value: Any
    shown: str = ""  # the backend's own rendering of the value (an option's label), if any
    depth: int = 0  # 1: a sub-row (one member of a `members` field)

    @classmethod
    def from_json(cls, data: Any, section: Localized | None = None) -> FilledField:
        row = _object(data, "field")
        name = _required_text(row, "field", "field")
        shown = row.get("display", row.get("value_text"))
        if isinstance(shown, dict):
            shown = shown.get("ja") or shown.get("en")
        if shown is None and isinstance(row.get("value"), str):
            shown = row["value"]  # the counter's rows: the value as printed
        return cls(field=name, label=Localized.of(row.get("label"), name),
                   section=section or Localized.of(row.get("section_title",
                                                           row.get("section"))),
                   value=row.get("value"), shown=shown if isinstance(shown, str) else "",
                   depth=_int(row, "depth") or 0)

    @classmethod
    def from_sections(cls, sections: Any) -> tuple[FilledField, ...]:
        """The counter's `sections: [{id, title, rows: [{field, label, value, depth}]}]`."""
        if not isinstance(sections, list):
            return ()
        found: list[FilledField] = []
        for section in sections:
            if not isinstance(section, dict) or not isinstance(section.get("rows"), list):
                continue
            title = Localized.of(section.get("title"))
            found.extend(cls.from_json(row, title) for row in section["rows"])
        return tuple(found)


@dataclass(frozen=True)
class AttachmentInfo:
    """A file the resident added to the submission."""

    attachment_id: str
    slot: str
    name: str
    content_type: str
    size: int | None
    label: Localized

    @classmethod
    def from_json(cls, data: Any) -> AttachmentInfo:
        row = _object(data, "attachment")
        attachment_id = _text(row, "attachment_id", "id")
        if not attachment_id:
            raise BackendProtocolError("attachment: no attachment_id")
        slot = _text(row, "slot")
        return cls(attachment_id=attachment_id, slot=slot,
                   name=_text(row, "name") or attachment_id,
                   content_type=_text(row, "content_type"), size=_int(row, "size"),
                   label=Localized.of(row.get("label"), slot))


@dataclass(frozen=True)
class HistoryEvent:
    """One move of the submission's status (who, when, from, to, why)."""

    at: datetime | None
    by: str
    from_status: str
    to_status: str
    reason: str

    @classmethod
    def from_json(cls, data: Any) -> HistoryEvent:
        row = _object(data, "history event")
        by = row.get("by", row.get("actor_name", row.get("actor_kind")))
        if isinstance(by, dict):
            by = by.get("name") or by.get("role") or ""
        return cls(at=parse_moment(row.get("at", row.get("created_at"))),
                   by=by if isinstance(by, str) else "",
                   from_status=_text(row, "from", "from_status"),
                   to_status=_text(row, "to", "to_status"), reason=_text(row, "reason"))


@dataclass(frozen=True)
class StaffSubmission:
    """A submission as its department's staff read it."""

    row: SubmissionRow
    procedure_version: int | None
    completion: str  # "online" | "counter" ("" when not said)
    applicant_birthdate: date | None
    data: dict[str, Any]
    fields: tuple[FilledField, ...]  # in layout order, when the backend labels them
    attachments: tuple[AttachmentInfo, ...]
    history: tuple[HistoryEvent, ...]
    fix_fields: tuple[str, ...]
    reason: str
    identity_checked: bool  # the counter's identity check was done (counter procedures)
    fee_amount_yen: int | None = None
    fee_method: str = ""
    fee_paid: bool = False

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def number(self) -> str:
        return self.row.number

    @property
    def status(self) -> str:
        return self.row.status

    @classmethod
    def from_json(cls, data: Any) -> StaffSubmission:
        what = "submission"
        row = _object(data, what)
        if isinstance(row.get("submission"), dict):  # {"submission": {...}, ...}
            row = {**row["submission"], **{k: v for k, v in row.items() if k != "submission"}}
        _, _, birthdate = _applicant(row)
        raw_data = row.get("data")
        fields = row.get("fields")
        attachments = row.get("attachments")
        history = row.get("history")
        fee = row.get("fee") if isinstance(row.get("fee"), dict) else {}
        identity = row.get("identity_check", row.get("identity"))
        checked = (row.get("identity_checked") is True
                   or parse_moment(row.get("identity_checked_at")) is not None
                   or (isinstance(identity, dict) and (identity.get("matches") is True
                                                       or bool(identity.get("checked_at"))))
                   or (isinstance(identity, str) and bool(identity)))
        return cls(
            row=SubmissionRow.from_json(row),
            procedure_version=_int(row, "procedure_version"),
            completion=_text(row, "completion"),
            applicant_birthdate=birthdate,
            data=dict(raw_data) if isinstance(raw_data, dict) else {},
            fields=tuple(FilledField.from_json(f) for f in fields)
            if isinstance(fields, list) else FilledField.from_sections(row.get("sections")),
            attachments=tuple(AttachmentInfo.from_json(a) for a in attachments)
            if isinstance(attachments, list) else (),
            history=tuple(HistoryEvent.from_json(h) for h in history)
            if isinstance(history, list) else (),
            fix_fields=tuple(f for f in row.get("fix_fields") or () if isinstance(f, str)),
            reason=_text(row, "reason"),
            identity_checked=checked,
            fee_amount_yen=_int(fee, "amount_yen") if isinstance(fee, dict) else None,
            fee_method=_text(fee, "method") if isinstance(fee, dict) else "",
            fee_paid=bool(isinstance(fee, dict) and (fee.get("paid_at") or fee.get("paid"))),
        )


@dataclass(frozen=True)
class DownloadedFile:
    """A file the city sent: its bytes, type and the name to save it under."""

    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class SubmissionPage:
    """One page of a department's list (last changed first); `next_before`: pass it as
    `before` for the next page, "" on the last one."""

    rows: tuple[SubmissionRow, ...]
    next_before: str = ""

    @classmethod
    def from_json(cls, data: Any) -> SubmissionPage:
        rows = data.get("submissions", data.get("items")) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise BackendProtocolError("submissions response: expected a list of submissions")
        after = data.get("next_before") if isinstance(data, dict) else None
        return cls(tuple(SubmissionRow.from_json(row) for row in rows),
                   after if isinstance(after, str) else "")


@dataclass(frozen=True)
class IdentityResult:
    """What the identity check recorded: `matches` (False: the handoff code is void)."""

    submission_id: str
    status: str
    matches: bool
    handoff_voided: bool
    document: str = ""

    @classmethod
    def from_json(cls, data: Any) -> IdentityResult:
        row = _object(data, "identity check")
        check = row.get("identity_check")
        document = check.get("document") if isinstance(check, dict) else None
        return cls(submission_id=_required_text(row, "id", "identity check"),
                   status=_status(row, "identity check"), matches=row.get("matches") is True,
                   handoff_voided=row.get("handoff_voided") is True,
                   document=document if isinstance(document, str) else "")
