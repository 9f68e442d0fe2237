"""The 書かない窓口 screen: the submission's handoff code as a large QR code with its text
under it (for a clerk to type when the camera fails), the time left and clear instructions.
The code is renewed automatically while the screen is open (wiring.py); it needs the network.
"""

from __future__ import annotations

import flet as ft

from app.account.qr_image import qr_png
from app.design.widgets import big_button, quiet_button
from app.features.procedures.routes import submission_route
from app.features.procedures.state import ProceduresState
from app.features.procedures.views.common import heading, message, plain
from app.shell.context import ViewContext


def handoff_screen(ctx: ViewContext, state: ProceduresState,
                   submission_id: str) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    handoff = state.handoff_for(submission_id)
    submission = state.submission(submission_id)
    entry = state.entry(submission.procedure_id) if submission is not None else None
    controls: list[ft.Control] = [heading(ctx, t("QR code for the counter"), "handoff-heading")]
    if entry is not None:
        controls.append(plain(ctx, entry.title_in(t.lang), "handoff-procedure", bold=True))
    controls.append(ft.Semantics(
        key="handoff-instructions", identifier="handoff-instructions", container=True,
        content=ft.Text(t("Please show this QR code to the clerk at the counter."),
                        size=m.title_size, weight=ft.FontWeight.BOLD, color=p.primary)))
    if submission is not None and submission.status != "counter":
        controls.append(message(ctx, t("This application is not waiting at the counter."),
                                "handoff-not-counter", alert=True))
    if handoff.problem:
        controls.append(message(ctx, t(handoff.problem, **handoff.problem_params),
                                "handoff-problem", alert=True))
    code = handoff.code
    if code is not None:
        left = handoff.seconds_left(state.now())
        side = min(m.body_size * 22, 420)
        controls.append(ft.Container(
            key="handoff-qr", alignment=ft.Alignment.CENTER, bgcolor="#FFFFFF",
            padding=ft.Padding.all(m.body_size),
            content=ft.Semantics(
                label=t("QR code for the counter"), identifier="handoff-qr-image",
                image=True, container=True,
                # CONTAIN: Flutter's default (scale down only) drew the PNG at its own
                # 328 px, a small code on a kiosk; NONE keeps the modules' edges sharp.
                content=ft.Image(src=qr_png(code.code), width=side, height=side,
                                 fit=ft.BoxFit.CONTAIN,
                                 filter_quality=ft.FilterQuality.NONE))))
        controls.append(ft.Semantics(
            key="handoff-code", identifier="handoff-code-text", container=True,
            content=ft.Text(code.code, size=m.body_size * 1.1,
                            weight=ft.FontWeight.BOLD, color=p.on_surface)))
        controls.append(ft.Semantics(
            key="handoff-left", identifier="handoff-left", container=True,
            content=ft.Text(t("Valid for {minutes}:{seconds} more. A new code appears "
                              "automatically.", minutes=str(left // 60),
                              seconds=f"{left % 60:02d}"),
                            size=m.body_size, color=p.on_surface)))
    elif handoff.busy or not handoff.problem:
        controls.append(ft.Row([ft.ProgressRing(), plain(ctx, t("Making the QR code…"))],
                               key="handoff-loading"))

    async def renew() -> None:
        await state.renew_handoff(submission_id, online=not ctx.state.connection.offline)
        ctx.refresh()

    controls.append(ft.Row([
        big_button(t("Make a new code"), "REFRESH", m, p, lambda _: ctx.run_task(renew),
                   "handoff-renew"),
        quiet_button(t("Back to the application"), m, p,
                     lambda _: ctx.navigate(submission_route(submission_id)),
                     "handoff-back")], wrap=True, spacing=m.body_size * 0.5))
    return controls
