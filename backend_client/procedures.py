"""The procedures tile's resident routes (docs/procedures.md §3): uploading an attachment,
asking for a 書かない窓口 handoff code and paying a submission's fee with points.

Everything else the resident does (drafts, submissions, resubmissions, withdrawals) goes
through sync (`procedure_drafts`, `procedure_submissions`); these routes need the network.
Built on `BackendClient`'s request helpers (its errors and token renewal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from backend_client.client import BackendClient, _bearer
from backend_client.dto import parse_moment
from backend_client.errors import BackendProtocolError

HANDOFF_PREFIX = "TPH1."


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BackendProtocolError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def _text(data: dict[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise BackendProtocolError(f"{what}: field {key!r} should be a non-empty string")
    return value


def _moment(raw: object) -> datetime | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw, UTC)
    return parse_moment(raw)


@dataclass(frozen=True)
class UploadedAttachment:
    """`POST /procedures/attachments`: the stored file, referenced by a draft or a
    submission's `attachments` by its id."""

    attachment_id: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def from_json(cls, data: Any) -> UploadedAttachment:
        what = "attachment upload"
        row = _object(data, what)
        size = row.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise BackendProtocolError(f"{what}: field 'size' should be a whole number")
        return cls(attachment_id=_text(row, "attachment_id", what),
                   content_type=_text(row, "content_type", what), size=size,
                   sha256=str(row.get("sha256") or ""))


def handoff_expiry(code: str) -> datetime | None:
    """The expiry written in a handoff code (`TPH1.<id>.<unix seconds>.<signature>`)."""
    parts = code.split(".")
    if len(parts) != 4 or not code.startswith(HANDOFF_PREFIX) or not parts[2].isdigit():
        return None
    return datetime.fromtimestamp(int(parts[2]), UTC)


@dataclass(frozen=True)
class HandoffCode:
    """`POST /procedures/submissions/{id}/handoff`: a single-use code for the clerk's scan."""

    code: str
    expires_at: datetime

    @classmethod
    def from_json(cls, data: Any) -> HandoffCode:
        what = "handoff code"
        row = _object(data, what)
        code = _text(row, "code", what)
        if not code.startswith(HANDOFF_PREFIX):
            raise BackendProtocolError(f"{what}: not a {HANDOFF_PREFIX} code")
        expires = _moment(row.get("expires_at")) or handoff_expiry(code)
        if expires is None:
            raise BackendProtocolError(f"{what}: no expiry")
        return cls(code=code, expires_at=expires)


@dataclass(frozen=True)
class FeePaid:
    """`POST /procedures/submissions/{id}/points-payment`: the fee paid with points."""

    submission_id: str
    transfer_id: str
    amount: int
    balance_after: int | None
    paid_at: datetime | None
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, submission_id: str, data: Any) -> FeePaid:
        row = _object(data, "points payment")
        amount = row.get("amount")
        balance = row.get("balance_after")
        return cls(submission_id=str(row.get("submission_id") or submission_id),
                   transfer_id=str(row.get("transfer_id") or ""),
                   amount=abs(amount) if isinstance(amount, int) else 0,
                   balance_after=balance if isinstance(balance, int) else None,
                   paid_at=_moment(row.get("paid_at") or row.get("created_at")), raw=row)


class ProceduresClient:
    """A resident's procedure routes (the sync carries drafts and submissions)."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def upload_attachment(self, access_token: str, *, procedure_id: str, slot: str,
                                name: str, content_type: str,
                                content: bytes) -> UploadedAttachment:
        """Uploads one file for an attachment slot; the server checks the type by content
        (415/422 with a code when it is not allowed, 413 when too large)."""
        response = await self._client._request_checked(
            "POST", "/procedures/attachments", headers=_bearer(access_token), ok=(200, 201),
            data={"procedure_id": procedure_id, "slot": slot},
            files={"file": (name, content, content_type)})
        try:
            body = response.json()
        except ValueError as exc:
            raise BackendProtocolError(f"attachment upload: malformed JSON: {exc}") from exc
        return UploadedAttachment.from_json(body)

    async def handoff_code(self, access_token: str, submission_id: str) -> HandoffCode:
        """A new handoff code for a submission in `counter` status (409 otherwise)."""
        return HandoffCode.from_json(await self._client._request_json(
            "POST", f"/procedures/submissions/{quote(submission_id, safe='')}/handoff",
            headers=_bearer(access_token), ok=(200, 201)))

    async def pay_fee_with_points(self, access_token: str, submission_id: str, *, pin: str,
                                  idempotency_key: str) -> dict[str, Any]:
        """Pays a submission's fee with points (`{pin, idempotency_key}`); the answer as
        sent (see `FeePaid`). 403 `pin_wrong`, 423 `pin_locked`, 409 `insufficient_points`,
        `already_paid`, `no_fee`; 404 for another person's submission."""
        return _object(await self._client._request_json(
            "POST", f"/procedures/submissions/{quote(submission_id, safe='')}/points-payment",
            headers=_bearer(access_token), ok=(200, 201),
            json={"pin": pin, "idempotency_key": idempotency_key}), "points payment")
