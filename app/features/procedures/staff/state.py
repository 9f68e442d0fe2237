"""What the procedures staff screens share, in plain Python: the statuses and the moves staff
may make (docs/procedures.md §2), refusals, the filled fields in layout order with their
labels, and the handoff code typed at the counter.

The review screen's state is `review_state.ReviewState`, the counter's
`counter_state.CounterState`; both are built per session in `wiring`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.features.procedures.forms.definition import ProcedureDefinition, text_in
from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.procedures_staff import (
    IDENTITY_DOCUMENTS,
    STATUSES,
    AttachmentInfo,
    DownloadedFile,
    FilledField,
    HistoryEvent,
    IdentityResult,
    Localized,
    StaffSubmission,
    SubmissionPage,
    SubmissionRow,
)

__all__ = ["IDENTITY_DOCUMENTS", "NEEDS_REASON", "STAFF_MOVES", "STATUSES", "AttachmentInfo",
           "DownloadedFile", "FieldLine", "FilledField", "HistoryEvent", "IdentityResult", "Load",
           "Localized", "ProcedureDefinition", "Refusal", "StaffSubmission", "SubmissionPage",
           "SubmissionRow",
           "attachment_label", "field_lines", "normalise_code", "procedure_title", "refusal_of"]

# What staff may do from each status (the backend's `status_flow.STAFF_MOVES`).
STAFF_MOVES: dict[str, tuple[str, ...]] = {
    "received": ("reviewing", "completed", "returned", "rejected"),
    "counter": ("reviewing", "completed", "rejected"),
    "reviewing": ("completed", "returned", "rejected"),
}
NEEDS_REASON = frozenset({"returned", "rejected"})
MAX_REASON = 2000  # characters of a reason the resident reads

# A 書かない窓口 handoff code: `TPH1.<handoff id>.<expiry>.<signature>` in the QR
# alphanumeric alphabet (docs/procedures.md §4).
HANDOFF_PREFIX = "TPH1."
_HANDOFF = re.compile(r"TPH1\.[A-Z2-7]{26}\.[0-9]{1,12}\.[A-Z2-7]{26}")
MAX_CODE = 100


class Load(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


@dataclass(frozen=True)
class Refusal:
    """Why something was not done: the backend's code (`wrong_move`, `invalid_move`,
    `handoff_forged`, `handoff_expired`, `handoff_replayed`, `handoff_other_resident`,
    `outside_staff_scope`, `submission_not_at_counter`, `handoff_not_scanned`,
    `identity_check_required`, `not_found`, `submission_not_found` ...) or the screen's own
    (`no_reason`, `reason_too_long`, `not_allowed`, `malformed_code`,
    `no_code_in_picture`, `no_document`, `identity_first`, `pdf_first`, `offline`,
    `failed`)."""

    code: str
    detail: str = ""
    info: dict[str, object] = field(default_factory=dict)


def refusal_of(exc: Exception) -> Refusal:
    if isinstance(exc, BackendRejected):
        code = exc.code or ("not_found" if exc.status_code == 404 else "failed")
        return Refusal(code, exc.detail, dict(exc.info))
    if isinstance(exc, BackendUnavailable):
        return Refusal("offline", str(exc))
    if isinstance(exc, BackendError):
        return Refusal("failed", str(exc))
    return Refusal("failed", str(exc))


def normalise_code(text: str) -> str | None:
    """The handoff code as typed or read: full-width letters and digits made narrow, spaces
    and line breaks dropped, letters upper-case (the QR's alphabet has no lower case). None
    when it is not the shape of a handoff code."""
    code = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    code = code.replace("。", ".").replace("・", ".")
    if len(code) > MAX_CODE or not _HANDOFF.fullmatch(code):
        return None
    return code


@dataclass(frozen=True)
class FieldLine:
    """One filled field as the screens show it, in layout order."""

    field: str
    label: Localized
    section: Localized
    value: Any
    shown: Localized | None = None  # the value's own label (a select's option), if any
    depth: int = 0  # 1: a sub-row (one member of a `members` field)


def _localized(texts: Any, fallback: str = "") -> Localized:
    if not texts:
        return Localized(fallback, fallback)
    return Localized(text_in(texts, "ja") or fallback, text_in(texts, "en") or fallback)


def field_lines(submission: StaffSubmission,
                definition: ProcedureDefinition | None = None) -> list[FieldLine]:
    """Every filled field with its label, in layout order: as the backend labels them, else
    as the procedure's definition on this device does (with the options' labels); fields
    neither labels follow under their own id. Fields hidden by `show_if` have no value in
    `data` and are not listed."""
    if submission.fields:
        lines = [FieldLine(f.field, f.label, f.section, f.value,
                           Localized(f.shown, f.shown) if f.shown else None, f.depth)
                 for f in submission.fields]
    elif definition is not None:
        lines = []
        for section in definition.sections:
            for spec in section.fields:
                if spec.name not in submission.data:
                    continue
                value = submission.data[spec.name]
                option = next((texts for key, texts in spec.options if key == value), None)
                lines.append(FieldLine(spec.name, _localized(spec.label, spec.name),
                                       _localized(section.title), value,
                                       _localized(option) if option else None))
    else:
        lines = []
    labelled = {line.field for line in lines}
    lines.extend(FieldLine(name, Localized(name, name), Localized(""), value)
                 for name, value in submission.data.items() if name not in labelled)
    return lines


def procedure_title(row: SubmissionRow, definition: ProcedureDefinition | None) -> Localized:
    """The procedure's title as the backend sent it, else from the definition on this
    device, else its id."""
    if row.title.ja != row.procedure_id or definition is None:
        return row.title
    return _localized(definition.title, row.procedure_id)


def attachment_label(attachment: AttachmentInfo,
                     definition: ProcedureDefinition | None) -> Localized:
    """What the attachment is (the definition's slot label), else its slot id."""
    if definition is not None:
        rule = next((a for a in definition.attachments if a.id == attachment.slot), None)
        if rule is not None:
            return _localized(rule.label, attachment.slot)
    return attachment.label
