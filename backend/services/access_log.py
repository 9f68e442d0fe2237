"""The access log: record each read of a resident's data by someone other than them.

Other tiles call `record_access` whenever a service, a delegate (or parent) or a staff
member reads a resident's data. Reads by the person themselves need not be logged; when
they are (actor_kind "self"), `GET /me/access-log` hides them unless asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from backend.models.access_log_entry import (
    ACTOR_DELEGATE,
    ACTOR_KINDS,
    ACTOR_SELF,
    ACTOR_SERVICE,
    AccessLogEntry,
)
from backend.models.person import Person
from backend.services.clock import utc_now


def record_delegate_read(session: Session, actor: Person, subject: Person, purpose: str,
                         resource: str) -> None:
    """Log a read of `subject`'s data by someone acting for them (a parent, a delegate) and
    commit it with the read; reading one's own data is not logged."""
    if subject.id == actor.id:
        return
    record_access(session, municipality_code=subject.municipality_code,
                  subject_person_id=subject.id, actor_person_id=actor.id,
                  actor_kind=ACTOR_DELEGATE, purpose=purpose, resource=resource)
    session.commit()


def record_access(
    target: Engine | Session,
    *,
    municipality_code: str,
    subject_person_id: str,
    actor_kind: str,
    purpose: str,
    resource: str,
    actor_person_id: str | None = None,
    actor_service: str | None = None,
    at: datetime | None = None,
) -> AccessLogEntry:
    """Log one read of `subject_person_id`'s data.

    With a `Session` the row joins the caller's transaction (the caller commits, so the log
    and the read stand or fall together); with an `Engine` it is committed at once.
    A service names itself in `actor_service`; every other kind names a person.
    """
    if actor_kind not in ACTOR_KINDS:
        raise ValueError(f"actor_kind must be one of {ACTOR_KINDS}, got {actor_kind!r}")
    if actor_kind == ACTOR_SERVICE and not actor_service:
        raise ValueError("a service read must name the service (actor_service)")
    if actor_kind != ACTOR_SERVICE and not actor_person_id:
        raise ValueError(f"a {actor_kind} read must name the person (actor_person_id)")
    if not purpose.strip() or not resource.strip():
        raise ValueError("purpose and resource must not be empty")
    entry = AccessLogEntry(
        municipality_code=municipality_code,
        subject_person_id=subject_person_id,
        actor_person_id=actor_person_id,
        actor_service=actor_service,
        actor_kind=actor_kind,
        purpose=purpose.strip(),
        resource=resource,
        at=at or utc_now(),
    )
    if isinstance(target, Session):
        target.add(entry)
        return entry
    with Session(target, expire_on_commit=False) as session:
        session.add(entry)
        session.commit()
    return entry


def entries_about(
    session: Session,
    municipality_code: str,
    subject_person_id: str,
    *,
    include_self: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[AccessLogEntry], int]:
    """Entries about the subject, newest first, and their total count."""
    conditions = [
        col(AccessLogEntry.municipality_code) == municipality_code,
        col(AccessLogEntry.subject_person_id) == subject_person_id,
    ]
    if not include_self:
        conditions.append(col(AccessLogEntry.actor_kind) != ACTOR_SELF)
    total = session.scalar(select(func.count()).select_from(AccessLogEntry).where(*conditions))
    statement = (
        select(AccessLogEntry)
        .where(*conditions)
        .order_by(col(AccessLogEntry.at).desc(), col(AccessLogEntry.id).desc())
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement)), int(total or 0)


def entry_json(entry: AccessLogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor_kind": entry.actor_kind,
        "actor_common_id": entry.actor_person_id,
        "actor_service": entry.actor_service,
        "purpose": entry.purpose,
        "resource": entry.resource,
    }
