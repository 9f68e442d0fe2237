"""The "My data" screen's state: consents, who read my data, household, export, deletion.

Plain Python over `AccountState` and `backend_client`; the view only renders it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from app.account.account_state import AccountState
from app.account.invitation_code import code_qr_png, looks_like_code, normalize_code
from app.observable import Observable
from backend_client import BackendClient, BackendError, BackendRejected, BackendUnavailable

# Why an invitation code was refused, by the backend's status (the view says it in words).
CODE_PROBLEMS: dict[int, str] = {
    404: "unknown",  # no such code (or mistyped)
    409: "used",  # used already, or the delegation exists
    410: "expired",  # expired or cancelled
    422: "own",  # (a malformed code is caught before sending)
    429: "too_many",
    403: "not_verified",
}


class MyDataState(Observable):
    def __init__(self, client: BackendClient, account: AccountState,
                 channel: str = "app",
                 save_file: Callable[[str, bytes], Awaitable[None]] | None = None,
                 shared_device: bool = False) -> None:
        super().__init__()
        # A kiosk: the resident's data never goes into its downloads and no account is
        # deleted there (ADR 0026), however the action was reached.
        self.shared_device = shared_device
        self._client = client
        self._save_file = save_file  # hands a file to the resident (a download in the browser)
        self._account = account
        self._channel = channel
        self.loaded_for: str | None = None  # the common ID the data below belongs to
        self.loading = False
        self.consents: list[dict[str, Any]] = []
        self.access_log: list[dict[str, Any]] = []
        self.household: dict[str, Any] = {}
        self.delegations: list[dict[str, Any]] = []
        self.error = ""
        self.offline = False
        self.message = ""  # the last action's outcome, shown once
        # Delegation by invitation (ADR 0031): the code this resident made (shown as text and
        # QR code until used, cancelled or expired) and the code typed from someone else.
        self.invitation: dict[str, Any] | None = None
        self.invitation_qr: bytes = b""
        self.code_input = ""
        self.code_revision = 0  # bumped when the state itself changes `code_input`
        self.code_problem = ""  # why the last code was refused: see `CODE_PROBLEMS`

    def needs_load(self) -> bool:
        me = self._account.me
        return (me is not None and not self.loading and self.loaded_for != me.common_id)

    def claim_load(self) -> bool:
        if not self.needs_load():
            return False
        self.loading = True
        return True

    async def load(self) -> None:
        me = self._account.me
        self.loading = True
        try:
            token = await self._account.access_token()
            self.consents = await self._client.my_consents(token)
            self.access_log = await self._client.my_access_log(token)
            self.delegations = await self._client.my_delegations(token)
            answer = await self._client.my_household(token)
            household = answer.get("household")
            self.household = household if isinstance(household, dict) else {}
            self.loaded_for = me.common_id if me else None
            self.error, self.offline = "", False
        except BackendError as exc:
            self.error, self.offline = str(exc), isinstance(exc, BackendUnavailable)
            self.loaded_for = me.common_id if me else None  # don't retry in a loop
        finally:
            self.loading = False
            self._changed()

    async def set_consent(self, purpose: str, granted: bool, language: str) -> None:
        """Records a grant or a withdrawal of the text the resident was shown."""
        item = next((c for c in self.consents if c.get("purpose") == purpose), None)
        if item is None:
            return
        lang = language if language in item.get("text_sha256", {}) else "en"
        try:
            await self._client.record_consent(
                await self._account.access_token(), purpose, int(item["current_version"]),
                granted, item["text_sha256"][lang], self._channel,
            )
            self.consents = await self._client.my_consents(await self._account.access_token())
            self.message = "saved"
        except BackendError as exc:
            self._failed(exc)
        self._changed()

    def delegation_text(self, language: str) -> tuple[int, str, str] | None:
        """The consent text a grantor agrees to by accepting: (version, text, its hash)."""
        item = next((c for c in self.consents if c.get("purpose") == "delegation"), None)
        if item is None:
            return None
        lang = language if language in item.get("text", {}) else "en"
        return int(item["current_version"]), item["text"][lang], item["text_sha256"][lang]

    async def request_delegation(self, grantor_common_id: str) -> None:
        grantor = grantor_common_id.strip()
        if not grantor:
            self.message = "need_id"
            self._changed()
            return
        await self._delegation_call(lambda token: self._client.request_delegation(token,
                                                                                  grantor))

    async def create_invitation(self, language: str) -> None:
        """The resident agrees to the shown "delegation" text and gets a code for the person
        who will act for them."""
        text = self.delegation_text(language)
        if text is None:
            return
        version, _, sha = text
        try:
            token = await self._account.access_token()
            made = await self._client.create_delegation_invitation(token, version, sha,
                                                                   self._channel)
            self.invitation_qr = await asyncio.to_thread(code_qr_png, str(made["code"]))
            self.invitation = made
            self.message = "invited"
        except BackendRejected as exc:
            self.message, self.error = "refused", exc.detail
        except BackendError as exc:
            self._failed(exc)
        self._changed()

    async def cancel_invitation(self) -> None:
        invitation = self.invitation
        if invitation is None:
            return
        try:
            await self._client.cancel_delegation_invitation(
                await self._account.access_token(), str(invitation["id"]))
        except BackendRejected:
            pass  # already used or gone: nothing left to cancel
        except BackendError as exc:
            self._failed(exc)
            self._changed()
            return
        self.invitation, self.invitation_qr = None, b""
        self.message = ""
        self._changed()

    def set_code_input(self, text: str) -> None:
        self.code_input = text

    async def accept_invitation_code(self) -> None:
        """Enters the code someone gave: on success the resident may act for them."""
        self.code_problem = ""
        if not looks_like_code(self.code_input):
            self.message, self.code_problem = "code_refused", "malformed"
            self._changed()
            return
        try:
            token = await self._account.access_token()
            await self._client.accept_delegation_invitation(token,
                                                            normalize_code(self.code_input))
            self.delegations = await self._client.my_delegations(token)
            self.message = "accepted"
            self.code_input = ""
            self.code_revision += 1
        except BackendRejected as exc:
            self.message = "code_refused"
            self.code_problem = CODE_PROBLEMS.get(exc.status_code, "refused")
            self.error = exc.detail
        except BackendError as exc:
            self._failed(exc)
        self._changed()

    async def decide_delegation(self, delegation_id: str, decision: str,
                                language: str) -> None:
        version = sha = None
        if decision == "accept":
            text = self.delegation_text(language)
            if text is None:
                return
            version, _, sha = text
        await self._delegation_call(lambda token: self._client.decide_delegation(
            token, delegation_id, decision, version, sha, self._channel))

    async def _delegation_call(self, call: Callable[[str], Any]) -> None:
        try:
            token = await self._account.access_token()
            await call(token)
            self.delegations = await self._client.my_delegations(token)
            self.message = "saved"
        except BackendRejected as exc:
            self.message, self.error = "refused", exc.detail
        except BackendError as exc:
            self._failed(exc)
        self._changed()

    def _failed(self, exc: BackendError) -> None:
        """A call that did not reach the city or failed there: said, and whether offline."""
        self.message, self.error = "failed", str(exc)
        self.offline = isinstance(exc, BackendUnavailable)

    async def export(self) -> bytes | None:
        if self.shared_device:
            self.message = "not_here"
            self._changed()
            return None
        try:
            return await self._client.export_my_data(await self._account.access_token())
        except BackendError as exc:
            self.message, self.error = "failed", str(exc)
            self._changed()
            return None

    async def download_all(self, file_name: str) -> bool:
        """Everything the city holds about the resident, handed to the resident as a file.
        Returns whether the file was handed over."""
        data = await self.export()
        if data is None or self._save_file is None:
            return False
        await self._save_file(file_name, data)
        return True

    async def delete_account(self) -> bool:
        """Deletes the account at the city; the caller then logs out, discarding local data."""
        if self.shared_device:
            self.message = "not_here"
            self._changed()
            return False
        try:
            await self._client.delete_account(await self._account.access_token())
        except BackendError as exc:
            self.message, self.error = "failed", str(exc)
            self._changed()
            return False
        self.reset()
        return True

    def reset(self) -> None:
        self.loaded_for = None
        self.consents, self.access_log, self.household = [], [], {}
        self.delegations = []
        self.invitation, self.invitation_qr = None, b""
        self.code_input, self.code_problem = "", ""
        self.error = self.message = ""
