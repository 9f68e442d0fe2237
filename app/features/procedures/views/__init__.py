"""The procedures tile's screens (render only): the catalogue with the resident's drafts and
applications, one procedure and its form, one application, the 書かない窓口 QR code. Which one
is shown follows the route (routes.py)."""

from __future__ import annotations

import flet as ft

from app.features.points.api import FeePayment
from app.features.procedures.routes import Screen, parse
from app.features.procedures.state import ProceduresState
from app.features.procedures.views.application import application_screen
from app.features.procedures.views.catalogue import catalogue_screen
from app.features.procedures.views.handoff import handoff_screen
from app.features.procedures.views.procedure import procedure_screen
from app.shell.context import ViewContext

__all__ = ["procedures_body"]


def procedures_body(ctx: ViewContext, state: ProceduresState,
                    fees: FeePayment | None = None) -> list[ft.Control]:
    where = parse(ctx.state.route)
    if where.screen is Screen.PROCEDURE:
        return procedure_screen(ctx, state, where.id)
    if where.screen is Screen.SUBMISSION:
        return application_screen(ctx, state, where.id, fees)
    if where.screen is Screen.HANDOFF:
        return handoff_screen(ctx, state, where.id)
    return catalogue_screen(ctx, state)
