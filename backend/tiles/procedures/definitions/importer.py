"""Importing a folder of procedure definitions (docs/procedure-definitions.md).

Every `*.json` file of the folder is read (UTF-8) and checked (`format.check_definition`);
with any error in any file nothing is stored and the previous versions stay in force. Then,
in one transaction under a lock (two backends starting together, or an import racing a
start-up, store a version once):

- a definition whose body (canonical JSON, sha256) is the stored latest one is unchanged;
- a changed body needs a higher `version` than the stored latest one (else an error, and
  nothing is stored); the new version is inserted next to the old ones (a submission names
  the version it was made with) and published as the `procedures` row of its id;
- a definition no longer in the folder is not deleted: a warning says it is still
  published. A demo definition (`"demo": true`) no longer in the folder is withdrawn
  instead (the city's own folder replaces the demo): its rows stay for the submissions made
  with it, its public row becomes a tombstone, and it comes back if its file does.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, text, update

from backend.db import write_engine
from backend.tiles.procedures.definitions.format import check_definition
from backend.tiles.procedures.definitions.publish import publish
from backend.tiles.procedures.definitions.store import (
    TABLE,
    StoredDefinition,
    body_sha256,
    canonical_json,
    definition_version,
    latest_definition,
    latest_stored,
    list_latest,
)
from backend.tiles.procedures.definitions.vocabulary import MAX_FILE_BYTES

logger = logging.getLogger(__name__)

ADDED = "added"
UPDATED = "updated"
UNCHANGED = "unchanged"
RESTORED = "restored"  # a withdrawn demo definition whose file is back

__all__ = ["ADDED", "RESTORED", "UNCHANGED", "UPDATED", "FileOutcome", "ImportReport",
           "definition_version", "import_folder", "latest_definition", "list_latest",
           "read_folder"]


@dataclass(frozen=True)
class FileOutcome:
    file: str
    procedure_id: str
    outcome: str  # ADDED, UPDATED, UNCHANGED, RESTORED
    version: int
    previous_version: int | None = None

    def line(self) -> str:
        if self.outcome == UPDATED:
            return f"{self.file}: updated (version {self.previous_version} -> {self.version})"
        return f"{self.file}: {self.outcome} (version {self.version})"


@dataclass
class ImportReport:
    folder: Path
    check_only: bool = False
    outcomes: list[FileOutcome] = field(default_factory=list)  # none when there are errors
    errors: list[str] = field(default_factory=list)  # "FILE: PATH: message"
    warnings: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # demo ids withdrawn
    positions: list[int] = field(default_factory=list)  # change-log rows written

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def stored(self) -> bool:
        """Whether anything was written."""
        return bool(self.positions)

    def count(self, outcome: str) -> int:
        return sum(1 for entry in self.outcomes if entry.outcome == outcome)

    def summary(self) -> str:
        if self.errors:
            return (f"{len(self.errors)} error(s): nothing imported, the stored definitions "
                    "stay in force")
        counts = ", ".join(f"{self.count(o)} {o}" for o in (ADDED, UPDATED, UNCHANGED, RESTORED)
                           if self.count(o))
        withdrawn = f", {len(self.withdrawn)} demo withdrawn" if self.withdrawn else ""
        if self.check_only:
            return f"check only, nothing stored: would be {counts or 'nothing'}{withdrawn}"
        return f"imported: {counts or 'nothing'}{withdrawn}"

    def lines(self) -> list[str]:
        """What the command prints: the outcome per file (when there is no error), the
        warnings, every error, then the summary."""
        shown = [entry.line() for entry in self.outcomes]
        shown += [f"{procedure_id}.json: withdrawn (a demo definition the folder does not "
                  "have)" for procedure_id in self.withdrawn]
        return shown + self.warnings + self.errors + [self.summary()]


# --- reading -----------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def _position(raw: bytes, offset: int) -> str:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def read_file(file: Path) -> tuple[Any, list[str]]:
    """(the parsed JSON or None, the errors as "FILE: WHERE: message")."""
    name = file.name
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, [f"{name}: $: cannot be read: {exc.strerror or exc}"]
    if len(raw) > MAX_FILE_BYTES:
        return None, [f"{name}: $: the file is {len(raw)} bytes, at most {MAX_FILE_BYTES} "
                      "(1 MiB)"]
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [f"{name}: {_position(raw, exc.start)}: not UTF-8 text (byte "
                      f"0x{raw[exc.start]:02x}); save the file as UTF-8"]
    try:
        return json.loads(content, object_pairs_hook=_no_duplicates), []
    except _DuplicateKey as exc:
        return None, [f"{name}: $: the key \"{exc}\" appears twice in one object"]
    except json.JSONDecodeError as exc:
        return None, [f"{name}: line {exc.lineno}, column {exc.colno}: not valid JSON: "
                      f"{exc.msg}"]


def read_folder(folder: Path) -> tuple[dict[str, tuple[str, dict[str, Any]]], list[str]]:
    """(id -> (file name, checked definition) of every well-formed file, every error)."""
    if not folder.is_dir():
        return {}, [f"{folder}: not a folder"]
    files = sorted(path for path in folder.glob("*.json") if path.is_file())
    if not files:
        return {}, [f"{folder}: no definition files (*.json) in this folder"]
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    errors: list[str] = []
    for file in files:
        body, problems = read_file(file)
        errors += problems
        if problems:
            continue
        problems = [error.line(file.name) for error in check_definition(body, file.stem)]
        errors += problems
        if not problems:
            found[file.stem] = (file.name, body)
    return found, errors


# --- storing -----------------------------------------------------------------------------


def _lock(connection: Connection, municipality_code: str) -> None:
    """Serialise imports of the municipality until the transaction ends. PostgreSQL: an
    advisory lock; SQLite: the write lock `write_engine` takes at BEGIN already."""
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(
            f"procedures:{municipality_code}".encode()).digest()[:8], "big", signed=True)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@dataclass
class _Plan:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    restore: list[tuple[str, int]] = field(default_factory=list)
    publish: list[tuple[dict[str, Any], datetime]] = field(default_factory=list)


def _plan(report: ImportReport, found: dict[str, tuple[str, dict[str, Any]]],
          stored: dict[str, StoredDefinition], code: str, now: datetime) -> _Plan:
    plan = _Plan()
    for procedure_id, (file, body) in sorted(found.items()):
        version = int(body["version"])
        sha = body_sha256(body)
        latest = stored.get(procedure_id)
        if latest is not None and latest.sha256 == sha:
            if latest.withdrawn_at is None:
                report.outcomes.append(FileOutcome(file, procedure_id, UNCHANGED, version))
            else:
                report.outcomes.append(FileOutcome(file, procedure_id, RESTORED, version))
                plan.restore.append((procedure_id, version))
                plan.publish.append((body, latest.imported_at))
            continue
        if latest is not None and version <= latest.version:
            report.errors.append(
                f"{file}: $.version: the definition changed but its version is {version}; "
                f"the stored one is {latest.version}: raise it to {latest.version + 1}")
            continue
        report.outcomes.append(FileOutcome(file, procedure_id, ADDED if latest is None
                                           else UPDATED, version,
                                           None if latest is None else latest.version))
        plan.inserts.append({"municipality_code": code, "id": procedure_id,
                             "version": version, "body": canonical_json(body),
                             "sha256": sha, "is_demo": bool(body.get("demo", False)),
                             "imported_at": now, "withdrawn_at": None})
        plan.publish.append((body, now))
    for procedure_id, latest in sorted(stored.items()):
        if procedure_id in found or latest.withdrawn_at is not None:
            continue
        if latest.is_demo:
            report.withdrawn.append(procedure_id)
        else:
            report.warnings.append(
                f"{procedure_id}.json: warning: not in the folder; version "
                f"{latest.version} is still published (definitions are never deleted)")
    return plan


def import_folder(engine: Engine, municipality_code: str, folder: Path, *,
                  check_only: bool = False, now: datetime | None = None) -> ImportReport:
    """Check and import `folder` (see the module docstring); `check_only` stores nothing
    but reports what an import would do, the version errors included."""
    report = ImportReport(folder=folder, check_only=check_only)
    found, report.errors = read_folder(folder)
    if report.errors:
        return report
    moment = now or datetime.now(UTC)
    with write_engine(engine).connect() as connection, connection.begin():
        _lock(connection, municipality_code)
        plan = _plan(report, found, latest_stored(connection, municipality_code),
                     municipality_code, moment)
        if report.errors:
            report.outcomes.clear()  # nothing happens to any file
            report.withdrawn.clear()
            return report
        if check_only:
            return report
        if plan.inserts:
            connection.execute(insert(TABLE), plan.inserts)
        for procedure_id, version in plan.restore:
            connection.execute(update(TABLE).where(
                TABLE.c.municipality_code == municipality_code, TABLE.c.id == procedure_id,
                TABLE.c.version == version).values(withdrawn_at=None))
        for procedure_id in report.withdrawn:
            connection.execute(update(TABLE).where(
                TABLE.c.municipality_code == municipality_code, TABLE.c.id == procedure_id
            ).values(withdrawn_at=moment))
        report.positions = publish(connection, municipality_code, plan.publish,
                                   report.withdrawn, moment)
    return report
