"""The procedures tile's staff routes (docs/procedures.md §3–§4): staff of the procedure's
department (市民課 `citizens`, こども課 `children`, 高齢介護福祉課 `care`) list and read
submissions, move their status, download attachments, and at the 書かない窓口 counter scan a
resident's handoff code, record the identity check and download the official form as a PDF.

The backend refuses a submission of another department with 404 and a department the
caller is not staff of with 403 `outside_staff_scope`; every read of a resident's data is
written to their access log by the backend. Built on `BackendClient`'s request helpers,
like the points staff client."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

import httpx

from backend_client.client import BackendClient, _bearer
from backend_client.errors import BackendProtocolError
from backend_client.procedures_staff_dto import (
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

__all__ = ["IDENTITY_DOCUMENTS", "STATUSES", "AttachmentInfo", "DownloadedFile", "FilledField",
           "HistoryEvent", "IdentityResult", "Localized", "ProceduresStaffClient",
           "StaffSubmission", "SubmissionPage", "SubmissionRow"]

_FILENAME_STAR = re.compile(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)")
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?')
_SAFE_NAME = re.compile(r"[^\w.\-ぁ-んァ-ヶ一-龯ー]+")


def _path_id(value: str) -> str:
    return quote(value, safe="")


def file_name_of(response: httpx.Response, fallback: str) -> str:
    """The name the backend suggests (`Content-Disposition`), made safe to save under,
    else `fallback`."""
    header = response.headers.get("content-disposition", "")
    match = _FILENAME_STAR.search(header)
    name = unquote(match[1]) if match else ""
    if not name:
        plain = _FILENAME.search(header)
        name = plain[1] if plain else ""
    name = _SAFE_NAME.sub("_", name.replace("/", "_").replace("\\", "_")).strip("._")
    return name[:120] or fallback


class ProceduresStaffClient:
    """The `/staff/procedures/*` routes; `access_token` is a staff member's."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def submissions(self, access_token: str, *, status: str | None = None,
                          procedure_id: str | None = None, department: str | None = None,
                          before: str | None = None, limit: int = 50) -> SubmissionPage:
        """The submissions of the caller's departments (or of one: `department`, 403
        `outside_staff_scope` when not theirs), last changed first, without form data."""
        params: dict[str, Any] = {"limit": limit}
        for key, value in (("status", status), ("procedure_id", procedure_id),
                           ("department", department), ("before", before)):
            if value:
                params[key] = value
        return SubmissionPage.from_json(await self._client._get_json(
            "/staff/procedures/submissions", params=params, headers=_bearer(access_token)))

    async def submission(self, access_token: str, submission_id: str) -> StaffSubmission:
        """One submission with its fields, attachments and history (access-logged)."""
        return StaffSubmission.from_json(await self._client._get_json(
            f"/staff/procedures/submissions/{_path_id(submission_id)}",
            headers=_bearer(access_token)))

    async def move(self, access_token: str, submission_id: str, *, to: str,
                   reason: str | None = None,
                   fix_fields: list[str] | None = None) -> StaffSubmission:
        """A staff move of the status (`reviewing`, `returned` with a reason and the fields
        to fix, `completed`, `rejected` with a reason); the submission as it is now."""
        body: dict[str, Any] = {"to": to}
        if reason is not None:
            body["reason"] = reason
        if fix_fields is not None:
            body["fix_fields"] = fix_fields
        return StaffSubmission.from_json(await self._client._request_json(
            "POST", f"/staff/procedures/submissions/{_path_id(submission_id)}/status",
            headers=_bearer(access_token), json=body, ok=(200, 201)))

    async def attachment(self, access_token: str, submission_id: str,
                         attachment_id: str) -> DownloadedFile:
        """An attachment's bytes (access-logged)."""
        response = await self._client._request_checked(
            "GET", f"/staff/procedures/submissions/{_path_id(submission_id)}/attachments/"
                   f"{_path_id(attachment_id)}", headers=_bearer(access_token))
        return DownloadedFile(file_name_of(response, attachment_id),
                              response.headers.get("content-type", "").split(";")[0],
                              response.content)

    async def scan(self, access_token: str, code: str) -> StaffSubmission:
        """Uses the resident's handoff code (once) and answers the submission as the counter
        shows it (the applicant's name and birthdate, the filled fields with their labels).
        Refusals (`BackendRejected` codes): `handoff_forged`, `handoff_expired`,
        `handoff_replayed`, `handoff_other_resident`, `outside_staff_scope` (the code stays
        valid), `submission_not_at_counter`."""
        return StaffSubmission.from_json(await self._client._request_json(
            "POST", "/staff/procedures/handoffs/scan", headers=_bearer(access_token),
            json={"code": code}, ok=(200, 201)))

    async def identity_check(self, access_token: str, submission_id: str, *,
                             document: str | None, matches: bool) -> IdentityResult:
        """Records the clerk's check of the identity document (`matches: false` voids the
        handoff code; the resident shows a new one). A code not scanned first is 409
        `handoff_not_scanned`."""
        body: dict[str, Any] = {"matches": matches}
        if document:
            body["document"] = document
        return IdentityResult.from_json(await self._client._request_json(
            "POST", f"/staff/procedures/submissions/{_path_id(submission_id)}/identity-check",
            headers=_bearer(access_token), json=body, ok=(200, 201)))

    async def pdf(self, access_token: str, submission_id: str,
                  fallback_name: str) -> DownloadedFile:
        """The official form as a PDF (access-logged; a counter procedure only after the
        identity check, else 409 `identity_check_required`)."""
        response = await self._client._request_checked(
            "GET", f"/staff/procedures/submissions/{_path_id(submission_id)}/pdf",
            headers=_bearer(access_token))
        if not response.content.startswith(b"%PDF"):
            raise BackendProtocolError("the form is not a PDF")
        return DownloadedFile(file_name_of(response, fallback_name), "application/pdf",
                              response.content)
