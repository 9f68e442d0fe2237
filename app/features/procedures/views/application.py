"""One application: its status and 受付番号, what the city said (差戻し with the fields to fix,
却下 with the reason, a refusal), its history, the fee (points with the PIN, or at the
counter), the 書かない窓口 QR code, and withdrawing it."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft
from babel.numbers import format_decimal

from app.design.widgets import big_button, destructive_button
from app.features.points import api as points_api
from app.features.points.api import FeePayment
from app.features.procedures.forms.definition import text_in
from app.features.procedures.records import STATUS_LABELS, Submission
from app.features.procedures.routes import handoff_route, procedure_route
from app.features.procedures.state import ProceduresState
from app.features.procedures.views.common import card, heading, message, plain, status_badge
from app.i18n.formatting import format_datetime_short, format_yen
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext


def application_screen(ctx: ViewContext, state: ProceduresState, submission_id: str,
                       fees: FeePayment | None) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    submission = state.submission(submission_id)
    if submission is None:
        if state.load_state.value in ("idle", "loading"):
            return [ft.Row([ft.ProgressRing(), plain(ctx, t("Loading…"))], key="loading")]
        return [message(ctx, t("This application is not on this device."),
                        "unknown-application", alert=True)]
    entry = state.entry(submission.procedure_id)
    title = entry.title_in(t.lang) if entry is not None else submission.procedure_id
    controls: list[ft.Control] = [
        heading(ctx, title, "application-title"),
        status_badge(ctx, submission.status, key="application-status")]
    if state.message_on(ctx.state.route):
        controls.append(message(ctx, t(state.message, **state.message_params),
                                "application-done"))
    if submission.number:
        controls.append(ft.Semantics(key="application-number", identifier="application-number",
                                     container=True, content=ft.Text(
            t("Reception number: {number}", number=submission.number),
            size=m.body_size * 1.2, weight=ft.FontWeight.BOLD, color=p.primary)))
    if submission.for_someone_else and submission.subject_name:
        controls.append(plain(ctx, t("For {name}", name=submission.subject_name),
                              "application-subject"))
    if submission.status == "pending":
        controls.append(plain(ctx, t("Waiting to be sent to the city. It is sent with the "
                                     "next sync when this device is online."),
                              "application-waiting"))
    controls += _outcome(ctx, state, submission)
    if submission.status == "counter" and not submission.waiting:
        def show_code(_: object) -> None:
            ctx.navigate(handoff_route(submission.id))

        controls.append(plain(ctx, t("Finish this procedure at the counter: show the QR code "
                                     "to the clerk, nothing to write by hand."),
                              "counter-note"))
        controls.append(big_button(t("Show the QR code for the counter"), "QR_CODE", m, p,
                                   show_code, "application-handoff"))
    controls += _fee(ctx, submission, fees)
    controls += _history(ctx, submission)
    if submission.may_withdraw:
        controls.append(destructive_button(t("Withdraw this application"), m, p,
                                           _withdraw(ctx, state, submission),
                                           "application-withdraw"))
    return controls


def _outcome(ctx: ViewContext, state: ProceduresState,
             submission: Submission) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = []
    entry = state.entry(submission.procedure_id)
    if submission.refusal is not None:
        code, reason = submission.refusal
        controls.append(message(ctx, t("The city did not accept this: {reason}",
                                       reason=reason or code or ""),
                                "application-refused", alert=True))
        for error in submission.field_errors:
            controls.append(plain(ctx, "・" + error.text(t, t.lang), f"refused-{error.field}",
                                  small=True))
        if entry is not None:
            def fix(_: object) -> None:
                if state.reopen_refused(submission) is not None:
                    ctx.navigate(procedure_route(submission.procedure_id))

            controls.append(big_button(t("Correct and send again"), "EDIT", m, p, fix,
                                       "application-fix"))
    if submission.refused_change is not None:
        name, code, reason = submission.refused_change
        what = {"resubmit": t("Your corrected application"),
                "withdraw": t("Your withdrawal")}.get(name, name)
        controls.append(message(ctx, t("{what} was not accepted: {reason}", what=what,
                                       reason=reason or code or ""),
                                "application-change-refused", alert=True))
    if submission.status == "returned":
        controls.append(message(ctx, t("Returned for changes: {reason}",
                                       reason=submission.reason), "application-returned",
                                alert=True))
        labels = _field_labels(state, submission)
        if labels:
            controls.append(plain(ctx, t("Items to correct: {items}", items=", ".join(labels)),
                                  "application-fix-fields", bold=True))
        if submission.may_resubmit and entry is not None:
            def resubmit(_: object) -> None:
                if state.open_resubmission(submission) is not None:
                    ctx.navigate(procedure_route(submission.procedure_id))

            controls.append(big_button(t("Correct and apply again"), "EDIT", m, p, resubmit,
                                       "application-resubmit"))
    if submission.status == "rejected" and submission.reason:
        controls.append(message(ctx, t("Rejected: {reason}", reason=submission.reason),
                                "application-rejected", alert=True))
    if submission.status == "received" and submission.number:
        controls.append(ft.Text(t("The city has received your application."),
                                size=m.body_size, color=p.on_surface, key="application-received"))
    return controls


def _field_labels(state: ProceduresState, submission: Submission) -> list[str]:
    entry = state.entry(submission.procedure_id)
    definition = state.definition(entry) if entry is not None else None
    labels = []
    for name in submission.fix_fields:
        try:
            spec = definition.field(name) if definition is not None else None
        except KeyError:
            spec = None
        labels.append(text_in(spec.label, state.language) if spec is not None else name)
    return labels


def _fee(ctx: ViewContext, submission: Submission,
         fees: FeePayment | None) -> list[ft.Control]:
    if submission.fee_amount <= 0:
        return []
    t = ctx.t
    sid = submission.id
    controls: list[ft.Control] = [heading(ctx, t("Fee"), "application-fee-heading"),
                                  plain(ctx, t("Fee: {amount}", amount=format_yen(
                                      submission.fee_amount, ctx.locale)), "application-fee")]
    receipt = fees.receipts.get(sid) if fees is not None else None
    if submission.fee_paid_at is not None or receipt is not None:
        text = t("Paid.")
        if receipt is not None:
            text = t("Paid with points: {amount} points.",
                     amount=format_decimal(receipt.amount, locale=ctx.locale))
            if receipt.balance_after is not None:
                text += " " + t("Points left: {balance}.", balance=format_decimal(
                    receipt.balance_after, locale=ctx.locale))
        controls.append(message(ctx, text, "application-fee-paid"))
        return controls
    if not submission.fee_due:
        return controls
    if submission.fee_method == "counter" or fees is None:
        controls.append(plain(ctx, t("Please pay the fee at the counter."),
                              "application-fee-counter"))
        if fees is None:
            return controls
    controls += points_api.fee_payment_controls(ctx, fees, sid, submission.fee_amount,
                                                "application")
    return controls


def _history(ctx: ViewContext, submission: Submission) -> list[ft.Control]:
    if not submission.history:
        return []
    t = ctx.t
    rows: list[ft.Control] = []
    for index, event in enumerate(submission.history):
        when = format_datetime_short(event.at, ctx.locale) if event.at is not None else ""
        what = t(STATUS_LABELS.get(event.to_status, event.to_status))
        if event.from_status:
            what = t("{before} → {after}", before=t(STATUS_LABELS.get(event.from_status,
                                                                      event.from_status)),
                     after=what)
        lines: list[ft.Control] = [plain(ctx, f"{when}  {what}", bold=True, small=True)]
        if event.reason:
            lines.append(plain(ctx, t("Reason: {reason}", reason=event.reason), small=True))
        rows.append(ft.Column(lines, key=f"history-{index}", tight=True, spacing=2))
    return [heading(ctx, t("History"), "history-heading"),
            card(ctx, rows, "application-history")]


def _withdraw(ctx: ViewContext, state: ProceduresState,
              submission: Submission) -> Callable[[object], None]:
    t = ctx.t

    async def withdraw() -> None:
        await state.withdraw(submission)
        ctx.refresh()

    def ask(_: object) -> None:
        ctx.confirm(Confirmation(
            title=t("Withdraw this application?"),
            message=t("The city stops handling it. To apply again you fill in a new form."),
            confirm_label=t("Withdraw"), on_confirm=withdraw,
            identifier="application-withdraw"))
    return ask

