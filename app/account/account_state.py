"""The resident's login state and actions, in plain Python (tested without a page).

Login is OAuth 2.0 for native apps against the backend (RFC 8252): the app opens the
backend's /authorize in the browser with PKCE S256, state and nonce; the backend sends the
resident to the My Number card provider (or the development provider) and back with a code;
the app exchanges the code, checks the ID token, keeps the refresh token in its token store
and the access token in memory.

Times in the ID token are checked against the server's time as the client learned it from
the backend's answers (`BackendClient.server_clock`), so a device whose clock is off by
days still logs in. A request refused 401 with the current access token refreshes it once
and is sent again (`BackendClient.renew_token`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from enum import StrEnum

from app.account.token_store import StoredLogin, TokenStore
from app.observable import Observable
from backend_client import (
    BackendClient,
    BackendError,
    BackendRejected,
    BackendUnavailable,
    LoginRequest,
    Me,
    TokenSet,
    new_device_id,
    verify_id_token,
)

log = logging.getLogger(__name__)


class LoginStatus(StrEnum):
    SIGNED_OUT = "signed_out"
    SIGNING_IN = "signing_in"
    SIGNED_IN = "signed_in"
    FAILED = "failed"


class LoginError(Exception):
    pass


class LoginNotice(StrEnum):
    """Why a login attempt ended without a login (shown once on the signed-out screen)."""

    NONE = ""
    CANCELLED = "cancelled"  # the resident pressed 「ログインをやめる」
    TIMED_OUT = "timed_out"  # no answer from the login page in time
    NOT_COMPLETED = "not_completed"  # back in the app without an answer (Back, reload)
    OFFLINE = "offline"  # the city's server did not answer: the login page cannot open


class AccountState(Observable):
    def __init__(self, client: BackendClient, store: TokenStore) -> None:
        super().__init__()
        self._client = client
        self._store = store
        self.status = LoginStatus.SIGNED_OUT
        self.me: Me | None = None
        self.error = ""
        self.notice = LoginNotice.NONE
        self._tokens: TokenSet | None = None
        self._pending: LoginRequest | None = None
        self._attempt = 0  # counts login attempts: a cancelled one's late steps do nothing
        self._device_id: str | None = None
        self._refreshing = asyncio.Lock()  # one refresh at a time: the token rotates
        self._replaced: deque[str] = deque(maxlen=4)  # access tokens refreshed away
        client.renew_token = self._renew_refused_token

    @property
    def signed_in(self) -> bool:
        return self.status is LoginStatus.SIGNED_IN and self.me is not None

    @property
    def persistent(self) -> bool:
        return bool(getattr(self._store, "persistent", False))

    # --- start-up ----------------------------------------------------------------------
    async def device_id(self) -> str:
        if self._device_id is None:
            stored = await self._store.load()
            self._device_id = stored.device_id if stored else new_device_id()
        return self._device_id

    async def restore(self) -> None:
        """Signs in again from a stored refresh token, if the device has one."""
        stored = await self._store.load()
        if stored is None or stored.refresh_token is None:
            return
        self._device_id = stored.device_id
        try:
            tokens = await self._client.refresh_tokens(stored.refresh_token, stored.device_id)
        except BackendRejected:
            log.info("stored login is no longer valid; signed out")
            await self._store.save(StoredLogin(stored.device_id))
            return
        except BackendError as exc:  # offline: keep the stored login for later
            log.info("cannot restore the login now: %s", exc)
            return
        await self._signed_in(tokens)

    # --- login -------------------------------------------------------------------------
    def start_attempt(self) -> int:
        """The resident pressed ログイン: SIGNING_IN (cancellable) while the app checks the
        backend and opens the login page. Returns the attempt's number (`is_current`)."""
        self._attempt += 1
        self._pending = None
        self.status = LoginStatus.SIGNING_IN
        self.error = ""
        self.notice = LoginNotice.NONE
        self._changed()
        return self._attempt

    def is_current(self, attempt: int) -> bool:
        """Whether `attempt` is still the login in progress (not cancelled, timed out, done)."""
        return attempt == self._attempt and self.status is LoginStatus.SIGNING_IN

    @property
    def awaiting_answer(self) -> bool:
        """The login page was opened and its answer (the callback) has not arrived."""
        return self.status is LoginStatus.SIGNING_IN and self._pending is not None

    def cancel_login(self, notice: LoginNotice = LoginNotice.CANCELLED,
                     attempt: int | None = None) -> bool:
        """Ends a login in progress without a login: back to signed out, saying why.
        With `attempt`, only that attempt (a timer of an earlier one does nothing).
        Returns whether a login was cancelled."""
        if self.status is not LoginStatus.SIGNING_IN:
            return False
        if attempt is not None and attempt != self._attempt:
            return False
        self._attempt += 1  # a late answer to the cancelled attempt is ignored
        self._pending = None
        self.status = LoginStatus.SIGNED_OUT
        self.error = ""
        self.notice = notice
        self._changed()
        return True

    def clear_notice(self) -> None:
        if self.notice is not LoginNotice.NONE:
            self.notice = LoginNotice.NONE
            self._changed()

    @property
    def attempt(self) -> int:
        """The number of the current (or last) login attempt."""
        return self._attempt

    async def begin_login(self, redirect_uri: str, acr_values: str | None = None,
                          attempt: int | None = None) -> LoginRequest:
        """The login page is about to open. With `attempt` (from `start_attempt`), raises
        LoginError when that attempt was cancelled meanwhile."""
        device_id = await self.device_id()
        if attempt is not None and not self.is_current(attempt):
            raise LoginError("the login was cancelled")
        if self.status is not LoginStatus.SIGNING_IN:
            self._attempt += 1
        self._pending = LoginRequest(redirect_uri=redirect_uri, device_id=device_id,
                                     acr_values=acr_values)
        self.status = LoginStatus.SIGNING_IN
        self.error = ""
        self.notice = LoginNotice.NONE
        self._changed()
        return self._pending

    async def complete_login(self, code: str | None, state: str | None,
                             error: str | None = None) -> None:
        pending, self._pending = self._pending, None
        if pending is None and self.status is not LoginStatus.SIGNING_IN:
            # The answer to a login the resident cancelled (or that timed out): ignored.
            log.info("a login answer arrived after the login was cancelled; ignored")
            return
        attempt = self._attempt
        try:
            if error:
                raise LoginError(f"login was not completed ({error})")
            if pending is None or not state or not secrets.compare_digest(state, pending.state):
                raise LoginError("this login answer does not belong to a login started here")
            if not code:
                raise LoginError("the login answer has no code")
            tokens = await self._client.exchange_code(pending, code)
            if tokens.id_token is None:
                raise LoginError("the backend sent no ID token")
            discovery = await self._client.discovery()
            verify_id_token(tokens.id_token, await self._client.jwks(), discovery["issuer"],
                            pending.nonce, now=self._client.server_clock.now())
            if attempt != self._attempt:  # cancelled while the code was exchanged
                log.info("the login was cancelled while it completed; not signed in")
                return
            await self._signed_in(tokens)
        except (LoginError, BackendError) as exc:
            log.warning("login failed: %s", exc)
            self.status = LoginStatus.FAILED
            self.error = str(exc)
            self._changed()

    async def _signed_in(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        self._replaced.clear()  # never hand this login's token to an earlier login's request
        await self._store.save(StoredLogin(await self.device_id(), tokens.refresh_token))
        self.me = await self._client.me(tokens.access_token)
        self.status = LoginStatus.SIGNED_IN
        self.error = ""
        self._changed()

    # --- using the login ---------------------------------------------------------------
    async def access_token(self) -> str:
        """A valid access token, refreshed (and the refresh token rotated) when needed."""
        if self._tokens is None:
            raise LoginError("not signed in")
        if self._tokens.expired() and self._tokens.refresh_token:
            async with self._refreshing:
                if self._tokens is not None and self._tokens.expired():
                    await self._refresh(self._tokens)
        if self._tokens is None:
            raise LoginError("not signed in")
        return self._tokens.access_token

    async def _refresh(self, current: TokenSet) -> None:
        if not current.refresh_token:
            raise LoginError("the login cannot be renewed")
        tokens = await self._client.refresh_tokens(current.refresh_token,
                                                   await self.device_id())
        if self._tokens is not current:  # logged out meanwhile
            return
        self._replaced.append(current.access_token)
        self._tokens = tokens
        await self._store.save(StoredLogin(await self.device_id(), tokens.refresh_token))

    async def _renew_refused_token(self, refused: str) -> str | None:
        """The backend answered 401 to `refused` (revoked, or expired by the server's clock
        while this device thought it fresh): a new access token to send the request again
        with, or None (not this login's token, or the login cannot be renewed)."""
        async with self._refreshing:
            current = self._tokens
            if current is None:
                return None
            if refused in self._replaced:  # refreshed meanwhile by another request
                return current.access_token
            if refused != current.access_token or not current.refresh_token:
                return None
            try:
                await self._refresh(current)
            except BackendRejected as exc:
                log.info("the login could not be renewed after a 401: %s", exc)
                return None
            return self._tokens.access_token if self._tokens is not None else None

    # --- logout ------------------------------------------------------------------------
    async def logout(self) -> None:
        """Revokes the login at the backend (best effort) and forgets it on this device."""
        tokens, self._tokens = self._tokens, None
        self._replaced.clear()
        if tokens is not None:
            try:
                await self._client.logout(tokens.access_token)
                if tokens.refresh_token:
                    await self._client.revoke(tokens.refresh_token)
            except BackendUnavailable as exc:
                log.warning("offline at logout; the tokens expire on their own: %s", exc)
            except BackendError as exc:
                log.warning("logout at the backend failed: %s", exc)
        await self._store.clear()
        self._device_id = None if not self.persistent else self._device_id
        self.me = None
        self._pending = None
        self._attempt += 1
        self.status = LoginStatus.SIGNED_OUT
        self.error = ""
        self.notice = LoginNotice.NONE
        self._changed()
