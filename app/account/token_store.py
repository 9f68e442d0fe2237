"""Where the device keeps its login: the OS keyring on phones and desktop, memory on kiosks.

Only the refresh token and the device id are stored; access tokens stay in memory. On phones
the same interface is served by Flet's secure storage (Keychain / Keystore), see build/.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

KEYRING_SERVICE = "tsuyama-portal"
KEYRING_ACCOUNT = "login"


class TokenStoreUnavailable(Exception):
    """The device has no usable secure storage (for example no keyring daemon)."""


@dataclass(frozen=True)
class StoredLogin:
    device_id: str
    refresh_token: str | None = None

    def to_json(self) -> str:
        return json.dumps({"device_id": self.device_id, "refresh_token": self.refresh_token})

    @classmethod
    def from_json(cls, raw: str | None) -> StoredLogin | None:
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("device_id"), str):
            return None
        refresh = data.get("refresh_token")
        return cls(data["device_id"], refresh if isinstance(refresh, str) else None)


class TokenStore(Protocol):
    @property
    def persistent(self) -> bool:
        """Whether the login outlives the session (keyring, secure storage)."""
        ...

    async def load(self) -> StoredLogin | None: ...

    async def save(self, login: StoredLogin) -> None: ...

    async def clear(self) -> None: ...


class MemoryTokenStore:
    """Kiosk (and hosted web) mode: the login lives as long as the session, nothing on disk."""

    persistent = False

    def __init__(self) -> None:
        self._login: StoredLogin | None = None

    async def load(self) -> StoredLogin | None:
        return self._login

    async def save(self, login: StoredLogin) -> None:
        self._login = login

    async def clear(self) -> None:
        self._login = None


class KeyringTokenStore:
    """The OS keyring (Secret Service, macOS Keychain, Windows Credential Locker)."""

    persistent = True

    def __init__(self, service: str = KEYRING_SERVICE, account: str = KEYRING_ACCOUNT) -> None:
        self._service = service
        self._account = account

    async def load(self) -> StoredLogin | None:
        raw = await self._call("get_password", self._service, self._account)
        return StoredLogin.from_json(raw)

    async def save(self, login: StoredLogin) -> None:
        await self._call("set_password", self._service, self._account, login.to_json())

    async def clear(self) -> None:
        import keyring.errors

        with contextlib.suppress(keyring.errors.PasswordDeleteError):  # nothing stored
            await self._call("delete_password", self._service, self._account)

    @staticmethod
    async def _call(name: str, *args: str) -> str | None:
        import keyring
        import keyring.errors

        try:
            return await asyncio.to_thread(getattr(keyring, name), *args)
        except keyring.errors.PasswordDeleteError:
            raise
        except keyring.errors.KeyringError as exc:
            raise TokenStoreUnavailable(f"the OS keyring is not available: {exc}") from exc


class FallbackTokenStore:
    """The keyring when the device has one; otherwise memory, and says so once."""

    def __init__(self, primary: KeyringTokenStore) -> None:
        self._primary = primary
        self._memory = MemoryTokenStore()
        self._failed = False

    @property
    def persistent(self) -> bool:
        return not self._failed

    async def _use(self, name: str, *args: StoredLogin) -> StoredLogin | None:
        if not self._failed:
            try:
                return await getattr(self._primary, name)(*args)
            except TokenStoreUnavailable as exc:
                log.warning("%s; the login is kept in memory for this session only", exc)
                self._failed = True
        return await getattr(self._memory, name)(*args)

    async def load(self) -> StoredLogin | None:
        return await self._use("load")

    async def save(self, login: StoredLogin) -> None:
        await self._use("save", login)

    async def clear(self) -> None:
        await self._use("clear")
        await self._memory.clear()
