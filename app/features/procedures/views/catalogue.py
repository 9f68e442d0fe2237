"""The tile's main screen: search, life-event chips, the catalogue (household fit first),
the resident's drafts and their applications."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.procedures.catalogue import LIFE_EVENTS, Entry, fits
from app.features.procedures.records import Draft, Submission
from app.features.procedures.routes import procedure_route, submission_route
from app.features.procedures.state import Load, ProceduresState
from app.features.procedures.views.common import (
    badge,
    card,
    heading,
    message,
    plain,
    status_badge,
)
from app.i18n.formatting import format_datetime_short, format_yen
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field

COMPLETION_LABELS = {"online": "Online", "counter": "At the counter", "link": "Another screen"}


def catalogue_screen(ctx: ViewContext, state: ProceduresState) -> list[ft.Control]:
    t = ctx.t
    controls: list[ft.Control] = []
    if state.message_on(ctx.state.route):
        controls.append(message(ctx, t(state.message, **state.message_params), "procedures-done"))
    if state.load_state is Load.FAILED:
        controls.append(message(ctx, t("The procedures stored on this device cannot be read. "
                                       "Please try again later."), "procedures-failed",
                                alert=True))
        return controls
    if state.load_state in (Load.IDLE, Load.LOADING) and not state.entries:
        controls.append(ft.Row([ft.ProgressRing(), plain(ctx, t("Loading…"))], key="loading"))
        return controls
    controls += _applications(ctx, state)
    controls += _drafts(ctx, state)
    controls.append(heading(ctx, t("Find a procedure"), "catalogue-heading"))
    if not state.entries:
        controls.append(plain(ctx, t("The city's procedures will appear here once this device "
                                     "has been online."), "never-online", bold=True))
        return controls
    if state.synced_at is not None:
        controls.append(plain(ctx, t("Updated {time}", time=format_datetime_short(
            state.synced_at, ctx.locale)), "updated", small=True))
    controls.append(_search_field(ctx, state))
    controls.append(_life_event_chips(ctx, state))
    results = state.results()
    if not results:
        controls.append(plain(ctx, t("No procedure matches. Try other words or another life "
                                     "event."), "no-results"))
    controls += [_entry_card(ctx, state, entry) for entry in results]
    return controls


def _search_field(ctx: ViewContext, state: ProceduresState) -> ft.Control:
    m = ctx.metrics

    def typed(text: str) -> None:
        state.set_query(text)
        ctx.refresh()

    return controlled_text_field(
        ctx.fields, key="procedures-search", text=state.query, revision=state.query_revision,
        on_text=typed, label=ctx.t("Search procedures (any spelling)"),
        prefix_icon=ft.Icons.SEARCH, text_size=m.body_size, width=m.body_size * 28)


def _life_event_chips(ctx: ViewContext, state: ProceduresState) -> ft.Control:
    m, p, t = ctx.metrics, ctx.palette, ctx.t
    chips: list[ft.Control] = []
    for event, label in LIFE_EVENTS.items():
        if not any(event in e.life_events for e in state.entries):
            continue

        def choose(_: object, event: str = event) -> None:
            state.choose_life_event(event)
            ctx.refresh()

        chips.append(ft.Semantics(
            key=f"event-{event}", identifier=f"life-event-{event}", button=True,
            selected=state.life_event == event, container=True,
            content=ft.Chip(label=ft.Text(t(label), size=m.body_size, color=p.on_surface),
                            selected=state.life_event == event, on_select=choose,
                            selected_color=p.background, check_color=p.primary)))
    return ft.Column([plain(ctx, t("Life events"), small=True, bold=True),
                      ft.Row(chips, wrap=True, spacing=m.body_size * 0.4,
                             run_spacing=m.body_size * 0.4)],
                     key="life-events", tight=True)


def _entry_card(ctx: ViewContext, state: ProceduresState, entry: Entry) -> ft.Control:
    t, lang = ctx.t, ctx.t.lang
    badges: list[ft.Control] = []
    if fits(entry, state.household):
        badges.append(badge(ctx, t("Suits you"), strong=True))
    badges.append(badge(ctx, t(COMPLETION_LABELS[entry.completion])))
    if entry.demo:
        badges.append(badge(ctx, t("Demo")))
    lines: list[ft.Control] = [
        ft.Text(entry.title_in(lang), size=ctx.metrics.body_size * 1.1,
                weight=ft.FontWeight.BOLD, color=ctx.palette.primary),
        ft.Row(badges, wrap=True, spacing=ctx.metrics.body_size * 0.3)]
    summary = entry.summary_in(lang)
    if summary:
        lines.append(plain(ctx, summary, small=True))
    if entry.fee is not None:
        lines.append(plain(ctx, t("Fee: {amount}", amount=format_yen(entry.fee.amount_yen,
                                                                      ctx.locale)), small=True))
    route = entry.link_route if entry.completion == "link" and entry.link_route \
        else procedure_route(entry.id)

    def open_(_: object) -> None:
        ctx.navigate(route)

    return ft.Semantics(
        key=f"procedure-{entry.id}", identifier=f"procedure-{entry.id}", button=True,
        label=entry.title_in(lang), container=True, on_tap=open_,
        content=card(ctx, lines, f"procedure-card-{entry.id}", on_click=open_))


def _drafts(ctx: ViewContext, state: ProceduresState) -> list[ft.Control]:
    if not state.drafts:
        return []
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [heading(ctx, t("Drafts"), "drafts-heading")]
    for draft in state.drafts:
        entry = state.entry(draft.procedure_id)
        title = entry.title_in(t.lang) if entry is not None else draft.procedure_id
        lines: list[ft.Control] = [ft.Text(title, size=m.body_size, weight=ft.FontWeight.BOLD,
                                           color=p.on_surface)]
        if draft.updated_at is not None:
            lines.append(plain(ctx, t("Saved {time}", time=format_datetime_short(
                draft.updated_at, ctx.locale)), small=True))
        if draft.waiting:
            lines.append(plain(ctx, t("Not sent yet"), small=True))
        buttons: list[ft.Control] = []
        if entry is not None:
            buttons.append(big_button(t("Continue"), "EDIT", m, p,
                                      _resume(ctx, state, entry, draft),
                                      f"draft-resume-{draft.id}"))
        buttons.append(destructive_button(t("Delete"), m, p, _discard(ctx, state, draft),
                                          f"draft-delete-{draft.id}"))
        lines.append(ft.Row(buttons, wrap=True, spacing=m.body_size * 0.5))
        controls.append(card(ctx, lines, f"draft-{draft.id}"))
    return controls


def _resume(ctx: ViewContext, state: ProceduresState, entry: Entry,
            draft: Draft) -> Callable[[object], None]:
    def resume(_: object) -> None:
        state.open_form(entry, draft=draft)
        ctx.navigate(procedure_route(entry.id))
    return resume


def _discard(ctx: ViewContext, state: ProceduresState,
             draft: Draft) -> Callable[[object], None]:
    t = ctx.t

    async def discard() -> None:
        await state.discard_draft(draft)
        ctx.refresh()

    def ask(_: object) -> None:
        ctx.confirm(Confirmation(
            title=t("Delete this draft?"),
            message=t("What you entered in this draft is deleted on all your devices."),
            confirm_label=t("Delete"), on_confirm=discard, identifier="draft-delete"))
    return ask


def _applications(ctx: ViewContext, state: ProceduresState) -> list[ft.Control]:
    if not state.submissions:
        return []
    t = ctx.t
    controls: list[ft.Control] = [heading(ctx, t("My applications"), "applications-heading")]
    controls += [application_card(ctx, state, s) for s in state.submissions]
    return controls


def application_card(ctx: ViewContext, state: ProceduresState,
                     submission: Submission) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    entry = state.entry(submission.procedure_id)
    title = entry.title_in(t.lang) if entry is not None else submission.procedure_id
    lines: list[ft.Control] = [
        ft.Text(title, size=m.body_size, weight=ft.FontWeight.BOLD, color=p.on_surface),
        ft.Row([status_badge(ctx, submission.status)], wrap=True)]
    if submission.number:
        lines.append(plain(ctx, t("Reception number: {number}", number=submission.number)))
    if submission.for_someone_else and submission.subject_name:
        lines.append(plain(ctx, t("For {name}", name=submission.subject_name), small=True))
    if submission.refusal is not None:
        lines.append(message(ctx, t("The city did not accept this: {reason}",
                                    reason=submission.refusal[1] or submission.refusal[0]
                                    or ""), f"refused-{submission.id}", alert=True))
    if submission.status == "returned":
        lines.append(message(ctx, t("Returned for changes: {reason}", reason=submission.reason),
                             f"returned-{submission.id}", alert=True))

    def open_(_: object) -> None:
        ctx.navigate(submission_route(submission.id))

    lines.append(quiet_button(t("Details"), m, p, open_, f"application-{submission.id}"))
    return card(ctx, lines, f"application-card-{submission.id}")
