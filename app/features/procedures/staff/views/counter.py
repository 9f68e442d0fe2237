"""The 書かない窓口 counter screen: read the resident's code (camera, picture, typed), then
per submission the applicant's name and birthdate to check against the identity document,
the filled form, 「申請書をPDFで出力」 and 「受付を完了」. Render `CounterState` only."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.points.api import decode_qr, pick_qr_text
from app.features.procedures.staff.counter_state import (
    COMPLETE,
    IDENTITY,
    PDF,
    CounterItem,
    CounterState,
)
from app.features.procedures.staff.state import IDENTITY_DOCUMENTS
from app.features.procedures.staff.views.common import (
    DOCUMENT_LABELS,
    day_text,
    localized,
    message,
    refusal_text,
    status_text,
    text,
    value_text,
)
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import (
    controlled_radio_group,
    radio_option,
)
from app.shell.view_actions import act, now
from app.shell.views.code_entry import CodeEntryTexts, code_entry
from app.shell.views.common import line_card, section_heading


def counter_body(ctx: ViewContext, state: CounterState) -> list[ft.Control]:
    t = ctx.t
    controls: list[ft.Control] = [
        section_heading(ctx, t("Counter: read the resident's code")),
        *_scan(ctx, state),
    ]
    if state.items:
        controls.append(ft.Container(section_heading(
            ctx, t("At the counter: {name}", name=state.resident_name)), key="resident"))
    controls.extend(_item(ctx, state, item) for item in state.items)
    if state.items:
        m, p = ctx.metrics, ctx.palette
        controls.append(ft.Container(quiet_button(
            t("Next person"), m, p, _next_person(ctx, state), "procedures-counter-next",
            "PERSON_ADD"), key="counter-next"))
    return controls


def _scan(ctx: ViewContext, state: CounterState) -> list[ft.Control]:
    t = ctx.t
    texts = CodeEntryTexts(ids="procedures-counter", key="counter",
                           typed_label=t("Or type the text under the QR (TPH1.…)"),
                           open_label=t("Open this code"))
    controls: list[ft.Control] = [
        text(ctx, t("Ask the resident to show the counter code in the app, then scan it."),
             "counter-help", scale=0.9),
        *code_entry(ctx, state, texts, state.busy == "scan", decode_qr, pick_qr_text),
    ]
    if state.scan_refusal is not None:
        # By the input the clerk used, not at the top of the screen.
        controls.append(message(ctx, refusal_text(ctx, state.scan_refusal), "scan-refusal",
                                warning=True))
    return controls


def _item(ctx: ViewContext, state: CounterState, item: CounterItem) -> ft.Control:
    t, m = ctx.t, ctx.metrics
    row = item.submission.row
    lines: list[ft.Control] = [
        text(ctx, f"{localized(ctx, item.title)}　{t('No. {number}', number=row.number)}",
             bold=True),
        text(ctx, t("Status: {status}", status=status_text(ctx, row.status))),
        text(ctx, t("Check the identity document against:"), scale=0.9),
        text(ctx, t("Name: {name}", name=row.applicant_name), bold=True, scale=1.1),
        text(ctx, t("Birthdate: {day}", day=day_text(ctx, item.submission.applicant_birthdate)
                    or "—"), bold=True, scale=1.1),
    ]
    if row.subject_name and row.subject_name != row.applicant_name:
        lines.append(text(ctx, t("For: {name}", name=row.subject_name)))
    # The steps right under the name and birthdate they check, each outcome by its
    # buttons; the filled form follows for reference.
    lines.extend(_steps(ctx, state, item))
    lines.append(text(ctx, t("The form"), f"counter-form-{item.id}", bold=True, scale=1.05))
    section = ""
    for index, line in enumerate(item.lines):
        title = localized(ctx, line.section)
        if title and title != section:
            section = title
            lines.append(text(ctx, title, f"counter-section-{item.id}-{index}", bold=True))
        lines.append(ft.Container(key=f"counter-field-{item.id}-{index}",
                                  padding=ft.Padding.only(left=m.body_size * line.depth),
                                  content=ft.Column([
                                      text(ctx, localized(ctx, line.label), scale=0.9),
                                      text(ctx, value_text(ctx, line), bold=True)],
                                      spacing=2)))
    return ft.Container(key=f"counter-item-{item.id}", content=line_card(ctx, lines))


def _step_outcome(ctx: ViewContext, item: CounterItem, step: str) -> list[ft.Control]:
    t = ctx.t
    if item.outcome is None or item.outcome[0] != step:
        return []
    key = f"counter-outcome-{item.id}-{step}"
    refusal = item.outcome[1]
    if refusal is not None:
        return [message(ctx, refusal_text(ctx, refusal), key, warning=True)]
    if step == IDENTITY:
        done = (t("Identity confirmed.") if item.identity == "confirmed" else
                t("Identity not confirmed: the code is void. Nothing is printed."))
    elif step == PDF:
        done = t("Saved as {name}.", name=item.pdf_name)
    else:
        done = t("Completed. The resident is notified.")
    return [message(ctx, done, key, warning=item.identity == "not_matching")]


def _steps(ctx: ViewContext, state: CounterState, item: CounterItem) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = []
    busy = state.busy.partition(":")
    waiting = busy[2] == item.id
    if item.identity == "":
        options = ft.Column([
            radio_option(kind, t(DOCUMENT_LABELS[kind]), item.document == kind, m,
                         group=f"document-{item.id}",
                         on_choose=lambda k: _choose(ctx, state, item.id, k))
            for kind in IDENTITY_DOCUMENTS], spacing=0)
        controls.append(text(ctx, t("Identity document"), bold=True))
        controls.append(controlled_radio_group(
            ctx.fields, key=f"document-{item.id}", value=item.document,
            on_value=lambda k: _choose(ctx, state, item.id, k), content=options))
        controls.extend(_step_outcome(ctx, item, IDENTITY))
        controls.append(ft.Row([
            big_button(t("Please wait…") if waiting and busy[0] == IDENTITY else
                       t("Identity confirmed"), "VERIFIED_USER", m, p,
                       act(ctx, lambda: state.check_identity(item.id, True)),
                       f"procedures-identity-ok-{item.id}"),
            destructive_button(t("Cannot confirm"), m, p,
                               act(ctx, lambda: state.check_identity(item.id, False)),
                               f"procedures-identity-no-{item.id}", "GPP_BAD"),
        ], wrap=True, spacing=m.body_size, key=f"identity-{item.id}"))
        return controls
    controls.extend(_step_outcome(ctx, item, IDENTITY) if item.outcome and
                    item.outcome[0] == IDENTITY else [])
    if item.identity != "confirmed":
        return controls
    if not item.completed:
        controls.extend(_step_outcome(ctx, item, PDF))
        controls.append(ft.Container(big_button(
            t("Please wait…") if waiting and busy[0] == PDF else
            t("Print the application form (PDF)"), "PICTURE_AS_PDF", m, p,
            act(ctx, lambda: state.save_pdf(item.id)), f"procedures-pdf-{item.id}"),
            key=f"pdf-{item.id}"))
    controls.extend(_step_outcome(ctx, item, COMPLETE))
    if not item.completed:
        controls.append(ft.Container(big_button(
            t("Please wait…") if waiting and busy[0] == COMPLETE else
            t("Complete the application"), "TASK_ALT", m, p,
            act(ctx, lambda: state.complete(item.id)), f"procedures-complete-{item.id}"),
            key=f"complete-{item.id}"))
    return controls


def _next_person(ctx: ViewContext, state: CounterState) -> Callable[[object], None]:
    """Clears the screen; asked first while a held application is not finished."""
    t = ctx.t
    clear = now(ctx, state.clear)

    def handler(event: object) -> None:
        if all(item.finished for item in state.items):
            clear(event)
            return
        ctx.confirm(Confirmation(
            title=t("Close this resident's applications?"),
            message=t("An application is not completed. It stays waiting for the counter; "
                      "the resident shows a new code next time."),
            confirm_label=t("Next person"), on_confirm=lambda: clear(event),
            destructive=True, identifier="procedures-counter-next"))

    return handler


def _choose(ctx: ViewContext, state: CounterState, submission_id: str, kind: str) -> None:
    state.set_document(submission_id, kind)
    ctx.refresh()
