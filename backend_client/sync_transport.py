"""The sync protocol's wire format (docs/sync.md): push numbered mutations, pull the change log.

Validated here, and typed: the sync engine never checks raw JSON. A pull page's changes reach
the store as the checked JSON objects they arrived as (`PullPage.change_objects`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from backend_client.errors import BackendProtocolError

PUSH_STATUSES = ("applied", "rejected", "duplicate")
DECIDED_STATUSES = ("applied", "rejected")  # what a duplicate's original_status can be
SEQ_CONFLICT = "seq_conflict"
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
    """One mutation's answer. `status` is what this push did ("duplicate": a replay of an
    earlier decision, which `original_status` names); `outcome` is what the server decided
    ("applied" or "rejected"), or "retry" for a `seq_conflict` (not processed)."""

    mutation_id: str
    seq: int
    status: str
    result: Any
    error_code: str | None
    error_message: str | None
    original_status: str | None = None

    @property
    def outcome(self) -> str:
        if self.status == "duplicate":
            return self.original_status or "applied"
        if self.status == "rejected" and self.error_code == SEQ_CONFLICT:
            return "retry"
        return self.status

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
        raw_error = data.get("error")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        original = data.get("original_status")
        if status == "duplicate":
            if original is None:
                # A server that does not say: an old one, which only replayed applied ones.
                original = "rejected" if error.get("code") else "applied"
            elif original not in DECIDED_STATUSES:
                raise BackendProtocolError(f"push result: unknown original_status {original!r}")
        else:
            original = None
        code, message = error.get("code"), error.get("message")
        return cls(mutation_id, seq, status, data.get("result"),
                   None if code is None else str(code),
                   None if message is None else str(message), original)

    def to_json(self) -> dict[str, Any]:
        error = ({"code": self.error_code, "message": self.error_message}
                 if self.error_code or self.error_message else None)
        answer = {"mutation_id": self.mutation_id, "seq": self.seq, "status": self.status,
                  "result": self.result, "error": error}
        if self.original_status is not None:
            answer["original_status"] = self.original_status
        return answer


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


class ChangeList(Sequence[Change]):
    """A pulled page's changes as they arrived: JSON objects checked by `checked_changes`,
    seen as `Change` values built only when read (`len` builds none). A first sync reads
    100,000 changes, and building a `Change` per row only for the store to turn it back into a
    dict was about a tenth of the device's work. `objects` is what the store takes."""

    __slots__ = ("objects",)

    def __init__(self, objects: tuple[dict[str, Any], ...]) -> None:
        self.objects = objects

    def __len__(self) -> int:
        return len(self.objects)

    @overload
    def __getitem__(self, index: int) -> Change: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Change, ...]: ...

    def __getitem__(self, index: int | slice) -> Change | tuple[Change, ...]:
        if isinstance(index, slice):
            return tuple(Change.from_json(c) for c in self.objects[index])
        return Change.from_json(self.objects[index])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like the tuple of Change it stands for

    def __repr__(self) -> str:
        return f"ChangeList({list(self)!r})"


def checked_changes(items: list[Any], cursor: int, next_cursor: int
                    ) -> tuple[dict[str, Any], ...]:
    """The changes of a pull page, each checked as the store needs it (an int position, a
    non-empty collection and key, a known op) and inside (cursor, next_cursor], kept as the
    JSON objects they arrived as."""
    for item in items:
        if type(item) is not dict:
            raise BackendProtocolError("change: expected an object")
        position, op = item.get("position"), item.get("op")
        collection, key = item.get("collection"), item.get("key")
        # `type(...) is` on purpose: a bool is no position, a str subclass no key.
        if type(position) is not int or op not in CHANGE_OPS:
            raise BackendProtocolError("change: position and op are required")
        if type(collection) is not str or type(key) is not str or not collection or not key:
            raise BackendProtocolError("change: collection and key are required")
        if position <= cursor or position > next_cursor:
            raise BackendProtocolError("pull response: a change outside (cursor, next_cursor]")
    return tuple(items)


@dataclass(frozen=True)
class PullPage:
    # A `ChangeList` when parsed by `from_json`; any sequence of `Change` when built by hand.
    changes: Sequence[Change]
    next_cursor: int
    has_more: bool
    # The read-only streams the caller may pull now (personal pulls only; else empty).
    streams: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, cursor: int) -> PullPage:
        if not isinstance(data, dict) or not isinstance(data.get("changes"), list):
            raise BackendProtocolError("pull response: changes missing")
        next_cursor, has_more = data.get("next_cursor"), data.get("has_more")
        if not isinstance(next_cursor, int) or not isinstance(has_more, bool):
            raise BackendProtocolError("pull response: next_cursor and has_more required")
        if next_cursor < cursor:
            raise BackendProtocolError("pull response: the cursor went backwards")
        changes = ChangeList(checked_changes(data["changes"], cursor, next_cursor))
        return cls(changes, next_cursor, has_more, _streams(data.get("streams")))

    @property
    def change_objects(self) -> Sequence[dict[str, Any]]:
        """The changes as `UserStore.apply_changes` takes them: after `from_json`, the checked
        JSON objects as received (no copy)."""
        if isinstance(self.changes, ChangeList):
            return self.changes.objects
        return [c.to_json() for c in self.changes]


def _streams(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
        raise BackendProtocolError("pull response: streams must be a list of names")
    return tuple(value)
