"""Resident routes of the procedures tile (docs/procedures.md §3):

- `POST /procedures/attachments`: upload one file for a procedure's attachment slot
  (multipart: `file`, `procedure_id`, `slot`); cleaned as attachments.py says;
- `GET /procedures/attachments/{id}`: the file, to its uploader, or to someone who may act
  for them (a parent, a delegate: access-logged), or to the person the submission is for;
- `POST /procedures/submissions/{id}/points-payment` `{pin, idempotency_key}`: the fee in
  points (the applicant only; like the bulky-waste fee, backend/tiles/waste/bulky/
  points_payment.py).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from backend.api.dependencies import EngineDep
from backend.db import write_engine
from backend.http.uploads import file_upload
from backend.identity.dependencies import CardVerifiedPerson, CurrentPerson
from backend.models import Person
from backend.models.access_log_entry import ACTOR_DELEGATE
from backend.services.access_log import record_access
from backend.services.clock import utc_now
from backend.services.delegation import may_act_for
from backend.tiles.points import api as points_api
from backend.tiles.procedures import status_flow
from backend.tiles.procedures.attachments import (
    MAX_UPLOAD_BYTES,
    UploadRefused,
    clean_upload,
    store,
)
from backend.tiles.procedures.definition_view import find_definition
from backend.tiles.procedures.eligibility import DELEGATION_SCOPE
from backend.tiles.procedures.fee import FEE_PURPOSE, LEDGER_SCOPE
from backend.tiles.procedures.handlers import refund_fee
from backend.tiles.procedures.models import ProcedureAttachment, ProcedureSubmission
from backend.tiles.procedures.submissions import find_submission, submission_json, write_rows

router = APIRouter(tags=["procedures"])

ID_PATTERN = r"^[A-Za-z0-9-]{8,36}$"
PIN_PATTERN = r"^[0-9]{4,6}$"
KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"
_FIELD = re.compile(r"[a-z0-9-]{1,64}")
TEXT_FIELDS = {"procedure_id": "The procedure's id (e.g. child-allowance)",
               "slot": "The attachment slot's id in the definition"}
MAX_FORM_FIELD = 1024
ACCESS_RESOURCE = "procedure_attachments"

IdPath = Annotated[str, Path(pattern=ID_PATTERN)]


def _refuse(http_status: int, code: str, message: str, **details: Any) -> NoReturn:
    raise HTTPException(http_status, {"code": code, "message": message, **details})


def _id_field(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not _FIELD.fullmatch(value):
        _refuse(422, "invalid_upload", f"{name} must be an id of lowercase letters, digits "
                "and '-' (1 to 64)", field=name)
    return value


def _read(upload: UploadFile) -> bytes:
    upload.file.seek(0)
    return upload.file.read(MAX_UPLOAD_BYTES + 1)


def _keep(engine: Engine, person: Person, procedure_id: str, slot: str, content: bytes,
          name: str | None) -> dict[str, Any]:
    with Session(engine) as session:
        definition = find_definition(session, person.municipality_code, procedure_id)
    if definition is None:
        raise UploadRefused(404, "unknown_procedure", f"no procedure {procedure_id}")
    clean = clean_upload(definition, slot, content, name)
    row = store(engine, person, definition, slot, clean)
    return {"attachment_id": row.id, "content_type": row.content_type, "size": row.size,
            "sha256": row.sha256, "name": row.name, "slot": row.slot,
            "procedure_id": row.procedure_id}


@router.post(
    "/procedures/attachments", status_code=status.HTTP_201_CREATED,
    openapi_extra=file_upload(MAX_UPLOAD_BYTES, file_description="A JPEG, PNG or PDF file",
                              text_fields=TEXT_FIELDS),
)
async def upload_attachment(request: Request, person: CurrentPerson,
                            engine: EngineDep) -> dict[str, Any]:
    """Keep one file for a later submission: `{attachment_id, content_type, size, sha256,
    name}`. Photos are stored re-encoded without EXIF (no location); the type is read from
    the bytes."""
    async with request.form(max_files=1, max_fields=len(TEXT_FIELDS),
                            max_part_size=MAX_FORM_FIELD) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            _refuse(422, "invalid_upload", "send the file as the multipart/form-data file "
                    "field 'file'", field="file")
        unknown = sorted(set(form.keys()) - {"file", *TEXT_FIELDS})
        if unknown:
            _refuse(422, "invalid_upload", f"unknown form field {unknown[0]!r}",
                    field=unknown[0])
        procedure_id = _id_field(form, "procedure_id")
        slot = _id_field(form, "slot")
        content = await run_in_threadpool(_read, upload)
        name = upload.filename
    try:
        return await run_in_threadpool(_keep, engine, person, procedure_id, slot, content,
                                       name)
    except UploadRefused as exc:
        _refuse(exc.status, exc.code, exc.message)


def _may_read(session: Session, person: Person, row: ProcedureAttachment) -> bool:
    if row.person_id == person.id:
        return True
    owner = session.get(Person, row.person_id)
    if owner is not None and may_act_for(session, person, owner, scope=DELEGATION_SCOPE):
        return True
    if row.submission_id is None:
        return False
    submission = session.get(ProcedureSubmission, row.submission_id)
    return submission is not None and person.id in (submission.applicant_person_id,
                                                    submission.subject_person_id)


def file_response(row: ProcedureAttachment) -> Response:
    """The stored file as a download: its stored type, never sniffed by the browser."""
    return Response(content=row.content, media_type=row.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"attachment{_suffix(row)}\"; "
                              f"filename*=UTF-8''{_quoted(row.name)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    })


def _suffix(row: ProcedureAttachment) -> str:
    return "." + row.name.rsplit(".", 1)[-1] if "." in row.name else ""


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


FILE_RESPONSE: dict[int | str, dict[str, Any]] = {200: {
    "content": {kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in ("image/jpeg", "image/png", "application/pdf")},
    "description": "The file as stored (JPEG, PNG or PDF), as a download"}}


@router.get("/procedures/attachments/{attachment_id}", response_class=Response,
            responses=FILE_RESPONSE)
def get_attachment(attachment_id: IdPath, person: CurrentPerson,
                   engine: EngineDep) -> Response:
    with Session(write_engine(engine)) as session:
        row = session.get(ProcedureAttachment, attachment_id)
        if (row is None or row.municipality_code != person.municipality_code
                or not _may_read(session, person, row)):
            _refuse(404, "not_found", "no such attachment of yours")
        if row.person_id != person.id:
            record_access(session, municipality_code=row.municipality_code,
                          subject_person_id=row.person_id, actor_person_id=person.id,
                          actor_kind=ACTOR_DELEGATE,
                          purpose=f"手続きの添付書類の閲覧（{row.name}）",
                          resource=ACCESS_RESOURCE)
            session.commit()
        return file_response(row)


class PointsPaymentIn(BaseModel):
    pin: str = Field(pattern=PIN_PATTERN)
    # The client's key of this request. The ledger's own key is the submission's, so a
    # retry and a second device's payment are both answered "already paid".
    idempotency_key: str = Field(pattern=KEY_PATTERN)


PAYABLE = frozenset({status_flow.RECEIVED, status_flow.COUNTER, status_flow.REVIEWING,
                     status_flow.RETURNED})


@router.post("/procedures/submissions/{submission_id}/points-payment",
             status_code=status.HTTP_201_CREATED)
def pay_fee_with_points(body: PointsPaymentIn, submission_id: IdPath,
                        person: CardVerifiedPerson, engine: EngineDep) -> dict[str, Any]:
    """Pay the submission's fee with the applicant's points, confirmed with their PIN."""
    with Session(engine) as session:
        submission = find_submission(session, person.municipality_code, submission_id)
        if submission is None or submission.applicant_person_id != person.id:
            _refuse(404, "not_found", "no such submission of yours")
        definition = find_definition(session, person.municipality_code,
                                     submission.procedure_id, submission.procedure_version)
    number = submission.number
    if submission.status not in PAYABLE:
        _refuse(409, "wrong_status", f"submission {number} is {submission.status}")
    if submission.fee_amount_yen <= 0:
        _refuse(409, "no_fee", f"submission {number} has no fee")
    if definition is None or "points" not in definition.fee_methods:
        _refuse(409, "points_not_accepted", f"the fee of {submission.procedure_id} is paid "
                "at the counter（この手続きの手数料はポイントで支払えません）")
    paid = points_api.find_payment(engine, purpose=FEE_PURPOSE, reference=number)
    if paid is not None or submission.fee_paid_at is not None:
        _refuse(409, "already_paid", f"the fee of submission {number} is already paid")
    try:
        points_api.verify_pin(engine, person.id, body.pin)
        result = points_api.pay(
            engine, person_id=person.id, payee=points_api.Payee.city(),
            amount=submission.fee_amount_yen, purpose=FEE_PURPOSE, reference=number,
            idempotency_key=f"procedure-fee:{submission.id}", scope=LEDGER_SCOPE)
    except points_api.IdempotencyConflict:
        _refuse(409, "already_paid", f"the fee of submission {number} is already paid")
    except (points_api.PointsError, points_api.PinProblem) as exc:
        raise HTTPException(exc.status, exc.detail()) from None
    if result.replayed:
        _refuse(409, "already_paid", f"the fee of submission {number} is already paid",
                transfer_id=result.transfer_id)
    if not _record_payment(engine, submission.id, person.municipality_code, result,
                           person.id):
        _refuse(409, "wrong_status", f"submission {number} was closed while it was being "
                "paid; the points went back（申請が締め切られたため、ポイントは戻りました）")
    return {"submission_id": submission.id, "number": number,
            "transfer_id": result.transfer_id, "amount": result.amount,
            "balance_after": result.balance_after,
            "created_at": result.created_at.isoformat()}


def _record_payment(engine: Engine, submission_id: str, code: str,
                    result: points_api.TransferResult, payer_id: str) -> bool:
    """The submission now shows the fee paid with points, on every concerned device; False
    (and the points back) when it was withdrawn or decided while the payment was made."""
    with Session(write_engine(engine)) as session:
        submission = find_submission(session, code, submission_id, for_update=True)
        assert submission is not None
        if submission.status not in PAYABLE:
            refund_fee(session, submission, "支払中に申請が締め切られました（submission closed "
                       "while paying）", payer_id)
            session.commit()
            return False
        submission.fee_method = "points"
        submission.fee_paid_at = result.created_at or utc_now()
        submission.updated_at = utc_now()
        session.add(submission)
        session.flush()
        write_rows(session, submission, submission_json(session, submission))
        session.commit()
    return True
