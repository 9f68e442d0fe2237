"""One procedure: what it is, who may apply, what to bring, the fee, online or at the
counter; then the form (A1's field views) with the person it is for, the attachments, the
fee method, save draft and submit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.design.widgets import big_button, quiet_button
from app.features.procedures.catalogue import Entry, Person
from app.features.procedures.forms.attachments import TYPE_NAMES, format_size
from app.features.procedures.forms.definition import AttachmentRule, text_in
from app.features.procedures.forms.form_views import error_line, form_controls
from app.features.procedures.routes import submission_route
from app.features.procedures.state import FormSession, ProceduresState
from app.features.procedures.views.catalogue import COMPLETION_LABELS
from app.features.procedures.views.common import badge, heading, message, plain
from app.i18n.formatting import format_yen
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_radio_group, radio_option

FEE_METHODS = {"points": "Pay with points", "counter": "Pay at the counter"}
HOUSEHOLD_RULES = {"parent_of_minor": "Parents of a child under 18",
                   "aged_65_plus": "People aged 65 or over (or acting for them)"}


def procedure_screen(ctx: ViewContext, state: ProceduresState,
                     procedure_id: str) -> list[ft.Control]:
    t = ctx.t
    entry = state.entry(procedure_id)
    if entry is None:
        if not state.entries:
            return [ft.Row([ft.ProgressRing(), plain(ctx, t("Loading…"))], key="loading")]
        return [message(ctx, t("This procedure is not offered (any more)."), "unknown-procedure",
                        alert=True)]
    controls = _about(ctx, state, entry)
    if entry.completion == "link":
        route = entry.link_route or "/"

        def open_(_: object) -> None:
            ctx.navigate(route)

        controls.append(big_button(t("Open"), "OPEN_IN_NEW", ctx.metrics, ctx.palette, open_,
                                   f"procedure-link-{entry.id}"))
        return controls
    session = state.session
    if session is None or session.entry.id != entry.id:
        controls.append(message(ctx, t("This form cannot be opened on this device. Please "
                                       "update the app or ask at the city hall."),
                                "form-unavailable", alert=True))
        return controls
    controls += form_screen(ctx, state, session)
    return controls


def _about(ctx: ViewContext, state: ProceduresState, entry: Entry) -> list[ft.Control]:
    t, m, lang = ctx.t, ctx.metrics, ctx.t.lang
    badges = [badge(ctx, t(COMPLETION_LABELS[entry.completion]))]
    if entry.demo:
        badges.append(badge(ctx, t("Demo")))
    controls: list[ft.Control] = [
        heading(ctx, entry.title_in(lang), "procedure-title"),
        ft.Row(badges, wrap=True, spacing=m.body_size * 0.3, key="procedure-badges")]
    if entry.summary_in(lang):
        controls.append(plain(ctx, entry.summary_in(lang), "procedure-summary"))
    who = [t("Residents who logged in with the My Number card") if entry.residency == "card"
           else t("Anyone with an account")]
    if entry.min_age is not None:
        who.append(t("Aged {age} or over", age=str(entry.min_age)))
    if entry.household in HOUSEHOLD_RULES:
        who.append(t(HOUSEHOLD_RULES[entry.household]))
    controls.append(plain(ctx, t("Who may apply: {who}", who=" / ".join(who)), "procedure-who"))
    definition = state.definition(entry)
    rules = list(definition.attachments) if definition is not None else []
    if rules:
        bring = ", ".join(text_in(r.label, lang) for r in rules)
        controls.append(plain(ctx, t("Files to add: {files}", files=bring), "procedure-files"))
    if entry.fee is not None:
        text = t("Fee: {amount}", amount=format_yen(entry.fee.amount_yen, ctx.locale))
        if entry.fee.per_field:
            text += " " + t("(per copy)")
        controls.append(plain(ctx, text, "procedure-fee"))
    if entry.completion == "counter":
        controls.append(plain(ctx, t("Fill in the form here, then show the QR code at the "
                                     "counter: nothing to write by hand."), "procedure-counter"))
    elif entry.completion == "online":
        controls.append(plain(ctx, t("This procedure is completed online."), "procedure-online"))
    return controls


def form_screen(ctx: ViewContext, state: ProceduresState,
                session: FormSession) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = []
    if session.resubmit_of is not None:
        controls.append(heading(ctx, t("Correct and send again"), "form-heading"))
    else:
        controls.append(heading(ctx, t("Application form"), "form-heading"))
    if session.summary:
        controls.append(message(ctx, t(session.summary, **session.summary_params),
                                "form-summary", alert=True))
    if session.errors and session.summary:
        for name, error in session.errors.items():
            controls.append(plain(ctx, "・" + error.text(t, t.lang), f"summary-{name}",
                                  small=True))
    controls += _for_whom(ctx, state, session)
    filled, required = session.progress()
    controls.append(ft.Column([
        plain(ctx, t("{filled} of {required} required items filled", filled=str(filled),
                     required=str(required)), small=True),
        ft.ProgressBar(value=filled / required if required else 1.0, color=p.primary)],
        key="form-progress", tight=True))

    def changed(name: str, value: Any) -> None:
        state.set_value(name, value)
        ctx.refresh()

    def left(name: str) -> None:
        state.check_field(name)
        ctx.refresh()

    controls += form_controls(ctx, session.engine, session.data, session.errors,
                              session.locked, session.prefilled, changed, left,
                              revision=session.revision)
    controls += _attachments(ctx, state, session)
    controls += _fee(ctx, state, session)
    controls.append(ft.Row(_actions(ctx, state, session), wrap=True,
                           spacing=m.body_size * 0.5, key="form-actions"))
    return controls


def _for_whom(ctx: ViewContext, state: ProceduresState,
              session: FormSession) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics
    people = state.for_whom(session.entry)
    if len(people) <= 1 or session.resubmit_of is not None:
        return []
    labels = {"delegator": "{name} (who asked you to act)",
              "minor_child": "{name} (your child)"}

    def key_of(person: Person) -> str:
        return person.person_id or "self"

    by_key = {key_of(person): person for person in people}

    def chosen(key: str) -> None:
        person = by_key.get(key)
        if person is not None:
            state.choose_subject(person)
            ctx.refresh()

    options = [radio_option(key_of(person),
                            t(labels[person.kind], name=person.name)
                            if person.kind in labels else t("Myself"),
                            person == session.subject, m, group="for-whom", on_choose=chosen)
               for person in people]
    return [plain(ctx, t("Who is this application for?"), "for-whom-label", bold=True),
            controlled_radio_group(ctx.fields, key="procedures-for-whom",
                                   value=key_of(session.subject), on_value=chosen,
                                   content=ft.Column(options, spacing=0, tight=True))]


def _attachments(ctx: ViewContext, state: ProceduresState,
                 session: FormSession) -> list[ft.Control]:
    rules = session.definition.attachments
    if not rules:
        return []
    t, m, p, lang = ctx.t, ctx.metrics, ctx.palette, ctx.t.lang
    controls: list[ft.Control] = [heading(ctx, t("Files"), "attachments-heading")]
    offline = ctx.state.connection.offline
    if offline:
        controls.append(plain(ctx, t("Adding files needs the network. You can save the draft "
                                     "now and add them when you are online."),
                              "attachments-offline", small=True))
    for rule in rules:
        label = text_in(rule.label, lang)
        if rule.required:
            label = t("{label} (required)", label=label)
        parts: list[ft.Control] = [plain(ctx, label, bold=True)]
        if text_in(rule.help, lang):
            parts.append(plain(ctx, text_in(rule.help, lang), small=True))
        parts.append(plain(ctx, t("{types}, up to {size}", types=", ".join(
            TYPE_NAMES.get(x, x) for x in rule.types), size=format_size(rule.max_bytes)),
            small=True))
        added = session.attachments.get(rule.id)
        if added is not None:
            def remove(_: object, slot: str = rule.id) -> None:
                state.remove_attachment(slot)
                ctx.refresh()

            parts.append(ft.Row([
                ft.Icon(ft.Icons.ATTACH_FILE, color=p.primary, size=m.icon_size),
                plain(ctx, str(added.get("name") or ""), small=True),
                quiet_button(t("Remove"), m, p, remove, f"attachment-remove-{rule.id}")],
                wrap=True))
        if session.uploading == rule.id:
            parts.append(ft.Row([ft.ProgressRing(), plain(ctx, t("Sending the file…"))]))
        else:
            parts.append(ft.Row([
                quiet_button(t("Choose a file"), m, p, _pick(ctx, state, rule, False),
                             f"attachment-file-{rule.id}", icon_name="UPLOAD_FILE"),
                quiet_button(t("Take or choose a photo"), m, p, _pick(ctx, state, rule, True),
                             f"attachment-photo-{rule.id}", icon_name="PHOTO_CAMERA")],
                wrap=True, spacing=m.body_size * 0.5))
        error = session.errors.get(f"attachment:{rule.id}")
        if error is not None:
            parts.append(error_line(ctx, f"attachment-{rule.id}", error.text(t, lang)))
        controls.append(ft.Column(parts, key=f"attachment-{rule.id}", tight=True,
                                  spacing=m.body_size * 0.3))
    return controls


def _pick(ctx: ViewContext, state: ProceduresState, rule: AttachmentRule,
          photo: bool) -> Callable[[object], None]:
    async def pick() -> None:
        files = await ft.FilePicker().pick_files(
            dialog_title=text_in(rule.label, ctx.t.lang),
            file_type=ft.FilePickerFileType.IMAGE if photo else ft.FilePickerFileType.ANY,
            with_data=True)
        if not files or files[0].bytes is None:
            return
        await state.attach(rule.id, files[0].name, bytes(files[0].bytes),
                           online=not ctx.state.connection.offline)
        ctx.refresh()

    def start(_: object) -> None:
        ctx.run_task(pick)

    return start


def _fee(ctx: ViewContext, state: ProceduresState, session: FormSession) -> list[ft.Control]:
    fee = session.definition.fee
    if fee is None:
        return []
    t, m = ctx.t, ctx.metrics
    controls: list[ft.Control] = [
        heading(ctx, t("Fee"), "fee-heading"),
        plain(ctx, t("Fee: {amount}", amount=format_yen(session.fee_total(), ctx.locale)),
              "fee-total", bold=True)]
    if len(fee.methods) > 1:
        def chosen(method: str) -> None:
            state.choose_fee_method(method)
            ctx.refresh()

        controls.append(controlled_radio_group(
            ctx.fields, key="procedures-fee-method", value=session.fee_method or "",
            on_value=chosen, content=ft.Column([
                radio_option(method, t(FEE_METHODS.get(method, method)),
                             method == session.fee_method, m, group="fee-method",
                             on_choose=chosen) for method in fee.methods],
                spacing=0, tight=True)))
    elif fee.methods:
        controls.append(plain(ctx, t(FEE_METHODS.get(fee.methods[0], fee.methods[0]))))
    if session.fee_method == "points":
        controls.append(plain(ctx, t("You pay with points after the city has received the "
                                     "application."), small=True))
    return controls


def _actions(ctx: ViewContext, state: ProceduresState,
             session: FormSession) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    async def save() -> None:
        await state.save_draft()
        ctx.refresh()

    async def send() -> None:
        sid = await state.submit()
        if sid is not None:
            ctx.navigate(submission_route(sid))
        ctx.refresh()

    actions: list[ft.Control] = []
    if session.resubmit_of is None:
        actions.append(quiet_button(t("Save draft"), m, p, lambda _: ctx.run_task(save),
                                    "form-save-draft", icon_name="SAVE"))
        actions.append(big_button(t("Send application"), "SEND", m, p,
                                  lambda _: ctx.run_task(send), "form-submit"))
    else:
        actions.append(big_button(t("Send the corrected application"), "SEND", m, p,
                                  lambda _: ctx.run_task(send), "form-resubmit"))
    if state.message_on(ctx.state.route):
        actions.append(message(ctx, t(state.message, **state.message_params), "form-done"))
    return actions
