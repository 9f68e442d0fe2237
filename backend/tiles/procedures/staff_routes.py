"""Staff routes of submissions (docs/procedures.md §3). A staff member sees the submissions
of their own departments only: another department's is 404 (never a hint it exists), and a
`department` filter outside theirs is 403.

- `GET /staff/procedures/submissions?status=&procedure_id=&department=&limit=&before=`
- `GET /staff/procedures/submissions/{id}` (access-logged for the applicant and subject)
- `POST /staff/procedures/submissions/{id}/status` `{to, reason?, fix_fields?}`
- `GET /staff/procedures/submissions/{id}/attachments/{attachment_id}` (access-logged)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NoReturn

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from backend.api.dependencies import EngineDep
from backend.db import write_engine
from backend.identity.dependencies import OUTSIDE_SCOPE
from backend.models import as_utc
from backend.tiles.procedures.models import ProcedureAttachment
from backend.tiles.procedures.routes import FILE_RESPONSE, ID_PATTERN, file_response
from backend.tiles.procedures.staff_review import (
    BadMove,
    NotYours,
    ProcedureStaffDep,
    WrongMove,
    list_submissions,
    log_staff_read,
    move,
    review_purpose,
    staff_view,
    visible_submission,
)

router = APIRouter(tags=["staff"])

IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
StatusName = Literal["received", "counter", "reviewing", "returned", "completed", "rejected",
                     "withdrawn"]
MoveTo = Literal["reviewing", "returned", "completed", "rejected"]
MOMENT_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                  r"(Z|[+-][0-9]{2}:[0-9]{2})$")


def _not_found() -> NoReturn:
    raise HTTPException(status.HTTP_404_NOT_FOUND,
                        {"code": "not_found", "message": "no such submission"})


@router.get("/staff/procedures/submissions")
def staff_list(
    staff: ProcedureStaffDep,
    engine: EngineDep,
    status_: Annotated[StatusName | None, Query(alias="status")] = None,
    procedure_id: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,64}$")] = None,
    department: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,64}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(pattern=MOMENT_PATTERN,
                                        description="updated_at of the last row seen "
                                        "(ISO 8601 with its time zone)")] = None,
) -> dict[str, Any]:
    """Submissions of the caller's departments, last changed first; no form data. Each
    resident shown gets an access-log entry."""
    departments = staff.departments
    if department is not None:
        if department not in departments:
            raise HTTPException(status.HTTP_403_FORBIDDEN, {
                "code": OUTSIDE_SCOPE, "department": department,
                "message": "for staff of that department only"})
        departments = frozenset({department})
    try:
        before_utc = (as_utc(datetime.fromisoformat(before.replace("Z", "+00:00")))
                      if before is not None else None)
    except (ValueError, OverflowError):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "before must be a moment like updated_at "
                            "(2026-12-04T09:00:00+00:00)") from None
    with Session(write_engine(engine)) as session:  # read, then log the read
        rows = list_submissions(session, staff, departments, status_, procedure_id, limit,
                                before_utc)
        session.commit()
    return {"submissions": rows, "limit": limit,
            "next_before": rows[-1]["updated_at"] if len(rows) == limit else None}


@router.get("/staff/procedures/submissions/{submission_id}")
def staff_get(submission_id: IdPath, staff: ProcedureStaffDep,
              engine: EngineDep) -> dict[str, Any]:
    """The whole submission with the procedure's title and its history (with each submitted
    version of the data); the read is in the applicant's (and subject's) access log."""
    with Session(write_engine(engine)) as session:
        try:
            submission = visible_submission(session, staff, submission_id)
        except NotYours:
            _not_found()
        view = staff_view(session, submission)
        log_staff_read(session, staff, submission, review_purpose(submission))
        session.commit()
    return view


class StatusIn(BaseModel):
    to: MoveTo
    reason: str | None = Field(default=None, max_length=2000)
    fix_fields: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")]] = Field(
        default_factory=list, max_length=400)


@router.post("/staff/procedures/submissions/{submission_id}/status")
def staff_move(submission_id: IdPath, body: StatusIn, staff: ProcedureStaffDep,
               engine: EngineDep) -> dict[str, Any]:
    """Move the submission (received→reviewing|returned|completed|rejected, counter→
    reviewing|completed|rejected, reviewing→returned|completed|rejected): 409 for another
    move, 422 for a missing reason (returned, rejected) or unknown fix_fields."""
    with Session(write_engine(engine)) as session:
        try:
            submission = visible_submission(session, staff, submission_id, for_update=True)
            view = move(session, staff, submission, body.to, body.reason, body.fix_fields)
        except NotYours:
            _not_found()
        except WrongMove as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, {
                "code": "wrong_move", "message": str(exc), "status": exc.from_status,
                "to": exc.to_status}) from None
        except BadMove as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, {
                "code": "invalid_move", "message": str(exc)}) from None
        session.commit()
    return view


@router.get("/staff/procedures/submissions/{submission_id}/attachments/{attachment_id}",
            response_class=Response, responses=FILE_RESPONSE)
def staff_attachment(submission_id: IdPath, attachment_id: IdPath, staff: ProcedureStaffDep,
                     engine: EngineDep) -> Response:
    with Session(write_engine(engine)) as session:
        try:
            submission = visible_submission(session, staff, submission_id)
        except NotYours:
            _not_found()
        row = session.get(ProcedureAttachment, attachment_id)
        if row is None or row.submission_id != submission.id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, {
                "code": "not_found", "message": "no such attachment of this submission"})
        log_staff_read(session, staff, submission,
                       f"手続きの添付書類の確認（受付番号 {submission.number}、{row.name}）")
        session.commit()
        return file_response(row)
