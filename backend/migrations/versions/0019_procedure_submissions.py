"""Procedure submissions (手続きの申請): submissions with their history, uploaded
attachments, handoff codes for the counter, drafts, the 受付番号 counter; and personal
notices (`notice.person_id`). See docs/procedures.md §2–§4.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _person(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), sa.ForeignKey("person.id"), nullable=nullable)


def _submission(nullable: bool = False) -> sa.Column[str]:
    return sa.Column("submission_id", sa.String(length=36),
                     sa.ForeignKey("procedure_submission.id"), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "procedure_submission",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("procedure_id", sa.String(length=64), nullable=False),
        sa.Column("procedure_version", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        _person("applicant_person_id"),
        _person("subject_person_id"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("fee_amount_yen", sa.Integer(), nullable=False),
        sa.Column("fee_method", sa.String(length=16), nullable=True),
        _time("fee_paid_at", nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("fix_fields", sa.Text(), nullable=False),
        _time("identity_checked_at", nullable=True),
        sa.Column("identity_document", sa.String(length=32), nullable=True),
        _person("identity_checked_by", nullable=True),
        _time("created_at"),
        _time("updated_at"),
        sa.UniqueConstraint("municipality_code", "number",
                            name="uq_procedure_submission_number"),
    )
    op.create_index("ix_procedure_submission_staff", "procedure_submission",
                    ["municipality_code", "department", "status", "updated_at"])
    op.create_index("ix_procedure_submission_applicant", "procedure_submission",
                    ["applicant_person_id"])
    op.create_index("ix_procedure_submission_subject", "procedure_submission",
                    ["subject_person_id"])
    op.create_table(
        "procedure_submission_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _submission(),
        _time("at"),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        _person("actor_person_id", nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
    )
    op.create_index("ix_procedure_submission_event_submission", "procedure_submission_event",
                    ["submission_id", "id"])
    op.create_table(
        "procedure_attachment",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        _person("person_id"),
        sa.Column("procedure_id", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _time("created_at"),
        _submission(nullable=True),
    )
    op.create_index("ix_procedure_attachment_person", "procedure_attachment",
                    ["person_id", "submission_id"])
    op.create_index("ix_procedure_attachment_created", "procedure_attachment",
                    ["submission_id", "created_at"])
    op.create_table(
        "procedure_handoff",
        sa.Column("id", sa.String(length=32), primary_key=True),
        _submission(),
        _person("issued_to_person_id"),
        _time("issued_at"),
        _time("expires_at"),
        _time("used_at", nullable=True),
        _person("used_by_person_id", nullable=True),
        _time("voided_at", nullable=True),
    )
    op.create_index("ix_procedure_handoff_submission", "procedure_handoff", ["submission_id"])
    op.create_table(
        "procedure_draft",
        sa.Column("person_id", sa.String(length=36), sa.ForeignKey("person.id"),
                  primary_key=True),
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("procedure_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _time("updated_at"),
    )
    op.create_table(
        "procedure_number_counter",
        sa.Column("municipality_code", sa.String(length=6), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("notice") as batch:
        batch.add_column(sa.Column("person_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key("fk_notice_person_id", "person", ["person_id"], ["id"])


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM sync_change WHERE collection IN "
                         "('procedure_submissions', 'procedure_drafts')"))
    bind.execute(sa.text("DELETE FROM sync_change WHERE collection = 'notices' "
                         "AND person_id IS NOT NULL"))
    bind.execute(sa.text("DELETE FROM notice WHERE person_id IS NOT NULL"))
    with op.batch_alter_table("notice") as batch:
        batch.drop_constraint("fk_notice_person_id", type_="foreignkey")
        batch.drop_column("person_id")
    op.drop_table("procedure_number_counter")
    op.drop_table("procedure_draft")
    op.drop_index("ix_procedure_handoff_submission", table_name="procedure_handoff")
    op.drop_table("procedure_handoff")
    op.drop_index("ix_procedure_attachment_created", table_name="procedure_attachment")
    op.drop_index("ix_procedure_attachment_person", table_name="procedure_attachment")
    op.drop_table("procedure_attachment")
    op.drop_index("ix_procedure_submission_event_submission",
                  table_name="procedure_submission_event")
    op.drop_table("procedure_submission_event")
    op.drop_index("ix_procedure_submission_subject", table_name="procedure_submission")
    op.drop_index("ix_procedure_submission_applicant", table_name="procedure_submission")
    op.drop_index("ix_procedure_submission_staff", table_name="procedure_submission")
    op.drop_table("procedure_submission")
