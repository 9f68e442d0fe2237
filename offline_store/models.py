"""The tables of a device store, as SQLModel classes.

The schema itself is created and changed by `offline_store.migrations` (hand-written SQL, one
step per version); these classes mirror it for typed reads, and a test checks they agree.
They live in their own registry so they never mix with the backend's tables.

Times are ISO-8601 text in UTC. Values (`data`, `confirmed_data`, `args`) are UTF-8 JSON, or
AES-GCM ciphertext when `encrypted` is set (sensitive collections, see `crypto.py`).
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, PrimaryKeyConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

store_registry = registry()


class StoreModel(SQLModel, registry=store_registry):
    pass


class LocalRecord(StoreModel, table=True):
    """What a tile shows: the server's value, or the resident's optimistic edit on top of it."""

    __tablename__ = "local_record"
    __table_args__ = (PrimaryKeyConstraint("collection", "key"),)

    collection: str
    key: str
    data: bytes | None = Field(default=None, sa_type=LargeBinary)  # None: deleted locally
    encrypted: bool = False
    deleted: bool = False  # a pending local delete
    # The last value the server confirmed (None with confirmed_exists=False: none yet);
    # what the row returns to when its pending mutations are rejected.
    confirmed_data: bytes | None = Field(default=None, sa_type=LargeBinary)
    confirmed_exists: bool = False
    server_position: int | None = None
    pending: bool = False  # has outbox entries not yet applied or rejected
    server_newer: bool = False  # the server changed the row while it was pending
    rollback_on_resolve: bool = False  # one of its pending mutations was rejected
    updated_at: str
    synced_at: str | None = None
    stream: str = "main"  # the sync stream that last wrote the server's value


class Outbox(StoreModel, table=True):
    """Mutations waiting for (or done with) `POST /sync/push`, in the order they were made."""

    __tablename__ = "outbox"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    mutation_id: str = Field(unique=True)
    collection: str
    record_key: str
    name: str
    args: bytes = Field(sa_type=LargeBinary)
    encrypted: bool = False
    created_at: str
    state: str = "pending"  # pending | sending | applied | rejected
    error_code: str | None = None
    error_message: str | None = None
    attempts: int = 0


class SyncCursor(StoreModel, table=True):
    __tablename__ = "sync_cursor"

    stream: str = Field(primary_key=True)
    cursor: int = 0  # issued by the server, never a device clock
    last_synced_at: str | None = None


class ClientIdentity(StoreModel, table=True):
    """One row: the client (device) id this store's outbox is numbered for."""

    __tablename__ = "client_identity"

    id: int = Field(default=1, primary_key=True)
    client_id: str
    created_at: str
    data_key_check: bytes | None = Field(default=None, sa_type=LargeBinary)


class StoreNotice(StoreModel, table=True):
    """Something the store tells the resident about itself (`offline_store.recovery`)."""

    __tablename__ = "store_notice"

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # damaged | key_lost | file_lost
    created_at: str
    recovered: int = 0  # unsent changes recovered and queued again
    lost: int | None = None  # unsent changes that could not be recovered; None: unknown
    detail: str = ""
    dismissed: bool = False
