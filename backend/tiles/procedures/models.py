"""Procedure submissions (手続きの申請): the submission, its history, uploaded attachments,
the 書かない窓口 handoff codes and the residents' drafts (docs/procedures.md §2–§3).

Migration 0019 creates these tables (the definitions are B1's `procedure_definition`, 0018).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from backend.models.utc_datetime import UTCDateTime


class ProcedureSubmission(SQLModel, table=True):
    """One submitted form; `id` is the device's UUID, `number` the 受付番号 shown to all."""

    __tablename__ = "procedure_submission"
    __table_args__ = (
        UniqueConstraint("municipality_code", "number", name="uq_procedure_submission_number"),
        Index("ix_procedure_submission_staff", "municipality_code", "department", "status",
              "updated_at"),
        Index("ix_procedure_submission_applicant", "applicant_person_id"),
        Index("ix_procedure_submission_subject", "subject_person_id"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    number: str = Field(sa_column=Column(String(24), nullable=False))  # "手-2026-000123"
    procedure_id: str = Field(sa_column=Column(String(64), nullable=False))
    procedure_version: int = Field(sa_column=Column(Integer(), nullable=False))
    department: str = Field(sa_column=Column(String(64), nullable=False))
    applicant_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False))
    subject_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    data: str = Field(sa_column=Column(Text(), nullable=False))  # JSON: the cleaned form data
    attachments: str = Field(sa_column=Column(Text(), nullable=False))  # JSON list
    fee_amount_yen: int = Field(default=0, sa_column=Column(Integer(), nullable=False))
    fee_method: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    fee_paid_at: datetime | None = Field(default=None,
                                         sa_column=Column(UTCDateTime(), nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    fix_fields: str = Field(default="[]", sa_column=Column(Text(), nullable=False))  # JSON
    identity_checked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True))
    identity_document: str | None = Field(default=None,
                                          sa_column=Column(String(32), nullable=True))
    identity_checked_by: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ProcedureSubmissionEvent(SQLModel, table=True):
    """One move of a submission (who, when, from, to, why); submit/resubmit keep the data."""

    __tablename__ = "procedure_submission_event"
    __table_args__ = (
        Index("ix_procedure_submission_event_submission", "submission_id", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer(), primary_key=True,
                                                          autoincrement=True))
    submission_id: str = Field(sa_column=Column(
        String(36), ForeignKey("procedure_submission.id"), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_kind: str = Field(sa_column=Column(String(16), nullable=False))
    actor_person_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True))
    from_status: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    to_status: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    data: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))


class ProcedureAttachment(SQLModel, table=True):
    """An uploaded file (re-encoded images, checked PDFs); unattached until submitted."""

    __tablename__ = "procedure_attachment"
    __table_args__ = (
        Index("ix_procedure_attachment_person", "person_id", "submission_id"),
        Index("ix_procedure_attachment_created", "submission_id", "created_at"),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    municipality_code: str = Field(sa_column=Column(String(6), nullable=False))
    person_id: str = Field(sa_column=Column(String(36), ForeignKey("person.id"),
                                            nullable=False))
    procedure_id: str = Field(sa_column=Column(String(64), nullable=False))
    slot: str = Field(sa_column=Column(String(64), nullable=False))
    name: str = Field(sa_column=Column(String(128), nullable=False))
    content_type: str = Field(sa_column=Column(String(64), nullable=False))
    size: int = Field(sa_column=Column(Integer(), nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    content: bytes = Field(sa_column=Column(LargeBinary(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    submission_id: str | None = Field(default=None, sa_column=Column(
        String(36), ForeignKey("procedure_submission.id"), nullable=True))


class ProcedureHandoff(SQLModel, table=True):
    """A 書かない窓口 handoff code issued for a counter submission (B3's handoff.py)."""

    __tablename__ = "procedure_handoff"
    __table_args__ = (
        Index("ix_procedure_handoff_submission", "submission_id"),
    )

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    submission_id: str = Field(sa_column=Column(
        String(36), ForeignKey("procedure_submission.id"), nullable=False))
    issued_to_person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), nullable=False))
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None,
                                     sa_column=Column(UTCDateTime(), nullable=True))
    used_by_person_id: str | None = Field(
        default=None, sa_column=Column(String(36), ForeignKey("person.id"), nullable=True))
    voided_at: datetime | None = Field(default=None,
                                       sa_column=Column(UTCDateTime(), nullable=True))


class ProcedureDraft(SQLModel, table=True):
    """A resident's draft of a form, synced so it resumes on another device."""

    __tablename__ = "procedure_draft"

    person_id: str = Field(
        sa_column=Column(String(36), ForeignKey("person.id"), primary_key=True))
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    procedure_id: str = Field(sa_column=Column(String(64), nullable=False))
    body: str = Field(sa_column=Column(Text(), nullable=False))  # JSON of the `save` args
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ProcedureNumberCounter(SQLModel, table=True):
    """The last 受付番号 sequence handed out per municipality and year (numbers.py)."""

    __tablename__ = "procedure_number_counter"

    municipality_code: str = Field(sa_column=Column(String(6), primary_key=True))
    year: int = Field(sa_column=Column(Integer(), primary_key=True, autoincrement=False))
    value: int = Field(sa_column=Column(Integer(), nullable=False))
