"""Errors of the offline store. Each says what happened and what the caller can do."""

from __future__ import annotations


class OfflineStoreError(Exception):
    """Base class of every error raised by `offline_store`."""


class DataKeyMissing(OfflineStoreError):
    """The data key of a store is not in the key store, or the key there does not open it.

    The encrypted rows cannot be read. The caller wipes the store and syncs again.
    """


class DataKeyStoreUnavailable(OfflineStoreError):
    """The device has no usable secure storage for the data key (for example no keyring)."""


class StoreCorrupted(OfflineStoreError):
    """A stored value failed authentication (tampered, truncated or moved to another row)."""


class StoreTooNew(OfflineStoreError):
    """The database file was written by a newer version of the app (higher schema version)."""


class MigrationError(OfflineStoreError):
    """A migration failed or would have changed outbox rows; the file is left as it was."""
