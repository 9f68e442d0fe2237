"""Importing a folder of resource definitions (docs/reservations.md §1).

Every `*.json` file of the folder is read (UTF-8, no key twice) and checked
(`format.check_resource`); with any error in any file nothing is changed. Then, in one
transaction under a lock (two backends starting together store a definition once):

- a definition whose body is the stored one is unchanged (a withdrawn one is restored);
- a changed body needs a higher `version` than the stored one (else an error, and nothing
  is changed); the row is replaced and published (`reservation_resources`);
- a resource no longer in the folder is withdrawn: its public row becomes a tombstone, its
  free slots from today on are deleted, the slots someone holds or waits for stay;
- every resource of the folder gets its missing slots (`slots.ensure_slots`).

`check_only` reports what an import would do, the version errors included, and changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from backend.db import write_engine
from backend.services.clock import city_today, utc_now
from backend.tiles.procedures.api import read_definition_file
from backend.tiles.reservations.resource import parse_resource
from backend.tiles.reservations.resources.format import check_resource
from backend.tiles.reservations.resources.publish import publish_resources
from backend.tiles.reservations.resources.store import (
    canonical_json,
    lock_resources,
    save_resource,
    stored_rows,
    withdraw_resource,
)
from backend.tiles.reservations.slots import drop_free_slots, ensure_slots

ADDED = "added"
UPDATED = "updated"
UNCHANGED = "unchanged"
RESTORED = "restored"  # a withdrawn resource whose file is back


@dataclass
class ImportReport:
    folder: Path
    check_only: bool = False
    outcomes: list[str] = field(default_factory=list)  # "FILE: added (version 1)"; none on error
    errors: list[str] = field(default_factory=list)  # "FILE: $.path: message"
    withdrawn: list[str] = field(default_factory=list)  # resource ids
    stored: list[str] = field(default_factory=list)  # ids added, updated or restored
    slots_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return (f"{len(self.errors)} error(s): nothing imported, the stored resources "
                    "stay as they are")
        withdrawn = f", {len(self.withdrawn)} withdrawn" if self.withdrawn else ""
        if self.check_only:
            return (f"check only, nothing stored: {len(self.outcomes)} resource(s) "
                    f"importable{withdrawn}")
        return (f"imported: {len(self.outcomes)} resource(s), {len(self.stored)} stored"
                f"{withdrawn}, {self.slots_created} slot(s) created")

    def lines(self) -> list[str]:
        """What the command prints: the outcome per file, the withdrawn resources, every
        error, then the summary."""
        withdrawn = [f"{resource_id}.json: withdrawn (not in the folder; its booked slots "
                     "stay)" for resource_id in self.withdrawn]
        return self.outcomes + withdrawn + self.errors + [self.summary()]


def read_folder(folder: Path) -> tuple[dict[str, tuple[str, dict[str, Any]]], list[str]]:
    """(id -> (file name, checked definition) of every well-formed file, every error)."""
    if not folder.is_dir():
        return {}, [f"{folder}: not a folder"]
    files = sorted(path for path in folder.glob("*.json") if path.is_file())
    if not files:
        return {}, [f"{folder}: no resource files (*.json) in this folder"]
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    errors: list[str] = []
    for file in files:
        body, problems = read_definition_file(file)
        if not problems:
            problems = [error.line(file.name) for error in check_resource(body, file.stem)]
        if not problems:
            try:
                parse_resource(body)
            except (KeyError, TypeError, ValueError) as exc:  # a gap in the format check
                problems = [f"{file.name}: $: cannot be read as a resource: {exc!r}"]
        errors += problems
        if not problems:
            found[file.stem] = (file.name, body)
    return found, errors


def import_folder(engine: Engine, municipality_code: str, folder: Path, *,
                  check_only: bool = False, today: date | None = None,
                  now: datetime | None = None) -> ImportReport:
    """Check and import `folder` (see the module docstring)."""
    report = ImportReport(folder=folder, check_only=check_only)
    found, report.errors = read_folder(folder)
    if report.errors:
        return report
    moment = now or utc_now()
    day = today or city_today(moment)
    with Session(write_engine(engine)) as session:
        lock_resources(session, municipality_code)
        stored = stored_rows(session, municipality_code)
        changed: list[dict[str, Any]] = []
        for resource_id, (file, body) in sorted(found.items()):
            row = stored.get(resource_id)
            version = int(body["version"])
            if row is None:
                outcome = ADDED
            elif row.definition == canonical_json(body):
                outcome = RESTORED if row.withdrawn else UNCHANGED
            elif version <= row.version:
                report.errors.append(
                    f"{file}: $.version: the definition changed but its version is {version};"
                    f" the stored one is {row.version}: raise it to {row.version + 1}")
                continue
            else:
                outcome = UPDATED
            report.outcomes.append(f"{file}: {outcome} (version {version})")
            if outcome != UNCHANGED:
                changed.append(body)
        report.withdrawn = [resource_id for resource_id, row in sorted(stored.items())
                            if resource_id not in found and not row.withdrawn]
        if report.errors or check_only:
            if report.errors:
                report.outcomes.clear()
                report.withdrawn.clear()
            return report
        for body in changed:
            save_resource(session, municipality_code, body, moment)
        for resource_id in report.withdrawn:
            withdraw_resource(session, municipality_code, resource_id)
            drop_free_slots(session, municipality_code, resource_id, day)
        session.flush()
        publish_resources(session, municipality_code, changed, report.withdrawn, moment)
        report.stored = [str(body["id"]) for body in changed]
        for _, (_, body) in sorted(found.items()):
            report.slots_created += ensure_slots(session, municipality_code,
                                                 parse_resource(body), day, moment)
        session.commit()
    return report


__all__ = ["ADDED", "RESTORED", "UNCHANGED", "UPDATED", "ImportReport", "import_folder",
           "read_folder"]
