"""The procedures tile in "My data": export and account deletion.

Export: every submission the person made or that was made for them (with its history and
each submitted version of the data, attachment metadata but not the files), their drafts,
and the metadata of every file they uploaded.

Deletion: submissions are the city's administrative records (an application for an
allowance, a certificate request: the department must be able to show what was applied
for, by whom and what it decided), so they stay, pointing to the tombstone, with the files
a submission uses. What is only the resident's own work in progress goes: their drafts and
the uploads no submission used.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlmodel import Session, col

from backend.models import Person
from backend.tiles.procedures.attachments import attachment_meta
from backend.tiles.procedures.handlers import draft_json
from backend.tiles.procedures.models import ProcedureAttachment, ProcedureDraft, ProcedureSubmission
from backend.tiles.procedures.submissions import submission_json

DELETION_REASON = (
    "Drafts and uploads not used by a submission are deleted; submissions (and the files "
    "they use) stay, pointing to the tombstone: they are the city's administrative records "
    "of what was applied for and decided")


def submissions_export(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.scalars(select(ProcedureSubmission).where(or_(
        col(ProcedureSubmission.applicant_person_id) == person.id,
        col(ProcedureSubmission.subject_person_id) == person.id))
        .order_by(col(ProcedureSubmission.created_at), col(ProcedureSubmission.id)))
    return [submission_json(session, row, with_history_data=True) for row in rows]


def drafts_export(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.scalars(select(ProcedureDraft).where(
        col(ProcedureDraft.person_id) == person.id).order_by(col(ProcedureDraft.id)))
    return [draft_json(row) for row in rows]


def uploads_export(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.scalars(select(ProcedureAttachment).where(
        col(ProcedureAttachment.person_id) == person.id)
        .order_by(col(ProcedureAttachment.created_at), col(ProcedureAttachment.id)))
    return [{**attachment_meta(row), "procedure_id": row.procedure_id,
             "submission_id": row.submission_id, "created_at": row.created_at.isoformat()}
            for row in rows]


def forget_work_in_progress(session: Session, person: Person) -> None:
    """Account deletion: drafts and unused uploads go; submissions stay (see above)."""
    session.execute(delete(ProcedureDraft).where(col(ProcedureDraft.person_id) == person.id))
    session.execute(delete(ProcedureAttachment).where(
        col(ProcedureAttachment.person_id) == person.id,
        col(ProcedureAttachment.submission_id).is_(None)))
