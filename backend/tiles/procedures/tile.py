"""The procedures tile's server side (手続き, docs/procedures.md): procedure definitions
(data a city imports), submissions through sync with their status flow, attachments, drafts,
the fee in points, staff review by department and the 書かない窓口 handoff at the counter."""

from __future__ import annotations

from datetime import timedelta

from backend.jobs import PeriodicJob
from backend.tiles.procedures import cli, counter_routes, routes, staff_routes
from backend.tiles.procedures.attachments import clean_up_unattached
from backend.tiles.procedures.definitions.models import ProcedureDefinitionRow
from backend.tiles.procedures.definitions.publish import PROCEDURES
from backend.tiles.procedures.handlers import PROCEDURE_DRAFTS, PROCEDURE_SUBMISSIONS
from backend.tiles.procedures.models import (
    ProcedureAttachment,
    ProcedureDraft,
    ProcedureHandoff,
    ProcedureNumberCounter,
    ProcedureSubmission,
    ProcedureSubmissionEvent,
)
from backend.tiles.procedures.my_data import (
    DELETION_REASON,
    drafts_export,
    forget_work_in_progress,
    submissions_export,
    uploads_export,
)
from backend.tiles.procedures.settings import ProceduresSettings
from backend.tiles.procedures.startup import load_procedures
from backend.tiles.spec import Deletion, DeletionPolicy, ExportPart, HomeHint, ServerPart, TileSpec

CLEANUP_JOB = PeriodicJob("attachments-cleanup", every=timedelta(hours=6), run=clean_up_unattached,
                          first_after=timedelta(minutes=5))

TILE = TileSpec(
    id="procedures",
    server=ServerPart.BUILT,
    summary="City procedures: definitions, submissions with staff review, attachments, "
            "drafts, fees in points and the counter handoff.",
    routers=(routes.router, counter_routes.router),
    staff_routers=(staff_routes.router, counter_routes.staff_router),
    sync_collections=(PROCEDURES, PROCEDURE_SUBMISSIONS, PROCEDURE_DRAFTS),
    startup=(load_procedures,),
    settings=ProceduresSettings,
    export=(
        ExportPart("procedure_submissions", submissions_export),
        ExportPart("procedure_drafts", drafts_export),
        ExportPart("procedure_attachments", uploads_export, section="tiles"),
    ),
    deletion=DeletionPolicy(Deletion.DELETE, DELETION_REASON, delete=forget_work_in_progress),
    models=(ProcedureDefinitionRow, ProcedureSubmission, ProcedureSubmissionEvent,
            ProcedureAttachment, ProcedureHandoff, ProcedureDraft, ProcedureNumberCounter),
    home=HomeHint(order=10),
    commands={cli.COMMAND: cli.main},
    jobs=(CLEANUP_JOB,),
)
