"""What the procedures staff screens' states need from the backend (tests pass fakes);
errors are `backend_client.BackendError`s."""

from __future__ import annotations

from typing import Protocol

from app.features.procedures.forms.definition import ProcedureDefinition
from backend_client.procedures_staff import (
    DownloadedFile,
    IdentityResult,
    StaffSubmission,
    SubmissionPage,
)


class ProceduresStaffSource(Protocol):
    async def submissions(self, *, status: str | None, procedure_id: str | None,
                          department: str, before: str | None) -> SubmissionPage: ...

    async def submission(self, submission_id: str) -> StaffSubmission: ...

    async def move(self, submission_id: str, *, to: str, reason: str | None,
                   fix_fields: list[str] | None) -> StaffSubmission: ...

    async def attachment(self, submission_id: str, attachment_id: str) -> DownloadedFile: ...

    async def scan(self, code: str) -> StaffSubmission: ...

    async def identity_check(self, submission_id: str, *, document: str | None,
                             matches: bool) -> IdentityResult: ...

    async def pdf(self, submission_id: str, fallback_name: str) -> DownloadedFile: ...

    async def definition(self, procedure_id: str) -> ProcedureDefinition | None:
        """The procedure's definition on this device (labels, titles), if it has one."""
        ...
