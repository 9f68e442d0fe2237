"""The staff side of submissions: who sees what (their departments only), the list, the
full view with its access-log entries, and the status moves with their notices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import select
from sqlmodel import Session, col

from backend.api.dependencies import EngineDep
from backend.identity.dependencies import StaffPerson
from backend.identity.staff_departments import scopes_of
from backend.models import Person, as_utc
from backend.models.access_log_entry import ACTOR_STAFF
from backend.services.access_log import record_access
from backend.services.clock import utc_now
from backend.tiles.notices import api as notices_api
from backend.tiles.procedures import status_flow
from backend.tiles.procedures.definition_view import Definition, find_definition
from backend.tiles.procedures.handlers import refund_fee
from backend.tiles.procedures.models import ProcedureSubmission
from backend.tiles.procedures.submissions import (
    ACTOR_STAFF as EVENT_STAFF,
)
from backend.tiles.procedures.submissions import (
    add_event,
    concerned,
    find_submission,
    person_names,
    submission_json,
    write_rows,
)

ACCESS_RESOURCE = "procedure_submissions"
LIST_PURPOSE = "手続きの申請一覧の確認（審査）"


@dataclass(frozen=True)
class ProcedureStaff:
    """A staff caller and the departments whose submissions they review."""

    person: Person
    departments: frozenset[str]

    @property
    def id(self) -> str:
        return self.person.id

    @property
    def municipality_code(self) -> str:
        return self.person.municipality_code


def procedure_staff(staff: StaffPerson, engine: EngineDep) -> ProcedureStaff:
    return ProcedureStaff(staff, frozenset(s.department for s in scopes_of(engine, staff.id)))


ProcedureStaffDep = Annotated[ProcedureStaff, Depends(procedure_staff)]


class NotYours(LookupError):
    """No such submission, or one of another department: the same answer (404)."""


class WrongMove(ValueError):
    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(f"a {from_status} submission cannot be moved to {to_status}")
        self.from_status = from_status
        self.to_status = to_status


class BadMove(ValueError):
    """A move whose reason or fields are missing or wrong (422)."""


def visible_submission(session: Session, staff: ProcedureStaff, submission_id: str,
                       for_update: bool = False) -> ProcedureSubmission:
    submission = find_submission(session, staff.municipality_code, submission_id, for_update)
    if submission is None or submission.department not in staff.departments:
        raise NotYours(submission_id)
    return submission


def list_submissions(session: Session, staff: ProcedureStaff, departments: frozenset[str],
                     status: str | None, procedure_id: str | None, limit: int,
                     before: datetime | None) -> list[dict[str, Any]]:
    """Newest first (by last change), without form data; each resident shown gets an
    access-log entry (the caller commits)."""
    conditions: list[Any] = [
        col(ProcedureSubmission.municipality_code) == staff.municipality_code,
        col(ProcedureSubmission.department).in_(sorted(departments)),
    ]
    if status is not None:
        conditions.append(col(ProcedureSubmission.status) == status)
    if procedure_id is not None:
        conditions.append(col(ProcedureSubmission.procedure_id) == procedure_id)
    if before is not None:
        conditions.append(col(ProcedureSubmission.updated_at) < before)
    rows = list(session.scalars(select(ProcedureSubmission).where(*conditions)
                                .order_by(col(ProcedureSubmission.updated_at).desc(),
                                          col(ProcedureSubmission.id)).limit(limit)))
    shown = {person_id for row in rows
             for person_id in (row.applicant_person_id, row.subject_person_id)}
    names = person_names(session, shown)
    # A list names residents and what they applied for: a read of their data, logged.
    for person_id in sorted(shown):
        record_access(session, municipality_code=staff.municipality_code,
                      subject_person_id=person_id, actor_person_id=staff.id,
                      actor_kind=ACTOR_STAFF, purpose=LIST_PURPOSE, resource=ACCESS_RESOURCE)
    titles: dict[tuple[str, int], dict[str, str] | None] = {}
    for key in {(row.procedure_id, row.procedure_version) for row in rows}:
        definition = find_definition(session, staff.municipality_code, *key)
        titles[key] = _title(definition)
    return [{"id": row.id, "number": row.number, "procedure_id": row.procedure_id,
             "procedure_version": row.procedure_version,
             "title": titles[(row.procedure_id, row.procedure_version)],
             "department": row.department, "status": row.status,
             "applicant_id": row.applicant_person_id,
             "applicant_name": names.get(row.applicant_person_id),
             "subject_id": row.subject_person_id,
             "subject_name": names.get(row.subject_person_id),
             "fee_amount_yen": row.fee_amount_yen,
             "fee_paid": row.fee_paid_at is not None,
             "created_at": as_utc(row.created_at).isoformat(),
             "updated_at": as_utc(row.updated_at).isoformat()} for row in rows]


def log_staff_read(session: Session, staff: ProcedureStaff, submission: ProcedureSubmission,
                   purpose: str) -> None:
    """One entry in the applicant's log and, when different, the subject's."""
    for person_id in concerned(submission):
        record_access(session, municipality_code=submission.municipality_code,
                      subject_person_id=person_id, actor_person_id=staff.id,
                      actor_kind=ACTOR_STAFF, purpose=purpose, resource=ACCESS_RESOURCE)


def review_purpose(submission: ProcedureSubmission) -> str:
    return f"手続きの審査（受付番号 {submission.number}）"


def _title(definition: Definition | None) -> dict[str, str] | None:
    return (None if definition is None
            else {"ja": definition.title_ja, "en": definition.title_en})


def staff_view(session: Session, submission: ProcedureSubmission) -> dict[str, Any]:
    """The whole submission for its reviewer: with the procedure's title and completion,
    the applicant's verified birthdate (to check an identity document against) and every
    submitted version of the data in the history."""
    definition = find_definition(session, submission.municipality_code,
                                 submission.procedure_id, submission.procedure_version)
    data = submission_json(session, submission, with_history_data=True)
    data["title"] = _title(definition)
    data["completion"] = definition.completion if definition is not None else None
    applicant = session.get(Person, submission.applicant_person_id)
    data["applicant_birthdate"] = (applicant.birthdate.isoformat()
                                   if applicant is not None and applicant.birthdate else None)
    return data


def _notice_texts(definition: Definition | None, submission: ProcedureSubmission,
                  to: str, reason: str | None) -> tuple[str, str, str, str]:
    title_ja = definition.title_ja if definition else submission.procedure_id
    title_en = definition.title_en if definition else submission.procedure_id
    status_ja = status_flow.STATUS_JA[to]
    status_en = status_flow.STATUS_EN[to]
    verb_ja = {status_flow.REVIEWING: "審査中になりました",
               status_flow.RETURNED: "差戻しになりました",
               status_flow.COMPLETED: "完了しました",
               status_flow.REJECTED: "却下されました"}.get(to, f"{status_ja}になりました")
    head_ja = f"{title_ja}が{verb_ja}"
    head_en = f"{title_en}: {status_en}"
    body_ja = f"受付番号 {submission.number} の申請の状況: {status_ja}。"
    body_en = f"Your submission {submission.number} is now {status_en}."
    if reason:
        body_ja += f"\n理由: {reason}"
        body_en += f"\nReason: {reason}"
    if to == status_flow.RETURNED:
        body_ja += "\n内容を直して、もう一度提出してください。"
        body_en += "\nPlease correct it and submit it again."
    return head_ja, head_en, body_ja, body_en


def move(session: Session, staff: ProcedureStaff, submission: ProcedureSubmission, to: str,
         reason: str | None, fix_fields: list[str]) -> dict[str, Any]:
    """Move `submission` to `to` (the caller commits): history, rows, notices."""
    if not status_flow.staff_may_move(submission.status, to):
        raise WrongMove(submission.status, to)
    definition = find_definition(session, submission.municipality_code,
                                 submission.procedure_id, submission.procedure_version)
    if definition is not None and definition.statuses and to not in definition.statuses:
        raise WrongMove(submission.status, to)
    reason = (reason or "").strip() or None
    if to in status_flow.NEEDS_REASON and reason is None:
        raise BadMove(f"a move to {to} needs a reason the resident will read")
    if fix_fields and to != status_flow.RETURNED:
        raise BadMove("fix_fields are only for a returned submission")
    if definition is not None:
        unknown = [name for name in fix_fields if name not in definition.fields]
        if unknown:
            raise BadMove(f"not fields of {submission.procedure_id}: {', '.join(unknown)}")
    now = utc_now()
    before = submission.status
    submission.status = to
    submission.reason = reason
    submission.fix_fields = json.dumps(sorted(set(fix_fields)))
    submission.updated_at = now
    session.add(submission)
    if to == status_flow.REJECTED:  # nothing is issued: a fee paid with points goes back
        refund_fee(session, submission, f"手続きの却下（procedure rejected）: {reason}",
                   staff.id)
    add_event(session, submission, actor_kind=EVENT_STAFF, actor_person_id=staff.id,
              from_status=before, to_status=to, reason=reason, at=now)
    data = submission_json(session, submission)
    write_rows(session, submission, data)
    texts = _notice_texts(definition, submission, to, reason)
    for person_id in concerned(submission):
        person = session.get(Person, person_id)
        if person is not None and person.active:
            notices_api.notify_person(session, person, *texts)
    return staff_view(session, submission)
