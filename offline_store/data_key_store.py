"""Where the device keeps the data key of each user store: the OS keyring, memory on kiosks
(phones: Flet's secure storage, `app/device/secure_storage.py`).

Same shape as `app/account/token_store.py`, but synchronous: the store is opened off the
event loop (`asyncio.to_thread(open_user_store, ...)`), like every other call into SQLite.
The key is kept as base64 of 32 bytes under service "tsuyama-portal", account
"data-key:<store id>" (the store id is the hash that also names the database file).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from typing import Protocol

from offline_store.crypto import KEY_BYTES
from offline_store.errors import DataKeyMissing, DataKeyStoreUnavailable

KEYRING_SERVICE = "tsuyama-portal"


def keyring_account(store_id: str) -> str:
    return f"data-key:{store_id}"


def encode_data_key(key: bytes) -> str:
    """The text form every key store keeps: base64 of the 32-byte key."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"the data key must be {KEY_BYTES} bytes")
    return base64.b64encode(key).decode("ascii")


def decode_data_key(raw: object, where: str) -> bytes:
    """The key back from its text form; `DataKeyMissing` if what `where` holds is not one."""
    if not isinstance(raw, str):
        raise DataKeyMissing(f"the data key in {where} is not text")
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DataKeyMissing(f"the data key in {where} is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise DataKeyMissing(f"the data key in {where} is not {KEY_BYTES} bytes")
    return key


class DataKeyStore(Protocol):
    persistent: bool

    def load(self, store_id: str) -> bytes | None: ...

    def save(self, store_id: str, key: bytes) -> None: ...

    def delete(self, store_id: str) -> None: ...


class MemoryDataKeyStore:
    """Kiosk mode: the key lives as long as this object; files written with it are unreadable
    once it is gone."""

    persistent = False

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}

    def load(self, store_id: str) -> bytes | None:
        return self._keys.get(store_id)

    def save(self, store_id: str, key: bytes) -> None:
        self._keys[store_id] = key

    def delete(self, store_id: str) -> None:
        self._keys.pop(store_id, None)


class KeyringDataKeyStore:
    """The OS keyring (Secret Service, macOS Keychain, Windows Credential Locker)."""

    persistent = True

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self._service = service

    def load(self, store_id: str) -> bytes | None:
        raw = self._call("get_password", self._service, keyring_account(store_id))
        return None if raw is None else decode_data_key(raw, "the keyring")

    def save(self, store_id: str, key: bytes) -> None:
        self._call("set_password", self._service, keyring_account(store_id),
                   encode_data_key(key))

    def delete(self, store_id: str) -> None:
        import keyring.errors

        with contextlib.suppress(keyring.errors.PasswordDeleteError):  # nothing stored
            self._call("delete_password", self._service, keyring_account(store_id))

    @staticmethod
    def _call(name: str, *args: str) -> str | None:
        import keyring
        import keyring.errors

        try:
            return getattr(keyring, name)(*args)
        except keyring.errors.PasswordDeleteError:
            raise
        except keyring.errors.KeyringError as exc:
            raise DataKeyStoreUnavailable(f"the OS keyring is not available: {exc}") from exc
