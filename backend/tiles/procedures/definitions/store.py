"""Reading the stored definitions: the latest offered version of a procedure, any version
(a submission names its version), and the list the city offers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, select
from sqlmodel import Session

from backend.models import as_utc
from backend.tiles.procedures.definitions.models import ProcedureDefinitionRow

TABLE: Table = ProcedureDefinitionRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredDefinition:
    municipality_code: str
    id: str
    version: int
    body: dict[str, Any]  # the definition's parsed JSON (what form_check takes)
    sha256: str
    is_demo: bool
    imported_at: datetime
    withdrawn_at: datetime | None

    @property
    def department(self) -> str:
        return str(self.body["department"])

    @property
    def completion(self) -> str:
        return str(self.body["completion"])

    @property
    def title_ja(self) -> str:
        return str(self.body["title"]["ja"])

    @property
    def title_en(self) -> str:
        return str(self.body["title"]["en"])


def canonical_json(body: Mapping[str, Any]) -> str:
    """The stored text of a definition: the same content gives the same text."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def body_sha256(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def stored(row: Mapping[str, Any]) -> StoredDefinition:
    """A stored definition from its table row (a mapping of the columns)."""
    withdrawn = row["withdrawn_at"]
    return StoredDefinition(
        municipality_code=row["municipality_code"], id=row["id"], version=row["version"],
        body=json.loads(row["body"]), sha256=row["sha256"], is_demo=row["is_demo"],
        imported_at=as_utc(row["imported_at"]),
        withdrawn_at=None if withdrawn is None else as_utc(withdrawn))


def _rows(connection: Session | Connection, statement: Select[Any]
          ) -> list[Mapping[str, Any]]:
    return [dict(mapping) for mapping in connection.execute(statement).mappings().all()]


def _latest_rows(connection: Session | Connection, municipality_code: str,
                 procedure_id: str | None = None) -> list[Mapping[str, Any]]:
    """The highest version of each procedure (of one procedure with `procedure_id`)."""
    statement = select(TABLE).where(TABLE.c.municipality_code == municipality_code)
    if procedure_id is not None:
        statement = statement.where(TABLE.c.id == procedure_id)
    statement = statement.order_by(TABLE.c.id, TABLE.c.version.desc())
    latest: dict[str, Mapping[str, Any]] = {}
    for row in _rows(connection, statement):
        latest.setdefault(row["id"], row)
    return list(latest.values())


def latest_definition(connection: Session | Connection, municipality_code: str,
                      procedure_id: str) -> StoredDefinition | None:
    """The procedure's latest version, or None when there is none or it was withdrawn
    (no new submissions then)."""
    rows = _latest_rows(connection, municipality_code, procedure_id)
    if not rows or rows[0]["withdrawn_at"] is not None:
        return None
    return stored(rows[0])


def definition_version(connection: Session | Connection, municipality_code: str,
                       procedure_id: str, version: int) -> StoredDefinition | None:
    """That version of the procedure (withdrawn or not), or None."""
    rows = _rows(connection, select(TABLE).where(
        TABLE.c.municipality_code == municipality_code, TABLE.c.id == procedure_id,
        TABLE.c.version == version))
    return stored(rows[0]) if rows else None


def list_latest(connection: Session | Connection, municipality_code: str
                ) -> list[StoredDefinition]:
    """The latest version of every procedure the city offers (not withdrawn), by id."""
    return [stored(row) for row in _latest_rows(connection, municipality_code)
            if row["withdrawn_at"] is None]


def latest_stored(connection: Session | Connection, municipality_code: str
                  ) -> dict[str, StoredDefinition]:
    """id -> the latest version of each procedure, withdrawn ones included (the importer)."""
    return {row["id"]: stored(row) for row in _latest_rows(connection, municipality_code)}
