"""What the procedures screens show, in plain Python (no Flet): the catalogue with search,
life events and the household fit; the open form with pre-fill, drafts, validation, the
submission and its outcome; the resident's applications (resubmit, withdraw); and the
書かない窓口 handoff code with its renewal. Stores and network are reached through ports.py.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from app.features.procedures.catalogue import Entry, Household, Person, search
from app.features.procedures.forms.attachments import (
    AttachmentUnreadable,
    check_attachment,
    strip_metadata,
)
from app.features.procedures.forms.definition import (
    DefinitionUnreadable,
    ProcedureDefinition,
    parse_definition,
    text_in,
)
from app.features.procedures.forms.engine import FormEngine
from app.features.procedures.forms.errors import FieldError
from app.features.procedures.forms.prefill import Profile, merge, prefill
from app.features.procedures.ports import Handoff, ProceduresOnline, ProceduresRepository
from app.features.procedures.records import Draft, Submission
from app.features.procedures.routes import ROUTE, procedure_route, submission_route
from backend_client import BackendError, BackendRejected, BackendUnavailable

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 10
RENEW_BEFORE = timedelta(seconds=30)  # a handoff code is renewed this long before it expires

# English message ids of what an action did or why it could not.
SAVED = "The draft is saved on this device and will be sent with the next sync."
DISCARDED = "The draft was deleted."
SUBMITTED = "Your application is saved and will be sent to the city."
RESUBMITTED = "Your corrected application will be sent to the city."
WITHDRAWN = "The withdrawal will be sent to the city."
FIX_ERRORS = "Please correct the {count} items marked below."
NOT_SIGNED_IN = "Please log in with your My Number card to apply."
UPLOAD_OFFLINE = ("Adding a file needs the network. Your draft is kept: add the file when "
                  "you are online.")
UPLOAD_FAILED = "The file could not be added: {reason}"
ADD_FILE = "Add {label}."
FIX_THIS = "Please correct this item."
RETURNED = "The city returned this application: {reason}"
REFUSED = "The city did not accept this: {reason}"
TOO_MANY_FILES = "At most 10 files can be attached."
HANDOFF_OFFLINE = "The QR code for the counter needs the network. Please connect and try again."
HANDOFF_FAILED = "The QR code could not be made: {reason}"


class Load(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


@dataclass
class FormSession:
    """The form being filled: for one procedure, one person, new or a resubmission."""

    entry: Entry
    definition: ProcedureDefinition
    engine: FormEngine
    subject: Person
    data: dict[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    prefilled: frozenset[str] = frozenset()
    attachments: dict[str, dict[str, Any]] = field(default_factory=dict)  # slot -> file
    # Field name (or "attachment:<slot>") -> its error, shown at the field.
    errors: dict[str, FieldError] = field(default_factory=dict)
    draft_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    resubmit_of: str | None = None  # a returned submission being corrected
    fix_fields: tuple[str, ...] = ()
    fee_method: str | None = None
    revision: int = 0  # bumped when the state itself changes the values (pre-fill, resume)
    summary: str = ""  # the message at the top (English id with `summary_params`)
    summary_params: dict[str, str] = field(default_factory=dict)
    uploading: str = ""  # the slot whose file is being sent

    def progress(self) -> tuple[int, int]:
        return self.engine.progress(self.data)

    def fee_total(self) -> int:
        fee = self.definition.fee
        return fee.total(self.engine.clean(self.data)) if fee is not None else 0


@dataclass
class HandoffState:
    """The 書かない窓口 QR code of one submission (online only; renewed while shown)."""

    submission_id: str
    code: Handoff | None = None
    problem: str = ""  # English message id
    problem_params: dict[str, str] = field(default_factory=dict)
    busy: bool = False

    def seconds_left(self, now: datetime) -> int:
        if self.code is None:
            return 0
        return max(0, int((self.code.expires_at - now).total_seconds()))

    def needs_renewal(self, now: datetime) -> bool:
        return self.code is None or self.code.expires_at - now <= RENEW_BEFORE


class ProceduresState:
    def __init__(self, repository: ProceduresRepository, online: ProceduresOnline,
                 now: Callable[[], datetime],
                 make_id: Callable[[], str] | None = None) -> None:
        self._repo = repository
        self._online = online
        self._now = now
        self._make_id = make_id or (lambda: str(uuid.uuid4()))
        self.load_state = Load.IDLE
        self.stamp: object = None
        self.entries: list[Entry] = []
        self.synced_at: datetime | None = None
        self.catalogue_available = True
        self.household = Household()
        self.drafts: list[Draft] = []
        self.submissions: list[Submission] = []
        self.query = ""
        self.query_revision = 0
        self.life_event: str | None = None
        self.session: FormSession | None = None
        self.handoff: HandoffState | None = None
        self.message = ""  # what the last action did (English message id)
        self.message_params: dict[str, str] = {}
        self.message_for = ""  # the route of the screen the message belongs to
        self.language = "ja"
        self.handoff_running = False  # the renewal loop of the QR screen is running
        self._household_stamp: object = None
        self._definitions: dict[tuple[str, int], ProcedureDefinition | None] = {}

    # --- loading ------------------------------------------------------------------------
    @property
    def signed_in(self) -> bool:
        return self._repo.signed_in

    def claim_load(self) -> bool:
        """Marks a read as started when the stores changed since the last one."""
        stamp = self._repo.stamp()
        if self.stamp == stamp and self.load_state is not Load.IDLE:
            return False
        self.stamp = stamp
        self.load_state = Load.LOADING
        return True

    async def load(self) -> None:
        self.stamp = self._repo.stamp()
        try:
            read = await self._repo.catalogue()
            self.entries, self.synced_at = read.entries, read.synced_at
            self.catalogue_available = read.available
            self.drafts = await self._repo.drafts()
            self.submissions = await self._repo.submissions(self._now())
            self.load_state = Load.LOADED
        except Exception:  # a locked or damaged store: the screen says so
            log.exception("procedures could not be read from this device")
            self.load_state = Load.FAILED

    def claim_household(self) -> bool:
        """Marks a read of the household as started: once it is known, else again after the
        stores changed (a sync: the network may be back)."""
        if self.household.known or self._household_stamp == self.stamp:
            return False
        self._household_stamp = self.stamp
        return True

    async def load_household(self) -> None:
        """Whom the resident may act for and their age (the network; offline: unknown)."""
        try:
            self.household = await self._repo.household()
        except Exception:
            log.exception("the household could not be read")

    # --- catalogue ----------------------------------------------------------------------
    def set_query(self, query: str) -> None:
        self.query = query

    def choose_life_event(self, event: str | None) -> None:
        """A life-event chip (again: all procedures)."""
        self.life_event = None if event == self.life_event else event

    def results(self) -> list[Entry]:
        return search(self.entries, self.query, self.life_event, self.household, self.language)

    def entry(self, procedure_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == procedure_id), None)

    def submission(self, submission_id: str) -> Submission | None:
        return next((s for s in self.submissions if s.id == submission_id), None)

    def for_whom(self, entry: Entry) -> list[Person]:
        """Whom the resident may apply for with this procedure: themselves, people who
        granted them a delegation (procedures/all), their minor children."""
        me = self._repo.applicant()
        people: list[Person] = []
        if "self" in entry.for_whom and me is not None:
            people.append(me)
        if "delegator" in entry.for_whom:
            people.extend(self.household.delegators)
        if "minor_child" in entry.for_whom:
            people.extend(p for p in self.household.minor_children if p.person_id)
        return people

    # --- the form -----------------------------------------------------------------------
    def definition(self, entry: Entry) -> ProcedureDefinition | None:
        """The procedure's full definition (read once per version), or None when this app
        cannot read it."""
        key = (entry.id, entry.version)
        if key not in self._definitions:
            try:
                self._definitions[key] = parse_definition(entry.raw)
            except DefinitionUnreadable as exc:
                log.warning("procedure %s cannot be opened: %s", entry.id, exc)
                self._definitions[key] = None
        return self._definitions[key]

    def _prefill(self, definition: ProcedureDefinition, subject: Person,
                 draft_data: dict[str, Any]) -> tuple[dict[str, Any], frozenset[str],
                                                      frozenset[str]]:
        me = self._repo.applicant()
        children = tuple((c.name, c.birthdate or "") for c in self.household.minor_children)
        applicant = _profile(me, children) if me is not None else Profile()
        result = prefill(definition, applicant, _profile(subject, ()))
        # Verified fields the device does not know (a delegator's birthdate) are locked too:
        # the server fills every non-editable pre-filled field at submission.
        verified = frozenset(f.name for f in definition.fields
                             if f.prefill is not None and not f.editable)
        return merge(draft_data, result), result.locked | verified, result.prefilled | verified

    def _session(self, entry: Entry, subject: Person | None, data: dict[str, Any],
                 **extra: Any) -> FormSession | None:
        definition = self.definition(entry)
        me = self._repo.applicant()
        if definition is None or me is None or entry.completion == "link":
            self.session = None
            return None
        choices = self.for_whom(entry)
        if subject is None or subject not in choices:
            subject = choices[0] if choices else me
        values, locked, prefilled = self._prefill(definition, subject, data)
        session = FormSession(entry=entry, definition=definition,
                              engine=FormEngine(definition, self.language), subject=subject,
                              data=values, locked=locked, prefilled=prefilled, **extra)
        if session.fee_method is None and definition.fee is not None \
                and definition.fee.methods:
            session.fee_method = definition.fee.methods[0]
        self.session = session
        return session

    def open_form(self, entry: Entry, subject: Person | None = None,
                  draft: Draft | None = None) -> FormSession | None:
        """Opens the procedure's form for a person (the first allowed by default), resuming
        a draft when given; pre-filled from the verified profile (locked fields always take
        the verified values)."""
        if draft is None:
            return self._session(entry, subject, {})
        if draft.subject_id is not None:
            subject = next((p for p in self.for_whom(entry)
                            if p.person_id == draft.subject_id), subject)
        return self._session(entry, subject, dict(draft.data), draft_id=draft.id,
                             attachments={str(a.get("slot")): dict(a)
                                          for a in draft.attachments})

    def open_resubmission(self, submission: Submission) -> FormSession | None:
        """The form of a returned submission with what was sent, the fields to fix marked."""
        entry = self.entry(submission.procedure_id)
        if entry is None or not submission.may_resubmit:
            return None
        subject = next((p for p in self.for_whom(entry)
                        if p.person_id == submission.subject_id), None)
        session = self._session(
            entry, subject, dict(submission.data), resubmit_of=submission.id,
            fix_fields=submission.fix_fields, fee_method=submission.fee_method,
            attachments={str(a.get("slot")): dict(a) for a in submission.attachments})
        if session is not None:
            session.errors = {name: FieldError(name, "returned", FIX_THIS)
                              for name in submission.fix_fields}
            session.summary, session.summary_params = RETURNED, {"reason": submission.reason}
        return session

    def reopen_refused(self, submission: Submission) -> FormSession | None:
        """A refused submission's form again, with the server's field errors at the fields
        and its reason at the top (sent again as a new submission)."""
        entry = self.entry(submission.procedure_id)
        if entry is None:
            return None
        subject = next((p for p in self.for_whom(entry)
                        if p.person_id == submission.subject_id), None)
        session = self._session(entry, subject, dict(submission.data),
                                fee_method=submission.fee_method,
                                attachments={str(a.get("slot")): dict(a)
                                             for a in submission.attachments})
        if session is not None:
            session.errors = {e.field: e for e in submission.field_errors}
            reason = submission.refusal[1] if submission.refusal else ""
            session.summary, session.summary_params = REFUSED, {"reason": reason}
        return session

    def choose_subject(self, person: Person) -> None:
        """Another person for the open form: the subject's pre-fill follows."""
        session = self.session
        if session is None or person not in self.for_whom(session.entry):
            return
        kept = {k: v for k, v in session.data.items() if k not in session.prefilled}
        values, locked, prefilled = self._prefill(session.definition, person, kept)
        session.subject, session.data = person, values
        session.locked, session.prefilled = locked, prefilled
        session.revision += 1

    def set_value(self, name: str, value: Any) -> None:
        """A value typed or chosen (already coerced by the field), checked as typed."""
        session = self.session
        if session is None or name in session.locked:
            return
        if value is None or value == "" or value == []:
            session.data.pop(name, None)
        else:
            session.data[name] = value
        self.check_field(name)

    def check_field(self, name: str) -> None:
        """One field's check (as the resident types or leaves it)."""
        session = self.session
        if session is None:
            return
        try:
            problem = session.engine.validate_field(name, session.data.get(name))
        except KeyError:
            return
        if problem is not None:
            session.errors[name] = problem
        else:
            session.errors.pop(name, None)

    def choose_fee_method(self, method: str) -> None:
        session = self.session
        fee = session.definition.fee if session is not None else None
        if session is not None and fee is not None and method in fee.methods:
            session.fee_method = method

    def _attachment_list(self, session: FormSession) -> list[dict[str, Any]]:
        return [dict(a, slot=slot) for slot, a in sorted(session.attachments.items())]

    async def save_draft(self) -> bool:
        session = self.session
        if session is None or not self.signed_in:
            return False
        row = {"id": session.draft_id, "procedure_id": session.entry.id,
               "procedure_version": session.entry.version,
               "subject_id": session.subject.person_id,
               "data": session.engine.clean(session.data),
               "attachments": self._attachment_list(session)}
        if not await self._repo.save_draft(session.draft_id, row):
            return False
        self._say(SAVED, procedure_route(session.entry.id))
        return True

    async def discard_draft(self, draft: Draft) -> bool:
        if not await self._repo.discard_draft(draft.id):
            return False
        if self.session is not None and self.session.draft_id == draft.id:
            self.session = None
        self._say(DISCARDED, ROUTE)
        return True

    def validate_all(self) -> bool:
        """Every error at its field and a summary at the top; True when there is none."""
        session = self.session
        if session is None:
            return False
        errors = {name: error for name, error in session.engine.validate(session.data).items()
                  if not (name in session.locked and error.code == "required")}
        for rule in session.definition.attachments:
            if rule.required and rule.id not in session.attachments:
                key = f"attachment:{rule.id}"
                errors[key] = FieldError(key, "required", ADD_FILE,
                                         {"label": text_in(rule.label, self.language)})
        session.errors = errors
        if errors:
            session.summary, session.summary_params = FIX_ERRORS, {"count": str(len(errors))}
            return False
        session.summary, session.summary_params = "", {}
        return True

    async def submit(self) -> str | None:
        """Validates, then writes `submit` (or `resubmit`) with the optimistic row showing
        未送信; the server's outcome arrives with the next sync. The submission id, or None."""
        session = self.session
        if session is None:
            return None
        if not self.signed_in:
            session.summary = NOT_SIGNED_IN
            return None
        if not self.validate_all():
            return None
        data = session.engine.clean(session.data)
        attachments = self._attachment_list(session)
        if session.resubmit_of is not None:
            stored = await self._repo.stored_submission(session.resubmit_of)
            stored.update({"data": data, "attachments": attachments, "fix_fields": []})
            if not await self._repo.write_submission(
                    session.resubmit_of, stored, "resubmit",
                    {"id": session.resubmit_of, "data": data, "attachments": attachments}):
                return None
            sid = session.resubmit_of
            self._say(RESUBMITTED, submission_route(sid))
        else:
            sid = self._make_id()
            subject_id = session.subject.person_id
            args: dict[str, Any] = {"id": sid, "procedure_id": session.entry.id,
                                    "procedure_version": session.definition.version,
                                    "data": data, "attachments": attachments}
            if subject_id is not None:
                args["subject_id"] = subject_id
            fee = session.definition.fee
            if fee is not None and session.fee_method is not None:
                args["fee_method"] = session.fee_method
            row = {**args, "status": "pending", "subject_name": session.subject.name,
                   "fee": {"amount_yen": fee.total(data), "method": session.fee_method,
                           "paid_at": None} if fee is not None else None,
                   "history": [], "created_at": self._now().isoformat()}
            if not await self._repo.write_submission(sid, row, "submit", args):
                return None
            if any(d.id == session.draft_id for d in self.drafts):
                await self._repo.discard_draft(session.draft_id)
            self._say(SUBMITTED, submission_route(sid))
        self.session = None
        return sid

    async def withdraw(self, submission: Submission) -> bool:
        if not submission.may_withdraw or not self.signed_in:
            return False
        stored = await self._repo.stored_submission(submission.id)
        stored["status"] = "withdrawn"
        if not await self._repo.write_submission(submission.id, stored, "withdraw",
                                                 {"id": submission.id}):
            return False
        self._say(WITHDRAWN, submission_route(submission.id))
        return True

    # --- attachments (need the network) -------------------------------------------------
    async def attach(self, slot: str, name: str, content: bytes, *, online: bool) -> bool:
        """A file picked or photographed for a slot: checked by its bytes, stripped of its
        metadata, uploaded (online only: offline the draft is kept and the file waits)."""
        session = self.session
        if session is None:
            return False
        key = f"attachment:{slot}"
        rule = next((r for r in session.definition.attachments if r.id == slot), None)
        if rule is None:
            return False
        if slot not in session.attachments and len(session.attachments) >= MAX_ATTACHMENTS:
            session.errors[key] = FieldError(key, "max_items", TOO_MANY_FILES)
            return False
        check = check_attachment(rule, name, content)
        if not check.ok or check.content_type is None:
            session.errors[key] = FieldError(key, check.code or "invalid",
                                             check.message or UPLOAD_FAILED,
                                             dict(check.params))
            return False
        if not online:
            await self.save_draft()  # what was typed is kept; the file waits for the network
            session.errors[key] = FieldError(key, "offline", UPLOAD_OFFLINE)
            return False
        try:
            clean = strip_metadata(content, check.content_type)
        except AttachmentUnreadable:
            session.errors[key] = FieldError(key, "unreadable",
                                             "{name} could not be read as an image.",
                                             {"name": name})
            return False
        session.uploading = slot
        try:
            uploaded = await self._online.upload(session.entry.id, slot, name,
                                                 check.content_type, clean)
        except BackendError as exc:
            if isinstance(exc, BackendUnavailable):
                session.errors[key] = FieldError(key, "offline", UPLOAD_OFFLINE)
            else:
                reason = exc.detail if isinstance(exc, BackendRejected) else str(exc)
                session.errors[key] = FieldError(key, "refused", UPLOAD_FAILED,
                                                 {"reason": reason})
            return False
        finally:
            session.uploading = ""
        session.attachments[slot] = {"slot": slot, "attachment_id": uploaded.attachment_id,
                                     "name": name, "content_type": uploaded.content_type,
                                     "size": uploaded.size}
        session.errors.pop(key, None)
        return True

    def remove_attachment(self, slot: str) -> None:
        if self.session is not None:
            self.session.attachments.pop(slot, None)

    # --- 書かない窓口 ------------------------------------------------------------------
    def handoff_for(self, submission_id: str) -> HandoffState:
        if self.handoff is None or self.handoff.submission_id != submission_id:
            self.handoff = HandoffState(submission_id)
        return self.handoff

    async def renew_handoff(self, submission_id: str, *, online: bool) -> bool:
        """A new code for the counter (and again shortly before it expires)."""
        state = self.handoff_for(submission_id)
        if state.busy:
            return False
        if not online:
            state.code, state.problem = None, HANDOFF_OFFLINE
            return False
        state.busy = True
        try:
            state.code = await self._online.handoff(submission_id)
            state.problem, state.problem_params = "", {}
            return True
        except BackendError as exc:
            state.code = None
            if isinstance(exc, BackendUnavailable):
                state.problem = HANDOFF_OFFLINE
            else:
                state.problem = HANDOFF_FAILED
                state.problem_params = {"reason": exc.detail if isinstance(
                    exc, BackendRejected) else str(exc)}
            return False
        finally:
            state.busy = False

    def close_handoff(self) -> None:
        self.handoff = None

    def now(self) -> datetime:
        return self._now()

    def message_on(self, route: str) -> str:
        """What the last action did, when it belongs to the screen at `route` (English id
        with `message_params`), else ""."""
        return self.message if self.message_for == route else ""

    def _say(self, message: str, route: str, **params: str) -> None:
        self.message, self.message_params, self.message_for = message, params, route


def _profile(person: Person, children: tuple[tuple[str, str], ...]) -> Profile:
    return Profile(name=person.name or None, address=person.address,
                   birthdate=person.birthdate, minor_children=children)
