"""The sync protocol's wire format (docs/sync.md): push numbered mutations, pull the change log.

Typed and validated here so the sync engine never handles raw JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend_client.errors import BackendProtocolError

PUSH_STATUSES = ("applied", "rejected", "duplicate")
CHANGE_OPS = ("upsert", "delete")


@dataclass(frozen=True)
class Mutation:
    seq: int
    mutation_id: str
    collection: str
    name: str
    args: dict[str, Any]
    created_at: str  # ISO 8601, informational only: the server orders by its own clock

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "mutation_id": self.mutation_id,
                "collection": self.collection, "name": self.name, "args": self.args,
                "created_at": self.created_at}


@dataclass(frozen=True)
class PushResult:
    mutation_id: str
    seq: int
    status: str
    result: Any
    error_code: str | None
    error_message: str | None

    @classmethod
    def from_json(cls, data: Any) -> PushResult:
        if not isinstance(data, dict):
            raise BackendProtocolError("push result: expected an object")
        status = data.get("status")
        if status not in PUSH_STATUSES:
            raise BackendProtocolError(f"push result: unknown status {status!r}")
        mutation_id, seq = data.get("mutation_id"), data.get("seq")
        if not isinstance(mutation_id, str) or not isinstance(seq, int):
            raise BackendProtocolError("push result: mutation_id and seq are required")
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        return cls(mutation_id, seq, status, data.get("result"),
                   error.get("code"), error.get("message"))

    def to_json(self) -> dict[str, Any]:
        error = ({"code": self.error_code, "message": self.error_message}
                 if self.error_code else None)
        return {"mutation_id": self.mutation_id, "seq": self.seq, "status": self.status,
                "result": self.result, "error": error}


@dataclass(frozen=True)
class PushResponse:
    results: tuple[PushResult, ...]
    last_seq: int

    @classmethod
    def from_json(cls, data: Any) -> PushResponse:
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise BackendProtocolError("push response: results missing")
        last_seq = data.get("last_seq")
        if not isinstance(last_seq, int) or isinstance(last_seq, bool):
            raise BackendProtocolError("push response: last_seq missing")
        return cls(tuple(PushResult.from_json(r) for r in data["results"]), last_seq)


@dataclass(frozen=True)
class Change:
    position: int
    collection: str
    key: str
    op: str
    data: Any
    changed_at: str

    @classmethod
    def from_json(cls, data: Any) -> Change:
        if not isinstance(data, dict):
            raise BackendProtocolError("change: expected an object")
        position, op = data.get("position"), data.get("op")
        if not isinstance(position, int) or op not in CHANGE_OPS:
            raise BackendProtocolError("change: position and op are required")
        collection, key = data.get("collection"), data.get("key")
        if not isinstance(collection, str) or not isinstance(key, str):
            raise BackendProtocolError("change: collection and key are required")
        return cls(position, collection, key, op, data.get("data"),
                   str(data.get("changed_at", "")))

    def to_json(self) -> dict[str, Any]:
        return {"position": self.position, "collection": self.collection, "key": self.key,
                "op": self.op, "data": self.data, "changed_at": self.changed_at}


@dataclass(frozen=True)
class PullPage:
    changes: tuple[Change, ...]
    next_cursor: int
    has_more: bool

    @classmethod
    def from_json(cls, data: Any, cursor: int) -> PullPage:
        if not isinstance(data, dict) or not isinstance(data.get("changes"), list):
            raise BackendProtocolError("pull response: changes missing")
        next_cursor, has_more = data.get("next_cursor"), data.get("has_more")
        if not isinstance(next_cursor, int) or not isinstance(has_more, bool):
            raise BackendProtocolError("pull response: next_cursor and has_more required")
        if next_cursor < cursor:
            raise BackendProtocolError("pull response: the cursor went backwards")
        changes = tuple(Change.from_json(c) for c in data["changes"])
        if any(c.position <= cursor or c.position > next_cursor for c in changes):
            raise BackendProtocolError("pull response: a change outside (cursor, next_cursor]")
        return cls(changes, next_cursor, has_more)
