"""Earning points with a code: a picture of it or its text; online it is granted at once,
offline it waits on this device (未送信) and the city's decision shows when it arrives."""

from __future__ import annotations

import flet as ft

from app.features.points.problems import problem_for_code
from app.features.points.state import ClaimItem, PointsState
from app.features.points.views import actions
from app.features.points.views.pay import problem_line
from app.features.points.views.scan import code_input
from app.features.points.views.text import points, problem_text
from app.i18n.formatting import format_datetime_short
from app.shell.context import ViewContext
from app.shell.views.common import line_card, section_heading

CLAIM_STATES = {
    "waiting": "Not sent yet",
    "granted": "Points received",
    "refused": "Not accepted",
}


def earn_section(ctx: ViewContext, state: PointsState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    flow = state.earn
    controls: list[ft.Control] = [
        section_heading(ctx, t("Earn points")),
        ft.Text(t("Scan the code at an event or a collection point to receive its points."),
                size=m.body_size * 0.9, color=p.on_surface, key="earn-help"),
    ]
    if ctx.state.connection.offline:
        controls.append(ft.Text(t("Offline: the code is kept on this device and sent when "
                                  "you are online."), size=m.body_size * 0.9,
                                color=p.on_surface, italic=True, key="earn-offline"))
    if flow.problem is not None:
        controls.append(problem_line(ctx, problem_text(ctx, flow.problem), "earn-problem"))
    if flow.result is not None:
        controls.append(ft.Semantics(
            key="earn-result", identifier="points-earned", live_region=True,
            content=ft.Text(t("You received {points}.",
                              points=points(ctx, abs(flow.result.transfer.amount))),
                            size=m.body_size * 1.2, color=p.primary,
                            weight=ft.FontWeight.BOLD)))
    if flow.queued:
        controls.append(ft.Text(t("Saved on this device. It will be sent when you are "
                                  "online."), size=m.body_size, color=p.primary,
                                weight=ft.FontWeight.BOLD, key="earn-queued"))
    controls += code_input(
        ctx, prefix="earn", text=flow.code_text, revision=flow.code_revision,
        on_text=flow.set_code_text,
        on_camera=lambda _: ctx.run_task(actions.camera_for_claim, ctx, state),
        on_picture=lambda _: ctx.run_task(actions.picture_for_claim, ctx, state),
        on_submit=lambda _: ctx.run_task(actions.claim, ctx, state),
        submit_label=t("Receive the points"), submit_identifier="points-claim",
        busy=flow.busy)
    if state.claims:
        controls.append(ft.Container(section_heading(ctx, t("Codes scanned on this device")),
                                     key="claims-heading"))
        controls += [_claim(ctx, c) for c in state.claims]
    return controls


def _claim(ctx: ViewContext, claim: ClaimItem) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    lines: list[ft.Control] = [
        ft.Text(format_datetime_short(claim.scanned_at, ctx.locale), size=m.body_size,
                color=p.on_surface),
        ft.Text(t(CLAIM_STATES[claim.state]), size=m.body_size, weight=ft.FontWeight.BOLD,
                color=p.primary if claim.state == "granted" else p.on_surface),
    ]
    if claim.state == "refused":
        problem = problem_for_code(claim.error_code, message=claim.error_message)
        lines.append(ft.Text(problem_text(ctx, problem), size=m.body_size * 0.95,
                             color=p.on_surface))
    card = line_card(ctx, lines)
    card.key = f"claim-{claim.claim_id}"
    return card
