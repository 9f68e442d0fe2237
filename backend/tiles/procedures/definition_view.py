"""A procedure definition as the submission side reads it: typed accessors over the
definition's JSON (docs/procedures.md §1), and finding one by id and version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from backend.tiles.procedures.definitions import store


@dataclass(frozen=True)
class Definition:
    """One version of one procedure (the file's JSON)."""

    body: dict[str, Any]
    withdrawn: bool = False  # retired by the city: no new submissions

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def version(self) -> int:
        return int(self.body["version"])

    @property
    def department(self) -> str:
        return str(self.body["department"])

    @property
    def title_ja(self) -> str:
        return str(self.body.get("title", {}).get("ja", self.id))

    @property
    def title_en(self) -> str:
        return str(self.body.get("title", {}).get("en", self.id))

    @property
    def completion(self) -> str:
        return str(self.body.get("completion", "online"))

    @property
    def for_whom(self) -> tuple[str, ...]:
        return tuple(self.body.get("for_whom") or ("self",))

    @property
    def eligibility(self) -> dict[str, Any]:
        return dict(self.body.get("eligibility") or {})

    @property
    def fee(self) -> dict[str, Any] | None:
        fee = self.body.get("fee")
        return dict(fee) if isinstance(fee, dict) else None

    @property
    def fee_methods(self) -> tuple[str, ...]:
        fee = self.fee
        return tuple(fee.get("methods") or ("counter",)) if fee else ()

    @property
    def slots(self) -> dict[str, dict[str, Any]]:
        return {str(slot["id"]): dict(slot) for slot in self.body.get("attachments") or ()}

    @property
    def fields(self) -> frozenset[str]:
        return frozenset((self.body.get("schema") or {}).get("properties") or {})

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.body.get("statuses") or ())

    def slot_types(self, slot: str) -> tuple[str, ...]:
        return tuple(self.slots[slot].get("types") or ())

    def slot_max_bytes(self, slot: str) -> int:
        return int(self.slots[slot].get("max_bytes") or 0)


def find_definition(session: Session, code: str, procedure_id: str,
                    version: int | None = None) -> Definition | None:
    """Version `version` of `procedure_id` in this city (withdrawn or not), or with `version`
    None the latest offered one; None when there is no such procedure or version."""
    if version is None:
        found = store.latest_definition(session, code, procedure_id)
    else:
        found = store.definition_version(session, code, procedure_id, version)
    if found is None:
        return None
    return Definition(found.body, withdrawn=found.withdrawn_at is not None)
