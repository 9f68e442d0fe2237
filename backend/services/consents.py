"""The consent ledger (ADR 0009): append a decision, read the state and the history.

Append-only: this module only inserts `ConsentRecord` rows. The current state of a purpose
is its newest row; no row means not granted (opt-in). A consent counts only for the text
version it was given to: publishing a new version asks everyone again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from backend.models.consent_record import CHANNELS, ConsentRecord
from backend.models.person import Person
from backend.services.clock import utc_now
from backend.services.consent_catalog import LANGUAGES, Purpose, catalog


class ConsentRefused(Exception):
    """The decision cannot be recorded; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_decision(purpose_id: str, version: int, sha: str, channel: str) -> Purpose:
    """Validate a decision against the catalog; raise `ConsentRefused` with a clear reason."""
    purpose = catalog().get(purpose_id)
    if purpose is None:
        known = ", ".join(sorted(catalog()))
        raise ConsentRefused(422, f"unknown purpose {purpose_id!r}; known purposes: {known}")
    if channel not in CHANNELS:
        raise ConsentRefused(422, f"channel must be one of {', '.join(CHANNELS)}")
    current = purpose.current
    if version != current.version:
        raise ConsentRefused(
            409,
            f"version {version} of {purpose_id!r} is not the current one ({current.version}): "
            "show the current text and ask again",
        )
    if not current.matches(sha):
        raise ConsentRefused(
            409,
            f"text_sha256 does not match version {current.version} of {purpose_id!r} in "
            "Japanese or English: show the current text exactly as published",
        )
    return purpose


def append_record(
    session: Session,
    *,
    municipality_code: str,
    person_id: str,
    actor_person_id: str,
    purpose: str,
    version: int,
    text_sha256: str,
    granted: bool,
    channel: str = "app",
    delegation_id: str | None = None,
    now: datetime | None = None,
) -> ConsentRecord:
    """Add one ledger row to `session` (the caller commits). No validation: see `check_decision`."""
    record = ConsentRecord(
        municipality_code=municipality_code,
        person_id=person_id,
        purpose=purpose,
        version=version,
        text_sha256=text_sha256.lower(),
        granted=granted,
        recorded_at=now or utc_now(),
        actor_person_id=actor_person_id,
        channel=channel,
        delegation_id=delegation_id,
    )
    session.add(record)
    return record


def history(session: Session, municipality_code: str, person_id: str) -> list[ConsentRecord]:
    """Every ledger row about the person, newest first."""
    return list(
        session.scalars(
            select(ConsentRecord)
            .where(
                col(ConsentRecord.municipality_code) == municipality_code,
                col(ConsentRecord.person_id) == person_id,
            )
            .order_by(col(ConsentRecord.id).desc())
        )
    )


def record_json(record: ConsentRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "purpose": record.purpose,
        "version": record.version,
        "granted": record.granted,
        "text_sha256": record.text_sha256,
        "recorded_at": record.recorded_at.isoformat(),
        "actor_common_id": record.actor_person_id,
        "channel": record.channel,
        "delegation_id": record.delegation_id,
    }


def is_effective(record: ConsentRecord | None, purpose: Purpose) -> bool:
    return record is not None and record.granted and record.version == purpose.current.version


def consents_json(session: Session, municipality_code: str, person_id: str) -> list[dict[str, Any]]:
    """Per purpose: the current text, the current state and the full history."""
    rows = history(session, municipality_code, person_id)
    result = []
    for purpose in catalog().values():
        mine = [row for row in rows if row.purpose == purpose.id]
        latest = mine[0] if mine else None
        current = purpose.current
        result.append(
            {
                "purpose": purpose.id,
                "current_version": current.version,
                "text": {lang: current.text(lang) for lang in LANGUAGES},
                "text_sha256": {lang: current.sha256(lang) for lang in LANGUAGES},
                "granted": is_effective(latest, purpose),
                "latest": record_json(latest) if latest else None,
                # Granted to an older text: the app should ask again.
                "needs_renewal": bool(
                    latest and latest.granted and latest.version != current.version
                ),
                "history": [record_json(row) for row in mine],
            }
        )
    return result


def has_consent(engine: Engine, person_id: str, purpose: str) -> bool:
    """Has the (active) person granted `purpose` for its current text? Opt-in: no row, no."""
    known = catalog().get(purpose)
    if known is None:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    with Session(engine) as session:
        latest = session.scalars(
            select(ConsentRecord)
            .join(Person, col(Person.id) == col(ConsentRecord.person_id))
            .where(
                col(ConsentRecord.person_id) == person_id,
                col(ConsentRecord.purpose) == purpose,
                col(ConsentRecord.municipality_code) == col(Person.municipality_code),
                col(Person.deleted_at).is_(None),
            )
            .order_by(col(ConsentRecord.id).desc())
            .limit(1)
        ).first()
    return is_effective(latest, known)

