"""The login on phones: Flet's secure storage (iOS Keychain, Android Keystore), behind the
same `TokenStore` interface as the desktop keyring (`keyring` has no phone backend)."""

from __future__ import annotations

from app.account.token_store import KEYRING_ACCOUNT, KEYRING_SERVICE, StoredLogin


class SecureStorageTokenStore:
    persistent = True

    def __init__(self, key: str = f"{KEYRING_SERVICE}.{KEYRING_ACCOUNT}") -> None:
        from flet_secure_storage import SecureStorage

        self._storage = SecureStorage()
        self._key = key

    async def load(self) -> StoredLogin | None:
        raw = await self._storage.get(self._key)
        return StoredLogin.from_json(raw if isinstance(raw, str) else None)

    async def save(self, login: StoredLogin) -> None:
        await self._storage.set(self._key, login.to_json())

    async def clear(self) -> None:
        await self._storage.remove(self._key)
