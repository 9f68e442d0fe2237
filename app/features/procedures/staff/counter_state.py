"""The 書かない窓口 counter in plain Python (testable with a fake source): the clerk reads
the resident's handoff code (camera, picture or typed), checks the identity document of the
person at the counter against the applicant's name and birthdate shown, prints the official
form as a PDF and completes the submission (docs/procedures.md §4).

One resident at a time: the submissions the screen holds are all one applicant's. A code of
another applicant read while one of theirs is unfinished is refused
(`handoff_other_resident`) until the clerk completes or clears them. Each held submission
goes through its own steps, in order: identity check → PDF → 受付を完了; each step's outcome
is kept with the submission (`CounterItem.outcome`) and shown by its buttons."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from app.features.procedures.staff.ports import ProceduresStaffSource
from app.features.procedures.staff.state import (
    IDENTITY_DOCUMENTS,
    FieldLine,
    Localized,
    ProcedureDefinition,
    Refusal,
    StaffSubmission,
    field_lines,
    normalise_code,
    procedure_title,
    refusal_of,
)
from app.observable import Observable
from backend_client import BackendError

log = logging.getLogger(__name__)

# Steps of a held submission, as outcomes name them.
IDENTITY = "identity"
PDF = "pdf"
COMPLETE = "complete"


@dataclass
class CounterItem:
    """One submission at the counter and how far the clerk got with it."""

    submission: StaffSubmission
    definition: ProcedureDefinition | None = None
    document: str = ""  # the identity document kind chosen
    identity: str = ""  # "" (not yet), "confirmed", "not_matching" (the code is void)
    pdf_name: str = ""  # the PDF saved (its file name)
    completed: bool = False
    outcome: tuple[str, Refusal | None] | None = None  # (step, refusal or None: done)
    lines: list[FieldLine] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.submission.id

    @property
    def finished(self) -> bool:
        """Nothing more to do at the counter: completed, or the identity did not match."""
        return self.completed or self.identity == "not_matching"

    @property
    def title(self) -> Localized:
        return procedure_title(self.submission.row, self.definition)


class CounterState(Observable):
    def __init__(self, source: ProceduresStaffSource, department: str,
                 save_file: Callable[[str, bytes], Awaitable[None]]) -> None:
        super().__init__()
        self._source = source
        self._save_file = save_file
        self.department = department
        self.code_text = ""
        self.revision = 0  # bumped when the state itself empties the typed code
        self.scan_refusal: Refusal | None = None  # shown by the code input
        self.items: list[CounterItem] = []
        self.busy = ""  # "scan", or "<step>:<submission id>"

    # --- reading a code ----------------------------------------------------------------------
    @property
    def resident_id(self) -> str:
        return self.items[0].submission.row.applicant_id if self.items else ""

    @property
    def resident_name(self) -> str:
        return self.items[0].submission.row.applicant_name if self.items else ""

    def set_code_text(self, text: str) -> None:
        self.code_text = text

    async def scan_typed(self) -> bool:
        return await self.scan(self.code_text, typed=True)

    def no_code_in_picture(self, detail: str = "") -> None:
        self.scan_refusal = Refusal("no_code_in_picture", detail)
        self._changed()

    def _refuse_scan(self, refusal: Refusal) -> bool:
        self.scan_refusal = refusal
        self._changed()
        return False

    async def scan(self, text: str, typed: bool = False) -> bool:
        """Opens the submission of a handoff code read by the camera, from a picture or
        typed (`typed`: the field is emptied once it is read)."""
        if self.busy:
            return False
        code = normalise_code(text)
        if code is None:
            return self._refuse_scan(Refusal("malformed_code"))
        self.busy = "scan"
        self._changed()
        try:
            scanned = await self._source.scan(code)
            definition = await self._definition(scanned.row.procedure_id)
        except BackendError as exc:
            log.info("handoff code refused: %s", exc)
            return self._refuse_scan(refusal_of(exc))
        finally:
            self.busy = ""
        unfinished = [i for i in self.items if not i.finished]
        if unfinished and scanned.row.applicant_id != self.resident_id:
            return self._refuse_scan(Refusal("handoff_other_resident", "app"))
        if not unfinished:
            self.items = []
        item = CounterItem(scanned, definition, lines=field_lines(scanned, definition))
        self.items = [i for i in self.items if i.id != scanned.id] + [item]
        self.scan_refusal = None
        if typed:
            self.code_text = ""
            self.revision += 1
        self._changed()
        return True

    async def _definition(self, procedure_id: str) -> ProcedureDefinition | None:
        try:
            return await self._source.definition(procedure_id)
        except BackendError:
            raise
        except Exception as exc:  # a locked or damaged store: ids stay as labels
            log.info("definition %s not read: %s", procedure_id, exc)
            return None

    def clear(self) -> None:
        """「次の方へ」: the screen holds nobody."""
        self.items = []
        self.scan_refusal = None
        self.code_text = ""
        self.revision += 1
        self._changed()

    # --- the steps -----------------------------------------------------------------------------
    def item(self, submission_id: str) -> CounterItem | None:
        return next((i for i in self.items if i.id == submission_id), None)

    def set_document(self, submission_id: str, document: str) -> None:
        item = self.item(submission_id)
        if item is not None and document in IDENTITY_DOCUMENTS:
            item.document = document
            self._changed()

    def _step_refused(self, item: CounterItem, step: str, refusal: Refusal) -> bool:
        item.outcome = (step, refusal)
        self._changed()
        return False

    async def check_identity(self, submission_id: str, matches: bool) -> bool:
        """「本人と確認できました」 (`matches`) or 「確認できません」 (the code is voided)."""
        item = self.item(submission_id)
        if item is None or self.busy or item.finished or item.identity == "confirmed":
            return False
        if matches and item.document not in IDENTITY_DOCUMENTS:
            return self._step_refused(item, IDENTITY, Refusal("no_document"))
        self.busy = f"{IDENTITY}:{submission_id}"
        self._changed()
        try:
            checked = await self._source.identity_check(
                submission_id, document=item.document or None, matches=matches)
        except BackendError as exc:
            return self._step_refused(item, IDENTITY, refusal_of(exc))
        finally:
            self.busy = ""
        item.identity = "confirmed" if checked.matches else "not_matching"
        item.outcome = (IDENTITY, None)
        self._changed()
        return True

    async def save_pdf(self, submission_id: str) -> bool:
        """「申請書をPDFで出力」: only after the identity check."""
        item = self.item(submission_id)
        if item is None or self.busy or item.finished:
            return False
        if item.identity != "confirmed":
            return self._step_refused(item, PDF, Refusal("identity_first"))
        self.busy = f"{PDF}:{submission_id}"
        self._changed()
        fallback = f"{item.submission.number or submission_id}.pdf"
        try:
            file = await self._source.pdf(submission_id, fallback)
            await self._save_file(file.name, file.content)
        except BackendError as exc:
            return self._step_refused(item, PDF, refusal_of(exc))
        except Exception as exc:  # the save dialog failed
            log.warning("the form of %s was not saved: %s", submission_id, exc)
            return self._step_refused(item, PDF, Refusal("failed", str(exc)))
        finally:
            self.busy = ""
        item.pdf_name = file.name
        item.outcome = (PDF, None)
        self._changed()
        return True

    async def complete(self, submission_id: str) -> bool:
        """「受付を完了」: the submission is completed, after the identity check and the
        PDF."""
        item = self.item(submission_id)
        if item is None or self.busy or item.finished:
            return False
        if item.identity != "confirmed":
            return self._step_refused(item, COMPLETE, Refusal("identity_first"))
        if not item.pdf_name:
            return self._step_refused(item, COMPLETE, Refusal("pdf_first"))
        self.busy = f"{COMPLETE}:{submission_id}"
        self._changed()
        try:
            done = await self._source.move(submission_id, to="completed", reason=None,
                                           fix_fields=None)
        except BackendError as exc:
            return self._step_refused(item, COMPLETE, refusal_of(exc))
        finally:
            self.busy = ""
        # The counter's view of the submission (the applicant's birthdate, the labelled rows)
        # stays; only its status is the city's answer.
        item.submission = replace(item.submission,
                                  row=replace(item.submission.row, status=done.status))
        item.completed = True
        item.outcome = (COMPLETE, None)
        self._changed()
        return True
