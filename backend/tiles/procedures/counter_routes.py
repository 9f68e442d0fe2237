"""The 書かない窓口 routes (docs/procedures.md §3–§4, ADR 0039).

`router` (resident):
- `POST /procedures/submissions/{id}/handoff`: a new 10-minute handoff code for a submission
  in `counter`, for its applicant or someone who may act for the person it is for.

`staff_router` (city staff of the submission's department; another department's clerk gets
403 `outside_staff_scope` for a code, 404 for a submission id):
- `POST /staff/procedures/handoffs/scan` `{code}`: use the code once and show the form;
- `POST /staff/procedures/submissions/{id}/identity-check` `{document, matches}`;
- `GET /staff/procedures/submissions/{id}/pdf`: the official form, after a matching
  identity check for a counter procedure.

The scan and the PDF read the resident's data: each writes an access-log entry for the
applicant and (when another person) for the person the form is for, in the same
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.api.params import PathId
from backend.db import write_engine
from backend.identity.dependencies import CurrentPerson, SigningKeyDep
from backend.models import Person, as_utc
from backend.models.access_log_entry import ACTOR_STAFF
from backend.services.access_log import record_access
from backend.services.clock import utc_now
from backend.services.delegation import may_act_for
from backend.tiles.procedures import handoff as handoffs
from backend.tiles.procedures.definition_view import find_definition
from backend.tiles.procedures.models import ProcedureSubmission
from backend.tiles.procedures.pdf import (
    AttachmentLine,
    FeeLine,
    FormSubmission,
    IdentityCheck,
    PersonLine,
    attachment_label,
    filled_sections,
    form_title,
    render_form_pdf,
)
from backend.tiles.procedures.staff_review import (
    ACCESS_RESOURCE,
    NotYours,
    ProcedureStaff,
    ProcedureStaffDep,
    review_purpose,
    visible_submission,
)
from backend.tiles.procedures.status_flow import COUNTER
from backend.tiles.procedures.submissions import (
    concerned,
    find_submission,
    submission_json,
    write_rows,
)

router = APIRouter(tags=["procedures"])
staff_router = APIRouter(tags=["staff"])

NOT_FOUND = "submission_not_found"
NOT_SCANNED = "handoff_not_scanned"
IDENTITY_REQUIRED = "identity_check_required"
MAX_CODE_INPUT = 200
IdentityDocument = Literal["my_number_card", "driver_licence", "passport", "other"]
COUNTER_COMPLETION = "counter"


def _refusal(status_code: int, code: str, message_ja: str, message_en: str) -> HTTPException:
    return HTTPException(status_code, {"code": code, "message": f"{message_ja}（{message_en}）",
                                       "message_ja": message_ja, "message_en": message_en})


def _not_found() -> HTTPException:
    return _refusal(status.HTTP_404_NOT_FOUND, NOT_FOUND, "申請が見つかりません。",
                    "no such application")


def _refused(exc: handoffs.HandoffRefused) -> HTTPException:
    return HTTPException(exc.status, exc.detail())


def purpose_of(submission: ProcedureSubmission) -> str:
    return f"窓口での手続き（受付番号 {submission.number}）"


# --- resident -------------------------------------------------------------------------------


@router.post("/procedures/submissions/{submission_id}/handoff",
             status_code=status.HTTP_201_CREATED)
def issue_handoff(submission_id: PathId, person: CurrentPerson, engine: EngineDep,
                  signing_key: SigningKeyDep) -> dict[str, str]:
    """A new handoff code (the unused one before it stops working)."""
    now = utc_now()
    with Session(write_engine(engine)) as session:
        submission = find_submission(session, person.municipality_code, submission_id,
                                     for_update=True)
        if submission is None:
            raise _not_found()
        subject = session.get(Person, submission.subject_person_id)
        may_act = subject is not None and may_act_for(session, person, subject,
                                                      scope=handoffs.DELEGATION_SCOPE)
        if not may_act:
            if person.id != submission.applicant_person_id:
                raise _not_found()  # someone else's: not even its existence is told
            raise _refusal(status.HTTP_403_FORBIDDEN, handoffs.HANDOFF_OTHER_RESIDENT,
                           "この申請の対象の方の代理ができなくなっています（委任の取消しなど）。",
                           "you may no longer act for the person this application is for "
                           "(for example, a revoked delegation)")
        try:
            issued = handoffs.issue(session, handoffs.handoff_key(signing_key), submission,
                                    person, now)
        except handoffs.HandoffRefused as exc:
            raise _refused(exc) from None
        session.commit()
    return issued.to_json()


# --- staff ----------------------------------------------------------------------------------


class ScanIn(BaseModel):
    code: str = Field(min_length=1, max_length=MAX_CODE_INPUT)


class IdentityCheckIn(BaseModel):
    document: IdentityDocument | None = None
    matches: bool = True

    @model_validator(mode="after")
    def _document_when_matching(self) -> IdentityCheckIn:
        if self.matches and self.document is None:
            raise ValueError("name the identity document checked (document: my_number_card, "
                             "driver_licence, passport or other) or send matches: false")
        return self


def _staff_submission(session: Session, staff: ProcedureStaff, submission_id: str,
                      lock: bool = False) -> ProcedureSubmission:
    """The submission when `staff` is staff of its department; 404 otherwise."""
    try:
        return visible_submission(session, staff, submission_id, for_update=lock)
    except NotYours:
        raise _not_found() from None


def _definition(session: Session, submission: ProcedureSubmission) -> dict[str, Any]:
    """The definition the submission was made with; if it is gone, its data in key order."""
    found = find_definition(session, submission.municipality_code, submission.procedure_id,
                            submission.procedure_version)
    if found is not None:
        return found.body
    data = _data(submission)
    return {"id": submission.procedure_id, "title": {"ja": submission.procedure_id},
            "layout": {"sections": [{"id": "data", "title": {"ja": "申請内容"},
                                     "fields": [{"field": name, "label": {"ja": name}}
                                                for name in data]}]}}


def _data(submission: ProcedureSubmission) -> dict[str, Any]:
    data = json.loads(submission.data or "{}")
    return data if isinstance(data, dict) else {}


def _attachments(submission: ProcedureSubmission) -> list[dict[str, Any]]:
    rows = json.loads(submission.attachments or "[]")
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _person_json(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name,
            "birthdate": person.birthdate.isoformat() if person.birthdate else None,
            "address": person.address}


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def _identity_json(session: Session, submission: ProcedureSubmission) -> dict[str, Any] | None:
    if submission.identity_checked_at is None:
        return None
    clerk = (session.get(Person, submission.identity_checked_by)
             if submission.identity_checked_by else None)
    return {"document": submission.identity_document,
            "checked_at": as_utc(submission.identity_checked_at).isoformat(),
            "checked_by": clerk.name if clerk else None}


def _title(definition: Mapping[str, Any], language: str) -> str:
    title = definition.get("title")
    if isinstance(title, Mapping) and isinstance(title.get(language), str):
        return str(title[language])
    return str(definition.get("id", ""))


def counter_json(session: Session, submission: ProcedureSubmission,
                 presenter_id: str | None = None) -> dict[str, Any]:
    """What the clerk's screen shows: the people, the procedure, the filled fields in layout
    order with their labels, the attachments, the fee and the identity check."""
    definition = _definition(session, submission)
    applicant = session.get(Person, submission.applicant_person_id)
    subject = (None if submission.subject_person_id == submission.applicant_person_id
               else session.get(Person, submission.subject_person_id))
    presenter = session.get(Person, presenter_id) if presenter_id else None
    attachments = [{"slot": a.get("slot"), "label": attachment_label(definition,
                                                                     str(a.get("slot", ""))),
                    "attachment_id": a.get("attachment_id"), "name": a.get("name"),
                    "content_type": a.get("content_type"), "size": a.get("size")}
                   for a in _attachments(submission)]
    return {
        "id": submission.id,
        "number": submission.number,
        "procedure_id": submission.procedure_id,
        "procedure_version": submission.procedure_version,
        "title": {"ja": _title(definition, "ja"), "en": _title(definition, "en")},
        "pdf_title": form_title(definition),
        "demo": bool(definition.get("demo")),
        "completion": str(definition.get("completion", "")),
        "department": submission.department,
        "status": submission.status,
        "created_at": as_utc(submission.created_at).isoformat(),
        "updated_at": as_utc(submission.updated_at).isoformat(),
        "applicant": _person_json(applicant),
        "subject": _person_json(subject),
        "presenter": _person_json(presenter),
        "data": _data(submission),
        "sections": [s.to_json() for s in filled_sections(definition, _data(submission))],
        "attachments": attachments,
        "fee": {"amount_yen": submission.fee_amount_yen, "method": submission.fee_method,
                "paid": submission.fee_paid_at is not None,
                "paid_at": _iso(submission.fee_paid_at)},
        "identity_check": _identity_json(session, submission),
    }


def log_counter_read(session: Session, staff: ProcedureStaff,
                     submission: ProcedureSubmission, resource: str,
                     purpose: str | None = None, presenter_id: str | None = None) -> None:
    """An access-log entry for the applicant and, when other people, the subject and the
    person who showed the code (a delegate whose name and birthdate the clerk sees)."""
    for person_id in dict.fromkeys([*concerned(submission), presenter_id or ""]):
        if not person_id:
            continue
        record_access(session, municipality_code=submission.municipality_code,
                      subject_person_id=person_id, actor_person_id=staff.id,
                      actor_kind=ACTOR_STAFF, purpose=purpose or purpose_of(submission),
                      resource=resource)


@staff_router.post("/staff/procedures/handoffs/scan")
def scan_handoff(body: ScanIn, staff: ProcedureStaffDep, engine: EngineDep,
                 signing_key: SigningKeyDep) -> dict[str, Any]:
    """Use the code (once) and show the submission for the counter."""
    now = utc_now()
    with Session(write_engine(engine)) as session:
        try:
            handoff, submission = handoffs.scan(
                session, handoffs.handoff_key(signing_key), body.code, staff.id,
                staff.departments, now)
        except handoffs.HandoffRefused as exc:
            raise _refused(exc) from None
        answer = {"submission": counter_json(session, submission, handoff.issued_to_person_id),
                  "handoff": {"used_at": now.isoformat(),
                              "expires_at": as_utc(handoff.expires_at).isoformat()}}
        log_counter_read(session, staff, submission, ACCESS_RESOURCE,
                         presenter_id=handoff.issued_to_person_id)
        session.commit()
    return answer


@staff_router.post("/staff/procedures/submissions/{submission_id}/identity-check")
def identity_check(submission_id: PathId, body: IdentityCheckIn, staff: ProcedureStaffDep,
                   engine: EngineDep) -> dict[str, Any]:
    """Record the identity document checked at the counter; `matches: false` voids the code
    (the resident shows a new one) and clears an earlier check; the status stays `counter`."""
    now = utc_now()
    with Session(write_engine(engine)) as session:
        submission = _staff_submission(session, staff, submission_id, lock=True)
        if submission.status != COUNTER:
            raise _refused(handoffs.not_at_counter(submission.status))
        scanned = handoffs.scanned_handoff(session, submission.id)
        if scanned is None:
            raise _refusal(status.HTTP_409_CONFLICT, NOT_SCANNED,
                           "先に申請者のコードを読み取ってください。",
                           "scan the resident's handoff code first")
        if body.matches:
            submission.identity_checked_at = now
            submission.identity_document = body.document
            submission.identity_checked_by = staff.id
        else:
            handoffs.void(session, scanned, now)
            submission.identity_checked_at = None
            submission.identity_document = None
            submission.identity_checked_by = None
        submission.updated_at = now
        session.add(submission)
        session.flush()
        write_rows(session, submission, submission_json(session, submission))
        session.commit()
        return {"id": submission.id, "number": submission.number, "status": submission.status,
                "matches": body.matches, "handoff_voided": not body.matches,
                "identity_check": _identity_json(session, submission)}


def form_submission(session: Session, definition: Mapping[str, Any],
                    submission: ProcedureSubmission) -> FormSubmission:
    """The PDF's input from the rows (the verified profiles as they are now)."""

    def line(person_id: str) -> PersonLine:
        person = session.get(Person, person_id)
        if person is None:
            return PersonLine("—")
        return PersonLine(person.name, person.birthdate, person.address)

    check = None
    if submission.identity_checked_at is not None and submission.identity_document:
        clerk = (session.get(Person, submission.identity_checked_by)
                 if submission.identity_checked_by else None)
        check = IdentityCheck(submission.identity_document, clerk.name if clerk else "—",
                              submission.identity_checked_at)
    fee = (FeeLine(submission.fee_amount_yen, submission.fee_method, submission.fee_paid_at)
           if submission.fee_amount_yen > 0 else None)
    return FormSubmission(
        number=submission.number, created_at=submission.created_at, data=_data(submission),
        applicant=line(submission.applicant_person_id),
        subject=(None if submission.subject_person_id == submission.applicant_person_id
                 else line(submission.subject_person_id)),
        fee=fee, identity_check=check,
        attachments=tuple(
            AttachmentLine(attachment_label(definition, str(a.get("slot", ""))),
                           str(a.get("name", "")), str(a.get("content_type", "")),
                           int(a.get("size") or 0))
            for a in _attachments(submission)))


@staff_router.get("/staff/procedures/submissions/{submission_id}/pdf",
                  response_class=Response,
                  responses={200: {"content": {"application/pdf": {"schema": {
                      "type": "string", "format": "binary"}}},
                      "description": "The official form (A4, Japanese font embedded)"}})
def submission_pdf(submission_id: PathId, staff: ProcedureStaffDep,
                   engine: EngineDep) -> Response:
    now = utc_now()
    with Session(write_engine(engine)) as session:
        submission = _staff_submission(session, staff, submission_id)
        definition = _definition(session, submission)
        counter_procedure = (definition.get("completion") == COUNTER_COMPLETION
                             or submission.status == COUNTER)
        if counter_procedure and submission.identity_checked_at is None:
            raise _refusal(status.HTTP_409_CONFLICT, IDENTITY_REQUIRED,
                           "本人確認の後で印刷できます。",
                           "check the identity document at the counter before printing")
        body = render_form_pdf(definition, form_submission(session, definition, submission),
                               now)
        name = f"{submission.number}.pdf"
        log_counter_read(session, staff, submission, f"{ACCESS_RESOURCE}:pdf",
                         None if counter_procedure else review_purpose(submission))
        session.commit()
    return Response(content=body, media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"procedure-form.pdf\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})
