"""`ProceduresStaffSource` over the backend's `/staff/procedures/*` routes
(`backend_client.procedures_staff`), with the staff member's fresh access token for each
call, and the procedures' definitions from the city's public content on this device (the
`procedures` rows every device pulls) for labels the backend does not send."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from app.features.procedures.forms.definition import (
    DefinitionUnreadable,
    ProcedureDefinition,
    parse_definition,
)
from backend_client import BackendClient
from backend_client.procedures_staff import (
    DownloadedFile,
    IdentityResult,
    ProceduresStaffClient,
    StaffSubmission,
    SubmissionPage,
)

log = logging.getLogger(__name__)

CATALOGUE = "procedures"  # the public collection of definitions (docs/procedures.md §3)


class BackendProceduresStaff:
    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]],
                 public_store: Callable[[], Any] = lambda: None) -> None:
        self._client = ProceduresStaffClient(client)
        self._token = token
        self._public_store = public_store  # the device's public store, or None

    async def submissions(self, *, status: str | None, procedure_id: str | None,
                          department: str, before: str | None) -> SubmissionPage:
        return await self._client.submissions(await self._token(), status=status,
                                              procedure_id=procedure_id,
                                              department=department, before=before)

    async def submission(self, submission_id: str) -> StaffSubmission:
        return await self._client.submission(await self._token(), submission_id)

    async def move(self, submission_id: str, *, to: str, reason: str | None,
                   fix_fields: list[str] | None) -> StaffSubmission:
        return await self._client.move(await self._token(), submission_id, to=to,
                                       reason=reason, fix_fields=fix_fields)

    async def attachment(self, submission_id: str, attachment_id: str) -> DownloadedFile:
        return await self._client.attachment(await self._token(), submission_id,
                                             attachment_id)

    async def scan(self, code: str) -> StaffSubmission:
        return await self._client.scan(await self._token(), code)

    async def identity_check(self, submission_id: str, *, document: str | None,
                             matches: bool) -> IdentityResult:
        return await self._client.identity_check(await self._token(), submission_id,
                                                 document=document, matches=matches)

    async def pdf(self, submission_id: str, fallback_name: str) -> DownloadedFile:
        return await self._client.pdf(await self._token(), submission_id, fallback_name)

    async def definition(self, procedure_id: str) -> ProcedureDefinition | None:
        store = self._public_store()
        if store is None:
            return None
        row = await asyncio.to_thread(store.read, CATALOGUE, procedure_id)
        if row is None or not isinstance(row.data, dict):
            return None
        try:
            return parse_definition(row.data)
        except DefinitionUnreadable as exc:
            log.info("definition %s unreadable: %s", procedure_id, exc)
            return None
