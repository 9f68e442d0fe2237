"""A department's review screen in plain Python (testable with a fake source): the
submissions (filtered by status and procedure, newest first), one submission's detail
(every filled field with its label, attachments, history) and the staff moves
(審査中にする, 完了, 差戻し with a reason and the fields to fix, 却下 with a reason). The
fields to fix are chosen among the filled ones and may be none (a return for an unreadable
attachment names no field).

An outcome is kept with where it belongs (`Outcome.at`): the detail's actions (by the
buttons the clerk pressed, not at the top of a long list) or one attachment's row; the list
row of the submission says it too once the clerk is back at the list."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.features.procedures.staff.ports import ProceduresStaffSource
from app.features.procedures.staff.state import (
    MAX_REASON,
    NEEDS_REASON,
    STAFF_MOVES,
    STATUSES,
    FieldLine,
    Load,
    Localized,
    ProcedureDefinition,
    Refusal,
    StaffSubmission,
    SubmissionRow,
    attachment_label,
    field_lines,
    procedure_title,
    refusal_of,
)
from app.observable import Observable
from backend_client import BackendError

log = logging.getLogger(__name__)

ACTIONS_AT = "actions"


def attachment_at(attachment_id: str) -> str:
    return f"attachment:{attachment_id}"


@dataclass(frozen=True)
class Outcome:
    """What the last action did (`done`: the status moved to, or "downloaded"), or why it
    was refused, for `submission_id`, shown at `at`."""

    submission_id: str
    at: str
    done: str = ""
    refusal: Refusal | None = None
    file_name: str = ""


class ReviewState(Observable):
    def __init__(self, source: ProceduresStaffSource, department: str,
                 save_file: Callable[[str, bytes], Awaitable[None]]) -> None:
        super().__init__()
        self._source = source
        self._save_file = save_file
        self.department = department
        # --- the list
        self.status_filter: str | None = None
        self.procedure_filter: str | None = None
        self.rows: list[SubmissionRow] = []
        self.list_load = Load.IDLE
        self.list_for: tuple[str | None, str | None] | None = None
        self.list_refusal: Refusal | None = None
        self.next_before = ""  # where the next page starts ("": none)
        self.procedures: dict[str, Localized] = {}  # every procedure seen, for the filter
        self.definitions: dict[str, ProcedureDefinition | None] = {}
        # --- the open submission
        self.open_id = ""
        self.detail: StaffSubmission | None = None
        self.detail_load = Load.IDLE
        self.detail_refusal: Refusal | None = None
        self.reason_text = ""
        self.fix_fields: list[str] = []
        self.revision = 0  # bumped when the state itself empties the reason
        self.busy = ""  # the action running ("reviewing", "attachment:<id>" ...)
        self.outcome: Outcome | None = None

    # --- the list ------------------------------------------------------------------------
    def _query(self) -> tuple[str | None, str | None]:
        return (self.status_filter, self.procedure_filter)

    def claim_list_load(self) -> bool:
        if self.list_load is Load.LOADING or self.list_for == self._query():
            return False
        self.list_load = Load.LOADING
        return True

    async def load_list(self) -> None:
        """The first page for the filters (the list read again)."""
        query = self._query()
        self.list_load = Load.LOADING
        if await self._read_page(query, None):
            self.list_load, self.list_refusal = Load.LOADED, None
        else:
            self.list_load = Load.FAILED
        self.list_for = query
        self._changed()

    async def load_more(self) -> None:
        """The next page, added to the rows shown."""
        if not self.next_before or self.busy:
            return
        self.busy = "more"
        try:
            await self._read_page(self._query(), self.next_before)
        finally:
            self.busy = ""
        self._changed()

    async def _read_page(self, query: tuple[str | None, str | None],
                         before: str | None) -> bool:
        try:
            page = await self._source.submissions(status=query[0], procedure_id=query[1],
                                                  department=self.department, before=before)
        except BackendError as exc:
            log.warning("procedure submissions could not be read: %s", exc)
            self.list_refusal = refusal_of(exc)
            return False
        # The department asked for only (a staff member of several departments keeps one
        # list per department).
        mine = [r for r in page.rows if not r.department or r.department == self.department]
        await self._learn_definitions({r.procedure_id for r in mine})
        rows = {r.id: r for r in (self.rows if before else [])}
        rows.update({r.id: r for r in mine})
        self.rows = sorted(rows.values(), key=lambda r: (r.created_at is not None,
                                                         r.created_at, r.number),
                           reverse=True)
        for row in self.rows:
            self.procedures.setdefault(row.procedure_id, self.title_of(row))
        self.next_before = page.next_before
        self.list_refusal = None
        return True

    async def _learn_definitions(self, procedure_ids: set[str]) -> None:
        for procedure_id in sorted(procedure_ids - set(self.definitions)):
            try:
                self.definitions[procedure_id] = await self._source.definition(procedure_id)
            except Exception as exc:  # a locked or damaged store: ids stay as labels
                log.info("definition %s not read: %s", procedure_id, exc)
                self.definitions[procedure_id] = None

    def title_of(self, row: SubmissionRow) -> Localized:
        return procedure_title(row, self.definitions.get(row.procedure_id))

    def set_status_filter(self, status: str | None) -> None:
        self.status_filter = status if status in STATUSES else None
        self._changed()

    def set_procedure_filter(self, procedure_id: str | None) -> None:
        self.procedure_filter = procedure_id or None
        self._changed()

    def reload(self) -> None:
        """Read the list (and the open submission) again on the next render."""
        self.list_for = None
        if self.open_id:
            self.detail_load = Load.IDLE
        self._changed()

    def procedure_options(self) -> list[tuple[str, Localized]]:
        return sorted(self.procedures.items(), key=lambda item: item[1].ja)

    # --- the open submission ---------------------------------------------------------------
    def open(self, submission_id: str) -> None:
        if submission_id != self.open_id:
            self.detail = None
            self.reason_text, self.fix_fields = "", []
            self.revision += 1
        self.open_id = submission_id
        self.detail_load = Load.IDLE
        self.detail_refusal = None
        self._changed()

    def close(self) -> None:
        """Back to the list (the filters and the last outcome stay)."""
        self.open_id = ""
        self.detail = None
        self.detail_load = Load.IDLE
        self._changed()

    def claim_detail_load(self) -> bool:
        if not self.open_id or self.detail_load is not Load.IDLE:
            return False
        self.detail_load = Load.LOADING
        return True

    async def load_detail(self) -> None:
        submission_id = self.open_id
        self.detail_load = Load.LOADING
        try:
            detail = await self._source.submission(submission_id)
            await self._learn_definitions({detail.row.procedure_id})
        except BackendError as exc:
            log.warning("submission %s could not be read: %s", submission_id, exc)
            if submission_id == self.open_id:
                self.detail_load, self.detail_refusal = Load.FAILED, refusal_of(exc)
        else:
            if submission_id == self.open_id:
                self.detail, self.detail_load, self.detail_refusal = detail, Load.LOADED, None
                self._replace_row(detail.row)
        self._changed()

    def lines(self) -> list[FieldLine]:
        if self.detail is None:
            return []
        return field_lines(self.detail, self.definitions.get(self.detail.row.procedure_id))

    def attachment_label(self, attachment_id: str) -> Localized:
        detail = self.detail
        found = next((a for a in detail.attachments if a.attachment_id == attachment_id),
                     None) if detail is not None else None
        if found is None or detail is None:
            return Localized(attachment_id, attachment_id)
        return attachment_label(found, self.definitions.get(detail.row.procedure_id))

    def moves(self) -> tuple[str, ...]:
        """The moves staff may make from the open submission's status."""
        return STAFF_MOVES.get(self.detail.status, ()) if self.detail is not None else ()

    def set_reason(self, text: str) -> None:
        self.reason_text = text

    def set_fix_field(self, name: str, chosen: bool) -> None:
        if chosen and name not in self.fix_fields:
            self.fix_fields.append(name)
        elif not chosen and name in self.fix_fields:
            self.fix_fields.remove(name)

    def outcome_for(self, submission_id: str, at: str) -> Outcome | None:
        outcome = self.outcome
        if outcome is None or outcome.submission_id != submission_id or outcome.at != at:
            return None
        return outcome

    def _refuse(self, submission_id: str, at: str, refusal: Refusal) -> bool:
        self.outcome = Outcome(submission_id, at, refusal=refusal)
        self._changed()
        return False

    async def move(self, to: str) -> bool:
        """Moves the open submission's status; the outcome goes by the action buttons."""
        detail = self.detail
        if detail is None or self.busy:
            return False
        reason = " ".join(self.reason_text.split())
        if to not in STAFF_MOVES.get(detail.status, ()):
            return self._refuse(detail.id, ACTIONS_AT, Refusal("not_allowed", to))
        if to in NEEDS_REASON and not reason:
            return self._refuse(detail.id, ACTIONS_AT, Refusal("no_reason", to))
        if len(reason) > MAX_REASON:
            return self._refuse(detail.id, ACTIONS_AT, Refusal("reason_too_long", to))
        known = {line.field for line in self.lines()}
        fix = [name for name in self.fix_fields if name in known]
        self.busy = to
        self._changed()
        try:
            moved = await self._source.move(
                detail.id, to=to, reason=reason if to in NEEDS_REASON else None,
                fix_fields=fix if to == "returned" else None)
        except BackendError as exc:
            log.info("move of %s to %s refused: %s", detail.id, to, exc)
            return self._refuse(detail.id, ACTIONS_AT, refusal_of(exc))
        finally:
            self.busy = ""
        if self.open_id == detail.id:
            self.detail = moved
        self._replace_row(moved.row)
        self.reason_text, self.fix_fields = "", []
        self.revision += 1
        self.outcome = Outcome(detail.id, ACTIONS_AT, done=moved.status)
        self._changed()
        return True

    def _replace_row(self, row: SubmissionRow) -> None:
        """The list keeps the row where it is, with its new status (a filter no longer
        matching drops it at the next read, not under the clerk's eyes)."""
        self.rows = [row if r.id == row.id else r for r in self.rows]

    async def download_attachment(self, attachment_id: str) -> bool:
        detail = self.detail
        if detail is None or self.busy:
            return False
        at = attachment_at(attachment_id)
        self.busy = at
        self._changed()
        try:
            file = await self._source.attachment(detail.id, attachment_id)
            await self._save_file(file.name, file.content)
        except BackendError as exc:
            return self._refuse(detail.id, at, refusal_of(exc))
        except Exception as exc:  # the save dialog failed
            log.warning("attachment %s not saved: %s", attachment_id, exc)
            return self._refuse(detail.id, at, Refusal("failed", str(exc)))
        finally:
            self.busy = ""
        self.outcome = Outcome(detail.id, at, done="downloaded", file_name=file.name)
        self._changed()
        return True
