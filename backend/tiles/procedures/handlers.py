"""Sync handlers of the procedures tile (docs/procedures.md §3):

- `procedure_submissions` (SERVER_DECIDED): `submit`, `resubmit`, `withdraw`. They run in
  the push engine's savepoint (a refusal rolls their writes back) and never commit. The
  caller's row comes with the outcome; the subject's (someone applied for) is written to
  their own stream in the same transaction.
- `procedure_drafts` (LAST_WRITER_WINS by server order): `save`, `discard`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.models import Person
from backend.models.access_log_entry import ACTOR_DELEGATE, ACTOR_SELF
from backend.services.access_log import record_access
from backend.services.clock import utc_now
from backend.sync.args import BadArgs, text_arg
from backend.sync.collections import Collection, Policy
from backend.sync.push import MAX_ERROR_MESSAGE
from backend.sync.refusals import refusals_rejected
from backend.sync.types import (
    ALREADY_EXISTS,
    NOT_FOUND,
    ChangeRow,
    Mutation,
    MutationOutcome,
)
from backend.tiles.points import api as points_api
from backend.tiles.procedures import status_flow
from backend.tiles.procedures.attachments import claim, encode
from backend.tiles.procedures.definition_view import Definition, find_definition
from backend.tiles.procedures.eligibility import (
    Parties,
    check_eligibility,
    minor_children,
    resolve_parties,
)
from backend.tiles.procedures.errors import (
    DRAFT_TOO_LARGE,
    INVALID_FEE_METHOD,
    INVALID_FORM,
    NOT_SUBMITTABLE,
    TOO_MANY_DRAFTS,
    UNKNOWN_PROCEDURE,
    UNKNOWN_VERSION,
    WRONG_STATUS,
    Refused,
)
from backend.tiles.procedures.fee import FEE_PURPOSE, LEDGER_SCOPE
from backend.tiles.procedures.form_check import PrefillPerson, check_submission
from backend.tiles.procedures.models import ProcedureDraft, ProcedureSubmission
from backend.tiles.procedures.numbers import next_number
from backend.tiles.procedures.submissions import (
    ACTOR_DELEGATE as EVENT_DELEGATE,
)
from backend.tiles.procedures.submissions import (
    ACTOR_RESIDENT,
    add_event,
    find_submission,
    submission_change,
    submission_json,
    write_rows,
)

DRAFTS = "procedure_drafts"
MAX_DRAFT_BYTES = 64 * 1024
MAX_DRAFTS = 100  # per person (one per procedure and person it is for is the usual)
MAX_DATA_BYTES = 64 * 1024
ACCESS_RESOURCE = "procedure_submissions"




def _args(mutation: Mutation) -> dict[str, Any]:
    if not isinstance(mutation.args, dict):
        raise BadArgs("args must be an object")
    return mutation.args


def _uuid_arg(args: dict[str, Any], name: str) -> str:
    value = text_arg(args, name, 36)
    if len(value) < 8 or any(not (ch.isalnum() or ch == "-") for ch in value):
        raise BadArgs(f"{name} must be a UUID")
    return value


def _version_arg(args: dict[str, Any]) -> int:
    value = args.get("procedure_version")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadArgs("procedure_version must be an integer ≥ 1")
    return value


def _data_arg(args: dict[str, Any]) -> dict[str, Any]:
    data = args.get("data")
    if not isinstance(data, dict):
        raise BadArgs("data must be an object")
    if len(json.dumps(data, ensure_ascii=False).encode()) > MAX_DATA_BYTES:
        raise BadArgs(f"data is larger than {MAX_DATA_BYTES // 1024} KiB")
    return data


def prefill_person(person: Person) -> PrefillPerson:
    """The verified facts of `person` for the form's pre-filled fields."""
    return PrefillPerson(name=person.name, address=person.address,
                         birthdate=person.birthdate.isoformat() if person.birthdate else None)


