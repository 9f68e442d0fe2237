"""The resident's drafts and submissions on this device, in plain Python, from the stored rows
and the outbox (docs/procedures.md §2-3).

A submission written on this device shows 未送信 (`pending`) until the server decides: its row
then carries the server's status (受付 with the 受付番号, 窓口で手続き...). A refused `submit`
leaves no row: it is rebuilt from the refused mutation's args with the reason and the field
errors the server listed (`{"field", "code", "message_ja", "message_en"}` in the message's
JSON), so the resident can fix and send it again. A refused `resubmit` or `withdraw` is shown
on the submission the server kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.features.procedures.forms.errors import FieldError
from backend_client.dto import parse_moment

if TYPE_CHECKING:
    from offline_store import LocalRow, OutboxEntry

DRAFTS = "procedure_drafts"
SUBMISSIONS = "procedure_submissions"
CATALOGUE = "procedures"
REFUSALS_SHOWN_FOR = timedelta(days=30)

# Status → English message id of its badge (docs/procedures.md §2); "pending": not sent yet.
STATUS_LABELS: dict[str, str] = {
    "pending": "Not sent yet",
    "received": "Received",
    "counter": "At the counter",
    "reviewing": "Under review",
    "returned": "Returned for changes",
    "completed": "Completed",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "refused": "Not accepted",
}
OPEN_STATUSES = frozenset({"pending", "received", "counter", "reviewing", "returned"})
_FIELD_IN_TEXT = re.compile(r'"field"\s*:\s*"([^"]+)"')


def field_errors_from(message: str | None) -> list[FieldError]:
    """The field errors of a refusal's message (JSON: a list, or an object with `errors` or
    `field_errors`); from a message cut short, at least the fields it names."""
    if not message:
        return []
    try:
        data: Any = json.loads(message)
    except ValueError:
        start = message.find("{")
        try:
            data = json.loads(message[start:]) if start >= 0 else None
        except ValueError:
            return [FieldError.from_server({"field": name})
                    for name in dict.fromkeys(_FIELD_IN_TEXT.findall(message))]
    if isinstance(data, Mapping):
        data = data.get("errors") or data.get("field_errors") or data.get("fields") or []
    out = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("field"), str):
            out.append(FieldError.from_server(item))
    return out


def refusal_text(message: str | None) -> str:
    """The readable part of a refusal's message (its `message` when it is JSON)."""
    if not message:
        return ""
    try:
        data = json.loads(message)
    except ValueError:
        return message.split("{", 1)[0].strip() or message
    if isinstance(data, Mapping):
        return str(data.get("message") or data.get("message_ja") or "")
    return ""


@dataclass(frozen=True)
class HistoryEvent:
    at: datetime | None
    from_status: str | None
    to_status: str
    reason: str
    by: str  # applicant | staff | system (as the server says)

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> HistoryEvent:
        return cls(at=parse_moment(row.get("at") or row.get("created_at")),
                   from_status=row.get("from") if isinstance(row.get("from"), str) else None,
                   to_status=str(row.get("to") or row.get("status") or ""),
                   reason=str(row.get("reason") or ""),
                   by=str(row.get("actor_kind") or row.get("by") or ""))


