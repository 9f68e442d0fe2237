"""On-device offline store of Tsuyama Portal: what every tile reads first.

One SQLite file per resident and one per municipality for public content (`database.py`),
schema steps that never touch the outbox (`migrations.py`), rows, outbox and sync cursors
(`repository.py`), AES-GCM for sensitive collections with the data key in the OS keyring
(`crypto.py`, `data_key_store.py`). See docs/offline-store.md and ADR 0012.
"""

from offline_store.crypto import SENSITIVE_COLLECTIONS
from offline_store.data_key_store import DataKeyStore, KeyringDataKeyStore, MemoryDataKeyStore
from offline_store.database import open_public_store, open_user_store
from offline_store.errors import (
    DataKeyMissing,
    DataKeyStoreUnavailable,
    MigrationError,
    OfflineStoreError,
    StoreCorrupted,
    StoreDatabaseError,
    StoreError,
    StoreTooNew,
    StoreUnavailable,
)
from offline_store.recovery import StoreRecovery
from offline_store.repository import (
    CursorState,
    LocalRow,
    OutboxEntry,
    PublicStore,
    UserStore,
)

__all__ = [
    "SENSITIVE_COLLECTIONS",
    "CursorState",
    "DataKeyMissing",
    "DataKeyStore",
    "DataKeyStoreUnavailable",
    "KeyringDataKeyStore",
    "LocalRow",
    "MemoryDataKeyStore",
    "MigrationError",
    "OfflineStoreError",
    "OutboxEntry",
    "PublicStore",
    "StoreCorrupted",
    "StoreDatabaseError",
    "StoreError",
    "StoreRecovery",
    "StoreTooNew",
    "StoreUnavailable",
    "UserStore",
    "open_public_store",
    "open_user_store",
]
