"""Encryption at rest of sensitive values: AES-256-GCM with the per-user data key.

Stored form of an encrypted value: `b"\\x01" + nonce (12 random bytes) + ciphertext||tag`.
The associated data binds the value to its place (what it is, collection, key), so a
ciphertext copied into another row, or from a record into the outbox, fails to decrypt.
"""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from offline_store.errors import StoreCorrupted

# Collections encrypted at rest by default; `open_user_store(sensitive_collections=...)`.
SENSITIVE_COLLECTIONS: frozenset[str] = frozenset(
    {"health_records", "health_device", "wallet", "school", "identity", "procedure_drafts",
     "procedure_submissions", "reservations"}
)

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit, random per value
FORMAT_V1 = b"\x01"
_AAD_PREFIX = b"tsuyama-portal/offline-store/v1"

# What a value is, part of the associated data.
RECORD = "record"
OUTBOX_ARGS = "outbox-args"
KEY_CHECK = "key-check"


def new_data_key() -> bytes:
    """A fresh random 256-bit data key."""
    return AESGCM.generate_key(KEY_BYTES * 8)


def associated_data(purpose: str, collection: str, key: str) -> bytes:
    # Length-prefixed so ("a\0b", "c") and ("a", "b\0c") differ.
    return _aad_start(purpose, collection) + _length_prefixed(key)


def _length_prefixed(part: str) -> bytes:
    raw = part.encode()
    return len(raw).to_bytes(4, "big") + raw


@lru_cache(maxsize=256)
def _aad_start(purpose: str, collection: str) -> bytes:
    """The associated data up to the key: the same for every row of a collection."""
    return _AAD_PREFIX + _length_prefixed(purpose) + _length_prefixed(collection)


class ValueCipher:
    """Encrypts and decrypts values with one data key."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != KEY_BYTES:
            raise ValueError(f"the data key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(data_key)

    def encrypt(self, plaintext: bytes, purpose: str, collection: str, key: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        aad = _aad_start(purpose, collection) + _length_prefixed(key)  # associated_data()
        return b"".join((FORMAT_V1, nonce, self._aead.encrypt(nonce, plaintext, aad)))

    def decrypt(self, stored: bytes, purpose: str, collection: str, key: str) -> bytes:
        """The plaintext, or `StoreCorrupted`: never a value that failed authentication."""
        if len(stored) < 1 + NONCE_BYTES + 16 or stored[:1] != FORMAT_V1:
            raise StoreCorrupted(f"malformed encrypted value in {collection}/{purpose}")
        nonce = stored[1 : 1 + NONCE_BYTES]
        aad = associated_data(purpose, collection, key)
        try:
            return self._aead.decrypt(nonce, stored[1 + NONCE_BYTES :], aad)
        except InvalidTag as exc:
            raise StoreCorrupted(
                f"an encrypted value in {collection} failed authentication "
                "(tampered, moved to another row, or written with another key)"
            ) from exc
