"""A submission as JSON (the `procedure_submissions` row, the handlers' result, the export)
and its history, and writing the row to every resident it concerns.

A submission concerns two people when someone applied for another (a delegate for the
delegator, a parent for a minor child): the row goes to the applicant's stream and to the
subject's, so both see its status on their devices.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from backend.models import Person, as_utc
from backend.services.clock import utc_now
from backend.sync.change_log import append_changes
from backend.sync.types import ChangeRow
from backend.tiles.procedures.models import ProcedureSubmission, ProcedureSubmissionEvent

COLLECTION = "procedure_submissions"
ACTOR_RESIDENT = "resident"
ACTOR_DELEGATE = "delegate"
ACTOR_STAFF = "staff"
ACTOR_SYSTEM = "system"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def events_of(session: Session, submission_id: str) -> list[ProcedureSubmissionEvent]:
    return list(session.scalars(
        select(ProcedureSubmissionEvent)
        .where(col(ProcedureSubmissionEvent.submission_id) == submission_id)
        .order_by(col(ProcedureSubmissionEvent.id))))


def event_json(event: ProcedureSubmissionEvent, with_data: bool = False) -> dict[str, Any]:
    """One history entry. Residents (`with_data` False) see which resident acted, not which
    staff member (the department decided); staff see both and every submitted version."""
    actor_id = (event.actor_person_id if with_data or event.actor_kind != ACTOR_STAFF
                else None)
    out: dict[str, Any] = {"at": _iso(event.at), "actor_kind": event.actor_kind,
                           "actor_id": actor_id, "from": event.from_status,
                           "to": event.to_status, "reason": event.reason}
    if with_data:
        out["data"] = None if event.data is None else json.loads(event.data)
    return out


def add_event(session: Session, submission: ProcedureSubmission, *, actor_kind: str,
              actor_person_id: str | None, from_status: str | None, to_status: str,
              reason: str | None = None, data: str | None = None,
              at: datetime | None = None) -> ProcedureSubmissionEvent:
    event = ProcedureSubmissionEvent(
        submission_id=submission.id, at=at or utc_now(), actor_kind=actor_kind,
        actor_person_id=actor_person_id, from_status=from_status, to_status=to_status,
        reason=reason, data=data)
    session.add(event)
    session.flush()
    return event


def person_name(session: Session, person_id: str) -> str | None:
    person = session.get(Person, person_id)
    return None if person is None else person.name


def person_names(session: Session, person_ids: set[str]) -> dict[str, str | None]:
    """Names of many people in one query (a staff list)."""
    if not person_ids:
        return {}
    rows = session.execute(select(col(Person.id), col(Person.name))
                           .where(col(Person.id).in_(sorted(person_ids))))
    return {row[0]: row[1] for row in rows}


def submission_json(session: Session, submission: ProcedureSubmission,
                    with_history_data: bool = False) -> dict[str, Any]:
    """The submission as the devices (and the export) see it (docs/procedures.md §3)."""
    return {
        "id": submission.id,
        "number": submission.number,
        "procedure_id": submission.procedure_id,
        "procedure_version": submission.procedure_version,
        "department": submission.department,
        "applicant_id": submission.applicant_person_id,
        "applicant_name": person_name(session, submission.applicant_person_id),
        "subject_id": submission.subject_person_id,
        "subject_name": person_name(session, submission.subject_person_id),
        "status": submission.status,
        "data": json.loads(submission.data),
        "attachments": json.loads(submission.attachments),
        "fee": {"amount_yen": submission.fee_amount_yen, "method": submission.fee_method,
                "paid_at": _iso(submission.fee_paid_at)},
        "fix_fields": json.loads(submission.fix_fields),
        "reason": submission.reason,
        "identity_checked_at": _iso(submission.identity_checked_at),
        "history": [event_json(event, with_history_data)
                    for event in events_of(session, submission.id)],
        "created_at": _iso(submission.created_at),
        "updated_at": _iso(submission.updated_at),
    }


def submission_change(data: dict[str, Any]) -> ChangeRow:
    return ChangeRow(COLLECTION, str(data["id"]), "upsert", data)


def concerned(submission: ProcedureSubmission) -> list[str]:
    """The people whose streams hold the submission's row: applicant, then subject."""
    people = [submission.applicant_person_id]
    if submission.subject_person_id != submission.applicant_person_id:
        people.append(submission.subject_person_id)
    return people


def write_rows(session: Session, submission: ProcedureSubmission, data: dict[str, Any],
               skip_person_id: str | None = None) -> None:
    """Write the submission's row to each concerned person's stream in this transaction,
    except `skip_person_id` (a sync caller, whose row comes with the push's outcome)."""
    connection = session.connection()
    for person_id in concerned(submission):
        if person_id != skip_person_id:
            append_changes(connection, submission.municipality_code, person_id,
                           [submission_change(data)])


def find_submission(session: Session, code: str, submission_id: str,
                    for_update: bool = False) -> ProcedureSubmission | None:
    statement = select(ProcedureSubmission).where(
        col(ProcedureSubmission.municipality_code) == code,
        col(ProcedureSubmission.id) == submission_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()