def _checked_data(session: Session, definition: Definition, parties: Parties,
                  data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The cleaned data and the fee total (form_check), or `invalid_form` with every field
    error as JSON: `{"message", "errors": [{"field", "code", "message_ja", "message_en"}]}`."""
    checked = check_submission(definition.body, data,
                               applicant=prefill_person(parties.applicant),
                               subject=prefill_person(parties.subject),
                               minor_children=minor_children(session, parties.applicant))
    if checked.errors:
        raise Refused(INVALID_FORM, form_errors_message(
            [error.as_json() for error in checked.errors]))
    return dict(checked.data), checked.fee_total_yen or 0


def form_errors_message(errors: list[dict[str, str]]) -> str:
    """The refusal's message: JSON `{"message", "errors": [...]}` within the receipt's
    `MAX_ERROR_MESSAGE` characters. Every error with its texts when they fit; else every
    error as `{field, code}` (the device words them from the code, as its own check does);
    else as many as fit and `"more": N`."""
    head = f"{len(errors)} field(s) need fixing（入力内容を確認してください）"

    def encoded(items: list[dict[str, str]], more: int = 0) -> str:
        body: dict[str, Any] = {"message": head, "errors": items}
        if more:
            body["more"] = more
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    full = encoded(errors)
    if len(full) <= MAX_ERROR_MESSAGE:
        return full
    short = [{"field": error["field"], "code": error["code"]} for error in errors]
    for count in range(len(short), 0, -1):
        text = encoded(short[:count], len(short) - count)
        if len(text) <= MAX_ERROR_MESSAGE:
            return text
    return encoded([], len(short))


def _definition(session: Session, person: Person, procedure_id: str,
                version: int) -> Definition:
    code = person.municipality_code
    latest = find_definition(session, code, procedure_id)
    if latest is None:
        raise Refused(UNKNOWN_PROCEDURE, f"no procedure {procedure_id} is offered in this "
                      "city（この手続きは現在受け付けていません）")
    definition = find_definition(session, code, procedure_id, version)
    if definition is None or definition.withdrawn:
        raise Refused(UNKNOWN_VERSION, f"{procedure_id} has no version {version} in force "
                      f"(the latest is {latest.version}); reload the form"
                      "（手続きの内容が更新されました。最新の内容で入力し直してください）")
    if definition.completion not in ("online", "counter"):
        raise Refused(NOT_SUBMITTABLE, f"{procedure_id} is done in another part of the app, "
                      "not with a form")
    return definition


def _fee_method(args: dict[str, Any], definition: Definition, amount: int) -> str | None:
    raw = args.get("fee_method")
    if amount <= 0:
        if raw is not None and raw not in definition.fee_methods:
            raise Refused(INVALID_FEE_METHOD, f"{definition.id} has no fee")
        return None
    methods = definition.fee_methods
    if raw is None:
        return "counter" if "counter" in methods else methods[0]
    if raw not in methods:
        raise Refused(INVALID_FEE_METHOD, f"the fee of {definition.id} is paid by "
                      f"{', '.join(methods)}, not {raw!r}")
    return str(raw)


def _log_on_behalf(session: Session, parties: Parties, definition: Definition,
                   number: str, verb_ja: str) -> None:
    """Acting for someone is in both people's access logs."""
    if not parties.on_behalf:
        return
    code = parties.applicant.municipality_code
    record_access(session, municipality_code=code, subject_person_id=parties.subject.id,
                  actor_person_id=parties.applicant.id, actor_kind=ACTOR_DELEGATE,
                  purpose=f"代理{verb_ja}: {definition.title_ja}（受付番号 {number}、"
                          f"{parties.applicant.name} さんによる）",
                  resource=ACCESS_RESOURCE)
    record_access(session, municipality_code=code, subject_person_id=parties.applicant.id,
                  actor_person_id=parties.applicant.id, actor_kind=ACTOR_SELF,
                  purpose=f"{parties.subject.name} さんの代理で{verb_ja}: "
                          f"{definition.title_ja}（受付番号 {number}）",
                  resource=ACCESS_RESOURCE)


def refund_fee(session: Session, submission: ProcedureSubmission, reason: str,
               actor_person_id: str) -> None:
    """Give back a fee paid with points, in the caller's transaction (with its rollback).
    Asked of the ledger even when the row does not show it paid yet: a payment committed
    while its row was being written is found there too."""
    refunded = points_api.refund_payment_within(
        session, purpose=FEE_PURPOSE, reference=submission.number,
        idempotency_key=f"procedure-fee-refund:{submission.id}", scope=LEDGER_SCOPE,
        reason=reason, actor_person_id=actor_person_id)
    if refunded is not None or submission.fee_paid_at is not None:
        submission.fee_paid_at = None


def _outcome(session: Session, submission: ProcedureSubmission,
             caller: Person) -> MutationOutcome:
    session.flush()
    data = submission_json(session, submission)
    write_rows(session, submission, data, skip_person_id=caller.id)
    return MutationOutcome.applied(data, [submission_change(data)])


def submit(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`submit {id, procedure_id, procedure_version, subject_id?, data, attachments,
    fee_method?}`."""
    args = _args(mutation)
    submission_id = _uuid_arg(args, "id")
    procedure_id = text_arg(args, "procedure_id", 64)
    version = _version_arg(args)
    subject_id = args.get("subject_id")
    if subject_id is not None and (not isinstance(subject_id, str) or len(subject_id) > 36):
        raise BadArgs("subject_id must be a common ID or null")
    data = _data_arg(args)
    if session.get(ProcedureSubmission, submission_id) is not None:
        return MutationOutcome.rejected(ALREADY_EXISTS,
                                        f"submission {submission_id} already exists")
    definition = _definition(session, person, procedure_id, version)
    parties = resolve_parties(session, person, definition, subject_id)
    check_eligibility(session, parties, definition)
    cleaned, fee = _checked_data(session, definition, parties, data)
    method = _fee_method(args, definition, fee)
    now = utc_now()
    status = (status_flow.COUNTER if definition.completion == "counter"
              else status_flow.RECEIVED)
    submission = ProcedureSubmission(
        id=submission_id, municipality_code=person.municipality_code,
        number=next_number(session, person.municipality_code), procedure_id=definition.id,
        procedure_version=definition.version, department=definition.department,
        applicant_person_id=person.id, subject_person_id=parties.subject.id, status=status,
        data=json.dumps(cleaned, ensure_ascii=False), attachments="[]",
        fee_amount_yen=fee, fee_method=method, fix_fields="[]", created_at=now,
        updated_at=now)
    session.add(submission)
    session.flush()
    submission.attachments = encode(claim(session, person, definition, submission_id,
                                          args.get("attachments")))
    add_event(session, submission, actor_kind=EVENT_DELEGATE if parties.on_behalf
              else ACTOR_RESIDENT, actor_person_id=person.id, from_status=None,
              to_status=status, data=submission.data, at=now)
    _log_on_behalf(session, parties, definition, submission.number, "申請")
    return _outcome(session, submission, person)


def _own(session: Session, person: Person, submission_id: str,
         applicant_only: bool = True) -> ProcedureSubmission:
    submission = find_submission(session, person.municipality_code, submission_id,
                                 for_update=True)
    mine = submission is not None and (
        submission.applicant_person_id == person.id
        or (not applicant_only and submission.subject_person_id == person.id))
    if submission is None or not mine:
        raise Refused(NOT_FOUND, f"no submission {submission_id} of yours")
    return submission


def resubmit(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`resubmit {id, data, attachments}`: only a `returned` submission, checked again
    against its version; back to `received`, the earlier data kept in the history."""
    args = _args(mutation)
    submission = _own(session, person, _uuid_arg(args, "id"))
    data = _data_arg(args)
    if not status_flow.may_resubmit(submission.status):
        raise Refused(WRONG_STATUS, f"submission {submission.number} is {submission.status}; "
                      "only a returned one is sent again（差戻しの申請だけを再提出できます）")
    definition = _definition(session, person, submission.procedure_id,
                             submission.procedure_version)
    subject = session.get(Person, submission.subject_person_id)
    if subject is None:
        raise Refused(NOT_FOUND, "the person this submission is for no longer exists")
    parties = resolve_parties(session, person, definition,
                              None if subject.id == person.id else subject.id)
    check_eligibility(session, parties, definition)
    cleaned, fee = _checked_data(session, definition, parties, data)
    if fee != submission.fee_amount_yen and submission.fee_paid_at is not None:
        raise Refused(INVALID_FORM, json.dumps({
            "message": "the fee is already paid; the new form would change it（手数料は支払い"
                       "済みです。金額が変わる変更はできません）", "errors": []},
            ensure_ascii=False))
    previous = frozenset(item["attachment_id"]
                         for item in json.loads(submission.attachments))
    attachments = claim(session, person, definition, submission.id, args.get("attachments"),
                        keep=previous)
    now = utc_now()
    before = submission.status
    submission.data = json.dumps(cleaned, ensure_ascii=False)
    submission.attachments = encode(attachments)
    submission.fee_amount_yen = fee
    if fee > 0 and submission.fee_method is None:
        submission.fee_method = _fee_method({}, definition, fee)
    submission.status = status_flow.RECEIVED
    submission.fix_fields = "[]"
    submission.reason = None
    submission.updated_at = now
    session.add(submission)
    add_event(session, submission, actor_kind=EVENT_DELEGATE if parties.on_behalf
              else ACTOR_RESIDENT, actor_person_id=person.id, from_status=before,
              to_status=status_flow.RECEIVED, data=submission.data, at=now)
    _log_on_behalf(session, parties, definition, submission.number, "再提出")
    return _outcome(session, submission, person)


def withdraw(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`withdraw {id}`: an open submission (not completed or rejected); a fee paid with
    points goes back with it. Withdrawing again changes nothing."""
    args = _args(mutation)
    submission = _own(session, person, _uuid_arg(args, "id"), applicant_only=False)
    if submission.status == status_flow.WITHDRAWN:
        return MutationOutcome.applied(submission_json(session, submission))
    if not status_flow.may_withdraw(submission.status):
        raise Refused(WRONG_STATUS, f"submission {submission.number} is {submission.status} "
                      "and can no longer be withdrawn（この申請は取り下げできません）")
    now = utc_now()
    before = submission.status
    submission.status = status_flow.WITHDRAWN
    submission.updated_at = now
    refund_fee(session, submission, "手続きの取下げ（procedure withdrawn）", person.id)
    session.add(submission)
    actor = (EVENT_DELEGATE if person.id != submission.subject_person_id else ACTOR_RESIDENT)
    add_event(session, submission, actor_kind=actor, actor_person_id=person.id,
              from_status=before, to_status=status_flow.WITHDRAWN, at=now)
    return _outcome(session, submission, person)


def draft_json(draft: ProcedureDraft) -> dict[str, Any]:
    body = json.loads(draft.body)
    return {**body, "id": draft.id, "procedure_id": draft.procedure_id,
            "updated_at": draft.updated_at.isoformat()}


def _draft_count(session: Session, person_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(ProcedureDraft).where(
        col(ProcedureDraft.person_id) == person_id)) or 0)


def save_draft(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`save {id, procedure_id, procedure_version, subject_id?, data, attachments}`: the
    last save (in server order) wins."""
    args = _args(mutation)
    draft_id = text_arg(args, "id", 64)
    procedure_id = text_arg(args, "procedure_id", 64)
    if not isinstance(args.get("data", {}), dict):
        raise BadArgs("data must be an object")
    body = json.dumps(args, ensure_ascii=False)
    if len(body.encode()) > MAX_DRAFT_BYTES:
        return MutationOutcome.rejected(DRAFT_TOO_LARGE, f"a draft is at most "
                                        f"{MAX_DRAFT_BYTES // 1024} KiB")
    now = utc_now()
    draft = session.get(ProcedureDraft, (person.id, draft_id))
    if draft is None and _draft_count(session, person.id) >= MAX_DRAFTS:
        return MutationOutcome.rejected(TOO_MANY_DRAFTS, f"at most {MAX_DRAFTS} drafts are "
                                        "kept; discard some first（下書きが多すぎます）")
    if draft is None:
        draft = ProcedureDraft(person_id=person.id, id=draft_id, procedure_id=procedure_id,
                               body=body, updated_at=now)
    else:
        draft.procedure_id, draft.body, draft.updated_at = procedure_id, body, now
    session.add(draft)
    data = draft_json(draft)
    return MutationOutcome.applied(data, [ChangeRow(DRAFTS, draft_id, "upsert", data)])


def discard_draft(session: Session, person: Person, mutation: Mutation) -> MutationOutcome:
    """`discard {id}`: gone on every device; discarding again changes nothing."""
    draft_id = text_arg(_args(mutation), "id", 64)
    draft = session.get(ProcedureDraft, (person.id, draft_id))
    if draft is not None:
        session.delete(draft)
    return MutationOutcome.applied({"id": draft_id},
                                   [ChangeRow(DRAFTS, draft_id, "delete")])


PROCEDURE_SUBMISSIONS = Collection("procedure_submissions", Policy.SERVER_DECIDED, {
    "submit": refusals_rejected(submit), "resubmit": refusals_rejected(resubmit),
    "withdraw": refusals_rejected(withdraw)})
PROCEDURE_DRAFTS = Collection(DRAFTS, Policy.LAST_WRITER_WINS, {
    "save": save_draft, "discard": discard_draft})
