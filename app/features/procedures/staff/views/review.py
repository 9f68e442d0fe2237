"""A department's review screen: the submissions (filters, newest first) and, once one is
opened, its detail in place of the list: every filled field with its label, the
attachments (each downloadable), the history and the status moves. Render `ReviewState`
only; every list row and detail part has a stable key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.procedures.staff.review_state import (
    ACTIONS_AT,
    Outcome,
    ReviewState,
    attachment_at,
)
from app.features.procedures.staff.state import STATUSES, Load, SubmissionRow
from app.features.procedures.staff.views.common import (
    localized,
    message,
    moment_text,
    read_refusal_text,
    refusal_text,
    status_text,
    text,
    value_text,
)
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.view_actions import act, now
from app.shell.views.common import line_card, section_heading

# Move → (button label, icon), English message ids.
MOVE_BUTTONS: dict[str, tuple[str, str]] = {
    "reviewing": ("Start the review", "FACT_CHECK"),
    "completed": ("Complete", "TASK_ALT"),
    "returned": ("Return for changes", "UNDO"),
    "rejected": ("Reject", "BLOCK"),
}


def review_body(ctx: ViewContext, state: ReviewState) -> list[ft.Control]:
    if state.open_id:
        return _detail(ctx, state)
    return _list(ctx, state)


# --- the list -------------------------------------------------------------------------------


def _list(ctx: ViewContext, state: ReviewState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [
        section_heading(ctx, t("Applications to review")),
        text(ctx, t("Opening an application is recorded in the resident's access log."),
             "review-note", scale=0.9),
        *_filters(ctx, state),
    ]
    if state.list_refusal is not None:
        controls.append(message(ctx, read_refusal_text(ctx, state.list_refusal), "list-refusal",
                                warning=True))
    if state.list_load is Load.LOADING and not state.rows:
        controls.append(ft.Row([ft.ProgressRing(), text(ctx, t("Loading…"))],
                               key="list-loading"))
    elif state.list_load is Load.LOADED and not state.rows:
        controls.append(text(ctx, t("No applications match."), "list-none"))
    elif state.rows:
        controls.append(text(ctx, t("{count} applications, newest first",
                                    count=len(state.rows)), "list-count"))
    controls.extend(_row(ctx, state, row) for row in state.rows)
    if state.next_before:
        controls.append(ft.Container(big_button(
            t("Please wait…") if state.busy == "more" else t("Show more"), "EXPAND_MORE", m,
            p, act(ctx, state.load_more), "procedures-more"), key="list-more"))
    controls.append(ft.Container(quiet_button(t("Read again"), m, p,
                                              now(ctx, state.reload), "procedures-reload",
                                              "REFRESH"), key="list-reload"))
    return controls


def _filters(ctx: ViewContext, state: ReviewState) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics
    statuses = [ft.DropdownOption(key="", text=t("Any status"))] + [
        ft.DropdownOption(key=status, text=status_text(ctx, status)) for status in STATUSES]
    procedures = [ft.DropdownOption(key="", text=t("Every procedure"))] + [
        ft.DropdownOption(key=pid, text=localized(ctx, title))
        for pid, title in state.procedure_options()]

    def status_chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.set_status_filter(e.control.value or None)
        ctx.refresh()

    def procedure_chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.set_procedure_filter(e.control.value or None)
        ctx.refresh()

    return [ft.Row([
        ft.Dropdown(key="filter-status", label=t("Status"), options=statuses,
                    value=state.status_filter or "", on_select=status_chosen,
                    text_size=m.body_size, width=m.body_size * 14),
        ft.Dropdown(key="filter-procedure", label=t("Procedure"), options=procedures,
                    value=state.procedure_filter or "", on_select=procedure_chosen,
                    text_size=m.body_size, width=m.body_size * 20),
    ], wrap=True, spacing=m.body_size, key="review-filters")]


def _row(ctx: ViewContext, state: ReviewState, row: SubmissionRow) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    who = row.applicant_name
    if row.subject_name and row.subject_name != row.applicant_name:
        who = t("{applicant} for {subject}", applicant=who, subject=row.subject_name)
    lines: list[ft.Control] = [
        text(ctx, t("No. {number}", number=row.number), bold=True),
        text(ctx, localized(ctx, state.title_of(row))),
        text(ctx, f"{who}　{moment_text(ctx, row.created_at)}"),
        text(ctx, status_text(ctx, row.status), bold=True),
    ]
    outcome = state.outcome_for(row.id, ACTIONS_AT)
    if outcome is not None and outcome.refusal is None:
        lines.append(_outcome(ctx, outcome, f"row-outcome-{row.id}"))
    lines.append(big_button(t("Open No. {number}", number=row.number), "OPEN_IN_NEW", m, p,
                            now(ctx, lambda: state.open(row.id))))
    return ft.Container(key=f"row-{row.id}", content=line_card(ctx, lines))


# --- the detail -----------------------------------------------------------------------------


def _detail(ctx: ViewContext, state: ReviewState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [ft.Container(
        quiet_button(t("Back to the list"), m, p, now(ctx, state.close),
                     "procedures-back-to-list", "ARROW_BACK"), key="detail-back")]
    detail = state.detail
    if detail is None:
        if state.detail_refusal is not None:
            controls.append(message(ctx, read_refusal_text(ctx, state.detail_refusal),
                                    "detail-refusal", warning=True))
        else:
            controls.append(ft.Row([ft.ProgressRing(), text(ctx, t("Loading…"))],
                                   key="detail-loading"))
        return controls
    row = detail.row
    controls.append(ft.Container(section_heading(
        ctx, f"{localized(ctx, state.title_of(row))}　{t('No. {number}', number=row.number)}"),
        key="detail-heading"))
    facts: list[ft.Control] = [
        text(ctx, t("Applicant: {name}", name=row.applicant_name), bold=True),
        text(ctx, t("Submitted: {moment}", moment=moment_text(ctx, row.created_at))),
        text(ctx, t("Status: {status}", status=status_text(ctx, row.status)), bold=True),
    ]
    if row.subject_name and row.subject_name != row.applicant_name:
        facts.insert(1, text(ctx, t("For: {name}", name=row.subject_name)))
    if detail.reason:
        facts.append(text(ctx, t("Reason: {reason}", reason=detail.reason)))
    if detail.fee_amount_yen:
        facts.append(text(ctx, t("Fee: {amount} yen", amount=detail.fee_amount_yen)
                          + ("　" + t("(paid)") if detail.fee_paid else "")))
    controls.append(ft.Container(line_card(ctx, facts), key="detail-facts"))
    controls.extend(_fields(ctx, state))
    controls.extend(_attachments(ctx, state))
    controls.extend(_history(ctx, state))
    controls.extend(_actions(ctx, state))
    return controls


def _fields(ctx: ViewContext, state: ReviewState) -> list[ft.Control]:
    t = ctx.t
    controls: list[ft.Control] = [ft.Container(section_heading(ctx, t("The form")),
                                               key="fields-heading")]
    section = ""
    for index, line in enumerate(state.lines()):
        title = localized(ctx, line.section)
        if title and title != section:
            section = title
            controls.append(text(ctx, title, f"section-{index}", bold=True, scale=1.05))
        controls.append(ft.Container(key=f"field-{index}-{line.field}", content=ft.Column([
            text(ctx, localized(ctx, line.label), scale=0.9),
            text(ctx, value_text(ctx, line), bold=True),
        ], spacing=2)))
    return controls


def _attachments(ctx: ViewContext, state: ReviewState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    detail = state.detail
    if detail is None or not detail.attachments:
        return []
    controls: list[ft.Control] = [ft.Container(section_heading(ctx, t("Attachments")),
                                               key="attachments-heading")]
    for attachment in detail.attachments:
        at = attachment_at(attachment.attachment_id)
        label = localized(ctx, state.attachment_label(attachment.attachment_id))
        lines: list[ft.Control] = [text(ctx, label, bold=True), text(ctx, attachment.name)]
        outcome = state.outcome_for(detail.id, at)
        if outcome is not None:
            lines.append(_outcome(ctx, outcome, f"outcome-{at}"))
        lines.append(big_button(
            t("Please wait…") if state.busy == at else t("Download {name}",
                                                        name=attachment.name),
            "DOWNLOAD", m, p, act(ctx, _download(state, attachment.attachment_id))))
        controls.append(ft.Container(key=f"attachment-{attachment.attachment_id}",
                                     content=line_card(ctx, lines)))
    return controls


def _history(ctx: ViewContext, state: ReviewState) -> list[ft.Control]:
    t = ctx.t
    detail = state.detail
    if detail is None or not detail.history:
        return []
    controls: list[ft.Control] = [ft.Container(section_heading(ctx, t("History")),
                                               key="history-heading")]
    for index, event in enumerate(detail.history):
        moved = (f"{status_text(ctx, event.from_status)} → "
                 if event.from_status else "") + status_text(ctx, event.to_status)
        line = f"{moment_text(ctx, event.at)}　{moved}"
        if event.reason:
            line += "　" + t("Reason: {reason}", reason=event.reason)
        controls.append(text(ctx, line, f"history-{index}", scale=0.95))
    return controls


def _actions(ctx: ViewContext, state: ReviewState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    detail = state.detail
    if detail is None:
        return []
    controls: list[ft.Control] = [ft.Container(section_heading(ctx, t("Decision")),
                                               key="actions-heading")]
    # The outcome right above the buttons the clerk pressed.
    outcome = state.outcome_for(detail.id, ACTIONS_AT)
    if outcome is not None:
        controls.append(_outcome(ctx, outcome, "outcome-actions"))
    moves = state.moves()
    if not moves:
        controls.append(text(ctx, t("Staff cannot change this status."), "actions-none"))
        return controls
    if "returned" in moves or "rejected" in moves:
        reason = controlled_text_field(
            ctx.fields, key="move-reason", text=state.reason_text, revision=state.revision,
            on_text=state.set_reason, multiline=True, min_lines=2, max_lines=6,
            max_length=2000, text_size=m.body_size,
            label=t("Reason (for returning or rejecting; the resident reads it)"))
        controls.append(ft.Semantics(content=reason, identifier="procedures-move-reason",
                                     key="move-reason-field"))
    if "returned" in moves:
        controls.append(text(ctx, t("Fields to fix (for returning):"), "fix-heading"))
        for line in state.lines():
            if line.depth:
                continue
            chosen = line.field in state.fix_fields
            controls.append(ft.Checkbox(
                key=f"fix-{line.field}", label=localized(ctx, line.label), value=chosen,
                label_style=ft.TextStyle(size=m.body_size),
                on_change=lambda e, name=line.field: state.set_fix_field(
                    name, bool(e.control.value))))
    buttons: list[ft.Control] = []
    for move in moves:
        label, icon_name = MOVE_BUTTONS[move]
        shown = t("Please wait…") if state.busy == move else t(label)
        handler = act(ctx, _mover(state, move))
        if move == "rejected":
            handler = _ask_before_rejecting(ctx, state, detail.number, handler)
            buttons.append(destructive_button(shown, m, p, handler, f"procedures-move-{move}",
                                              icon_name))
        else:
            buttons.append(big_button(shown, icon_name, m, p, handler,
                                      f"procedures-move-{move}"))
    controls.append(ft.Row(buttons, wrap=True, spacing=m.body_size, key="move-buttons"))
    return controls


def _ask_before_rejecting(ctx: ViewContext, state: ReviewState, number: str,
                          reject: Callable[[object], None]) -> Callable[[object], None]:
    """A rejection cannot be undone: asked first (without a reason the state says so at
    once, no question)."""
    t = ctx.t

    def handler(event: object) -> None:
        if not state.reason_text.strip():
            reject(event)
            return
        ctx.confirm(Confirmation(
            title=t("Reject application No. {number}?", number=number),
            message=t("The resident is told the reason. A rejection cannot be undone."),
            confirm_label=t("Reject"), on_confirm=lambda: reject(event), destructive=True,
            identifier="procedures-reject"))

    return handler


def _download(state: ReviewState, attachment_id: str) -> Callable[[], Awaitable[bool]]:
    return lambda: state.download_attachment(attachment_id)


def _mover(state: ReviewState, to: str) -> Callable[[], Awaitable[bool]]:
    return lambda: state.move(to)


def _outcome(ctx: ViewContext, outcome: Outcome, key: str) -> ft.Control:
    t = ctx.t
    if outcome.refusal is not None:
        return message(ctx, refusal_text(ctx, outcome.refusal), key, warning=True)
    if outcome.done == "downloaded":
        return message(ctx, t("Saved as {name}.", name=outcome.file_name), key)
    return message(ctx, t("The status is now: {status}. The resident is notified.",
                          status=status_text(ctx, outcome.done)), key)