@dataclass(frozen=True)
class Submission:
    id: str
    procedure_id: str
    procedure_version: int
    status: str  # a key of STATUS_LABELS
    data: dict[str, Any]
    attachments: list[dict[str, Any]] = field(default_factory=list)
    number: str | None = None  # 受付番号
    subject_id: str | None = None
    subject_name: str = ""
    applicant_id: str | None = None
    fee_amount: int = 0
    fee_method: str | None = None
    fee_paid_at: datetime | None = None
    fix_fields: tuple[str, ...] = ()
    reason: str = ""
    history: tuple[HistoryEvent, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    waiting: bool = False  # a change made on this device not confirmed yet
    refusal: tuple[str | None, str] | None = None  # (code, reason) of a refused submit
    field_errors: tuple[FieldError, ...] = ()
    # The resident's last resubmit/withdraw refused by the city: (mutation, code, reason).
    refused_change: tuple[str, str | None, str] | None = None

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES and self.refusal is None

    @property
    def for_someone_else(self) -> bool:
        """Applied for another person (a delegator, a minor child)."""
        return self.subject_id is not None and self.subject_id != self.applicant_id

    @property
    def may_withdraw(self) -> bool:
        return self.status in ("received", "counter", "reviewing", "returned") \
            and not self.waiting

    @property
    def may_resubmit(self) -> bool:
        return self.status == "returned" and not self.waiting

    @property
    def fee_due(self) -> bool:
        return self.fee_amount > 0 and self.fee_paid_at is None and self.status not in (
            "pending", "withdrawn", "rejected", "refused")


@dataclass(frozen=True)
class Draft:
    id: str
    procedure_id: str
    procedure_version: int
    data: dict[str, Any]
    attachments: list[dict[str, Any]]
    subject_id: str | None
    updated_at: datetime | None
    waiting: bool




def _int(raw: object, default: int = 0) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else default


def submission_from(key: str, data: Mapping[str, Any], *, waiting: bool) -> Submission:
    raw_fee = data.get("fee")
    fee: Mapping[str, Any] = raw_fee if isinstance(raw_fee, Mapping) else {}
    status = str(data.get("status") or "pending")
    if waiting and not data.get("number"):
        status = "pending"
    return Submission(
        id=key, procedure_id=str(data.get("procedure_id") or ""),
        procedure_version=_int(data.get("procedure_version"), 1),
        status=status,  # a status this app does not know yet is shown as the server says
        data=dict(data.get("data") or {}) if isinstance(data.get("data"), Mapping) else {},
        attachments=[dict(a) for a in data.get("attachments") or () if isinstance(a, Mapping)],
        number=data.get("number") if isinstance(data.get("number"), str) else None,
        subject_id=data.get("subject_id") if isinstance(data.get("subject_id"), str) else None,
        subject_name=str(data.get("subject_name") or ""),
        applicant_id=data.get("applicant_id") if isinstance(data.get("applicant_id"), str)
        else None,
        fee_amount=_int(fee.get("amount_yen")),
        fee_method=fee.get("method") if isinstance(fee.get("method"), str) else None,
        fee_paid_at=parse_moment(fee.get("paid_at")),
        fix_fields=tuple(f for f in data.get("fix_fields") or () if isinstance(f, str)),
        reason=str(data.get("reason") or ""),
        history=tuple(HistoryEvent.from_json(h) for h in data.get("history") or ()
                      if isinstance(h, Mapping)),
        created_at=parse_moment(data.get("created_at")),
        updated_at=parse_moment(data.get("updated_at")),
        waiting=waiting)


def submissions_from(rows: Iterable[LocalRow], outbox: Iterable[OutboxEntry],
                     now: datetime) -> list[Submission]:
    """Submissions on this device (confirmed and waiting), then recently refused ones; the
    newest first within each group."""
    out: list[Submission] = []
    seen: set[str] = set()
    entries = [e for e in outbox if e.collection == SUBMISSIONS]
    last_of: dict[str, OutboxEntry] = {}
    for entry in entries:
        last_of[entry.key] = entry
    for row in rows:
        if not isinstance(row.data, Mapping):
            continue
        seen.add(row.key)
        sub = submission_from(row.key, row.data, waiting=row.pending)
        last = last_of.get(row.key)
        if (last is not None and last.state == "rejected" and last.name != "submit"
                and now - last.created_at <= REFUSALS_SHOWN_FOR):
            sub = _with(sub, refused_change=(last.name, last.error_code,
                                             refusal_text(last.error_message)),
                        field_errors=tuple(field_errors_from(last.error_message)))
        out.append(sub)
    for entry in entries:
        if (entry.state != "rejected" or entry.name != "submit" or entry.key in seen
                or now - entry.created_at > REFUSALS_SHOWN_FOR):
            continue
        args = entry.args if isinstance(entry.args, Mapping) else {}
        sub = submission_from(entry.key, {**args, "status": "refused"}, waiting=False)
        out.append(_with(sub, status="refused", created_at=entry.created_at,
                         refusal=(entry.error_code, refusal_text(entry.error_message)),
                         field_errors=tuple(field_errors_from(entry.error_message))))
    newest = sorted(out, key=lambda s: (s.created_at or now).timestamp(), reverse=True)
    return sorted(newest, key=lambda s: s.refusal is not None)


def _with(sub: Submission, **changes: Any) -> Submission:
    return replace(sub, **changes)


def drafts_from(rows: Iterable[LocalRow]) -> list[Draft]:
    out = []
    for row in rows:
        data = row.data
        if not isinstance(data, Mapping) or not isinstance(data.get("procedure_id"), str):
            continue
        out.append(Draft(
            id=row.key, procedure_id=str(data["procedure_id"]),
            procedure_version=_int(data.get("procedure_version"), 1),
            data=dict(data.get("data") or {}) if isinstance(data.get("data"), Mapping) else {},
            attachments=[dict(a) for a in data.get("attachments") or ()
                         if isinstance(a, Mapping)],
            subject_id=data.get("subject_id") if isinstance(data.get("subject_id"), str)
            else None,
            updated_at=row.updated_at, waiting=row.pending))
    return sorted(out, key=lambda d: d.updated_at.timestamp() if d.updated_at else 0.0,
                  reverse=True)
