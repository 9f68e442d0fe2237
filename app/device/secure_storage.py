"""Phones: Flet's secure storage (iOS Keychain, Android Keystore) behind the interfaces the
desktop keyring serves elsewhere (`keyring` has no phone backend).

- `SecureStorageTokenStore`: the login (`TokenStore`, async like the storage itself).
- `SecureStorageDataKeyStore`: the data key of each offline store (`DataKeyStore`, which is
  synchronous because stores are opened off the event loop, in a worker thread). It hands
  each storage call to the event loop and waits for it in that worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from app.account.token_store import KEYRING_ACCOUNT, KEYRING_SERVICE, StoredLogin
from offline_store.data_key_store import decode_data_key, encode_data_key, keyring_account
from offline_store.errors import DataKeyStoreUnavailable

T = TypeVar("T")

STORAGE_TIMEOUT_S = 15.0  # a Keychain prompt or a busy Keystore answers well within this


class AsyncSecureStorage(Protocol):
    """What `flet_secure_storage.SecureStorage` offers (and what tests fake)."""

    async def get(self, key: str) -> Any: ...

    async def set(self, key: str, value: str) -> Any: ...

    async def remove(self, key: str) -> Any: ...


def flet_secure_storage() -> AsyncSecureStorage:
    from flet_secure_storage import SecureStorage

    return SecureStorage()


class SecureStorageTokenStore:
    persistent = True

    def __init__(self, key: str = f"{KEYRING_SERVICE}.{KEYRING_ACCOUNT}",
                 storage: AsyncSecureStorage | None = None) -> None:
        self._storage = storage or flet_secure_storage()
        self._key = key

    async def load(self) -> StoredLogin | None:
        raw = await self._storage.get(self._key)
        return StoredLogin.from_json(raw if isinstance(raw, str) else None)

    async def save(self, login: StoredLogin) -> None:
        await self._storage.set(self._key, login.to_json())

    async def clear(self) -> None:
        await self._storage.remove(self._key)


class SecureStorageDataKeyStore:
    """The data key in the phone's secure storage, under "tsuyama-portal.data-key:<store id>".

    Create it on the event loop; call it from a worker thread (`asyncio.to_thread`), never
    from the loop itself (that would wait for itself).
    """

    persistent = True

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None,
                 storage: AsyncSecureStorage | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._storage = storage or flet_secure_storage()

    def load(self, store_id: str) -> bytes | None:
        raw = self._wait(lambda: self._storage.get(self._name(store_id)))
        return None if raw is None else decode_data_key(raw, "the secure storage")

    def save(self, store_id: str, key: bytes) -> None:
        self._wait(lambda: self._storage.set(self._name(store_id), encode_data_key(key)))

    def delete(self, store_id: str) -> None:
        self._wait(lambda: self._storage.remove(self._name(store_id)))

    @staticmethod
    def _name(store_id: str) -> str:
        return f"{KEYRING_SERVICE}.{keyring_account(store_id)}"

    def _wait(self, call: Callable[[], Awaitable[T]]) -> T:
        if self._loop_thread():
            raise RuntimeError("SecureStorageDataKeyStore must be called off the event loop")
        future = asyncio.run_coroutine_threadsafe(_awaited(call), self._loop)
        try:
            return future.result(timeout=STORAGE_TIMEOUT_S)
        except TimeoutError as exc:
            future.cancel()
            raise DataKeyStoreUnavailable("the secure storage did not answer") from exc
        except (OSError, RuntimeError) as exc:  # the platform channel failed
            raise DataKeyStoreUnavailable(f"the secure storage failed: {exc}") from exc

    def _loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:  # no loop in this thread: a worker, as it should be
            return False


async def _awaited(call: Callable[[], Awaitable[T]]) -> T:
    return await call()
