"""The points staff screens (地域振興課): shops and totals; a resident's history and
corrections; earn codes, district weights and the expiry run.

Render `PointsStaffState` only: reads are started by the shell (`wiring.prepare_*`), writes
by the handlers below through `ctx.run_task`; a correction and the expiry run are asked
first (`ctx.confirm`). Lists are keyed by their ids (ADR 0021)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from app.account.qr_image import qr_png
from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.points.shop.amounts import format_points
from app.features.points.staff.state import (
    HistoryLine,
    Load,
    Part,
    PointsStaffState,
    Refusal,
    StaffDistrict,
)
from app.features.points.views.notes import note, points_text
from app.i18n.formatting import format_datetime_short, format_day_short, format_kg
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.views.common import line_card, section_heading

REFUSALS = {
    "invalid_name": "Enter the shop's name (up to 100 characters).",
    "invalid_merchant_id": "The merchant id is the 13 digits at the start of the shop's JPQR "
                           "merchant code (統一店舗識別コード).",
    "invalid_category": "Enter the shop's category, for example 飲食 or 和菓子・土産.",
    "invalid_postal_code": "Enter the postal code as 708-0000.",
    "no_shop": "Choose a shop.",
    "invalid_person": "Enter the person's id as shown in the resident register.",
    "no_purpose": "State why you read this history (at least 3 characters). The resident "
                  "sees it in their access log.",
    "no_rule": "Choose the earning rule.",
    "invalid_label": "Enter a label for the code, for example the event or the collection "
                     "point.",
    "invalid_days": "Enter the first and last day as YYYY-MM-DD (at most a year).",
    "invalid_district": "Choose the district.",
    "invalid_period": "Enter the month as YYYY-MM, for example 2026-11.",
    "invalid_kg": "Enter the weight in kg (0 or more).",
    "invalid_transfer": "Enter the transfer's id (from the resident's history).",
    "no_reason": "Enter the reason (at least 3 characters).",
    "offline": "The city's server cannot be reached. Please try again later.",
    "outside_staff_scope": "This screen is for staff of the Regional Promotion Division only.",
    "merchant_id_taken": "A shop with this merchant id is already registered.",
    "unknown_person": "No resident has this id.",
    "not_found": "Nothing was found with this id.",
    "already_corrected": "This transfer was already corrected.",
    "insufficient_points": "The resident no longer has the points this correction takes "
                           "back.",
    "unknown_rule": "No earning rule has this id.",
    "unknown_district": "No district has this id.",
    "cap_reached": "This resident has reached the rule's limit for now.",
    "not_eligible": "This resident cannot receive points by this rule.",
    "rule_not_granted_by_staff": "This rule is earned with a code, not granted by staff.",
    "own_account": "Staff cannot grant points to themselves.",
    "idempotency_key_reused": "This grant was already sent with other details. Please "
                              "send it again.",
}
KIND_LABELS = {"earn": "Earned", "pay": "Paid", "refund": "Refund", "expire": "Expired",
               "correction": "Correction"}


def refusal_text(ctx: ViewContext, refusal: Refusal) -> str:
    known = REFUSALS.get(refusal.code)
    if known is not None:
        return ctx.t(known)
    return ctx.t("The city did not accept this: {reason}", reason=refusal.detail)






def _refusal(ctx: ViewContext, state: PointsStaffState, part: Part) -> list[ft.Control]:
    refusal = state.refusals.get(part)
    if refusal is None:
        return []
    return [note(ctx, refusal_text(ctx, refusal), f"staff-points-{part}-error", True)]


def _field(ctx: ViewContext, state: PointsStaffState, name: str, label: str, *,
           width: float | None = None, number: bool = False) -> ft.TextField:
    m = ctx.metrics
    return controlled_text_field(
        ctx.fields, key=f"staff-points-{name}", revision=state.revision,
        text=state.typed(name), on_text=lambda text: state.set_field(name, text), label=label,
        keyboard_type=ft.KeyboardType.NUMBER if number else ft.KeyboardType.TEXT,
        width=width if width is not None else m.body_size * 16, text_size=m.body_size)


def _submit(ctx: ViewContext, state: PointsStaffState, label: str, icon: str,
            action: Callable[[], Awaitable[object]], fields: dict[str, ft.TextField],
            identifier: str) -> ft.Control:
    def handler(_: object) -> None:
        for name, field in fields.items():
            state.set_field(name, field.value or "")

        async def run() -> None:
            await action()
            ctx.refresh()

        ctx.run_task(run)

    return big_button(label, icon, ctx.metrics, ctx.palette, handler, identifier)


def _loading(ctx: ViewContext, key: str) -> ft.Control:
    return ft.Row([ft.ProgressRing(), ft.Text(ctx.t("Loading…"), size=ctx.metrics.body_size)],
                  key=key)


# --- shops and totals ---------------------------------------------------------------------


def shops_body(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    def reload(_: object) -> None:
        state.reload()
        ctx.refresh()

    controls: list[ft.Control] = [*_totals(ctx, state),
                                  ft.Container(section_heading(ctx, t("Registered shops")),
                                               key="staff-points-shops-h"),
                                  *_refusal(ctx, state, Part.SHOPS)]
    if state.shops_load is Load.LOADING and not state.shops:
        controls.append(_loading(ctx, "staff-points-shops-loading"))
    elif state.shops_load is Load.LOADED and not state.shops:
        controls.append(ft.Text(t("No shops are registered yet."), size=m.body_size,
                                color=p.on_surface, key="staff-points-no-shops"))
    for shop in state.shops:
        controls.append(ft.Container(key=f"staff-shop-{shop.id}", content=line_card(ctx, [
            ft.Text(shop.name, size=m.body_size, weight=ft.FontWeight.BOLD,
                    color=p.on_surface),
            ft.Text(t("Merchant id {merchant_id} · {category} · 〒{postal_code}",
                      merchant_id=shop.merchant_id, category=shop.category,
                      postal_code=shop.postal_code), size=m.body_size * 0.9,
                    color=p.on_surface, selectable=True),
            ft.Text(t("Shop id {id}", id=shop.id), size=m.body_size * 0.8,
                    color=p.on_surface, selectable=True),
        ])))
    controls.append(ft.Row([quiet_button(t("Read again"), m, p, reload,
                                         "staff-points-reload", "REFRESH")],
                           key="staff-points-reload"))
    controls += _register(ctx, state)
    controls += _clerks(ctx, state)
    return controls


def _totals(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("The city's points")), key="staff-points-totals-h"),
        *_refusal(ctx, state, Part.TOTALS)]
    totals = state.totals
    if totals is None:
        if state.totals_load is Load.LOADING:
            controls.append(_loading(ctx, "staff-points-totals-loading"))
        return controls
    rows = [(t("Issued"), totals.issued), (t("Spent"), totals.spent),
            (t("Expired"), totals.expired), (t("Refunded"), totals.refunded),
            (t("Outstanding (held by residents)"), totals.outstanding)]
    lines: list[ft.Control] = [
        ft.Text(f"{label}: {points_text(ctx, value)}", size=m.body_size, color=p.on_surface,
                key=f"total-{i}") for i, (label, value) in enumerate(rows)]
    lines.append(ft.Text(t("{residents} residents with points, {shops} shops",
                           residents=format_points(totals.residents, ctx.locale),
                           shops=format_points(totals.shops, ctx.locale)),
                         size=m.body_size, color=p.on_surface, key="total-counts"))
    controls.append(ft.Semantics(identifier="staff-points-totals", container=True,
                                 key="staff-points-totals", content=line_card(ctx, lines)))
    return controls


def _register(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics
    fields = {
        "shop_name": _field(ctx, state, "shop_name", t("Shop name")),
        "merchant_id": _field(ctx, state, "merchant_id", t("Merchant id (13 digits)"),
                              number=True),
        "category": _field(ctx, state, "category", t("Category")),
        "postal_code": _field(ctx, state, "postal_code", t("Postal code"),
                              width=m.body_size * 10),
    }
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Register a shop")), key="staff-points-register-h"),
        ft.Row(list(fields.values()), wrap=True, spacing=m.body_size,
               key="staff-points-register"),
        ft.Container(_submit(ctx, state, t("Register the shop"), "ADD_BUSINESS",
                             state.register_shop, fields, "staff-points-register-shop"),
                     key="staff-points-register-submit"),
        *_refusal(ctx, state, Part.REGISTER),
    ]
    shop = state.done.get(Part.REGISTER)
    if shop is not None and Part.REGISTER not in state.refusals:
        controls.append(note(ctx, t("{name} is registered.", name=shop.name),
                                 "staff-points-register-done"))
    return controls


def _clerks(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    if not state.shops:
        return []

    def chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.set_field("clerk_shop", e.control.value or "")

    person = _field(ctx, state, "clerk_person", t("Person id of the clerk"))
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Shop clerks")), key="staff-points-clerks-h"),
        ft.Row([
            ft.Dropdown(key="staff-points-clerk-shop", label=t("Shop"),
                        value=state.typed("clerk_shop") or None, on_select=chosen,
                        options=[ft.DropdownOption(key=s.id, text=s.name)
                                 for s in state.shops],
                        text_size=m.body_size, width=m.body_size * 16),
            person,
        ], wrap=True, spacing=m.body_size, key="staff-points-clerk-form"),
        ft.Row([
            _submit(ctx, state, t("Make a clerk"), "PERSON_ADD",
                    lambda: state.set_clerk(True), {"clerk_person": person},
                    "staff-points-clerk-add"),
            quiet_button(t("End the membership"), m, p, _act_clerk_end(ctx, state, person),
                         "staff-points-clerk-end", "PERSON_REMOVE"),
        ], wrap=True, spacing=m.body_size, key="staff-points-clerk-actions"),
        *_refusal(ctx, state, Part.CLERK),
    ]
    done = state.done.get(Part.CLERK)
    if done is not None and Part.CLERK not in state.refusals:
        _shop_id, person_id, made = done
        controls.append(note(ctx, t("{person} is now a clerk.", person=person_id) if made
                                 else t("{person} is no longer a clerk.", person=person_id),
                                 "staff-points-clerk-done"))
    return controls


def _act_clerk_end(ctx: ViewContext, state: PointsStaffState, person: ft.TextField
                   ) -> Callable[[object], None]:
    def handler(_: object) -> None:
        state.set_field("clerk_person", person.value or "")

        async def run() -> None:
            await state.set_clerk(False)
            ctx.refresh()

        ctx.run_task(run)

    return handler


# --- a resident's history and corrections ---------------------------------------------------


def residents_body(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    fields = {
        "history_person": _field(ctx, state, "history_person", t("Person id")),
        "history_purpose": _field(ctx, state, "history_purpose",
                                  t("Purpose of this read"), width=m.body_size * 24),
    }
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("A resident's points history")),
                     key="staff-points-history-h"),
        ft.Text(t("The resident sees this read and its purpose in their access log."),
                size=m.body_size * 0.9, color=p.on_surface, key="staff-points-history-note"),
        ft.Row(list(fields.values()), wrap=True, spacing=m.body_size,
               key="staff-points-history-form"),
        ft.Container(_submit(ctx, state, t("Show the history"), "MANAGE_SEARCH",
                             state.look_up_history, fields, "staff-points-history-show"),
                     key="staff-points-history-submit"),
        *_refusal(ctx, state, Part.HISTORY),
    ]
    if state.history is not None and Part.HISTORY not in state.refusals:
        controls.append(ft.Text(t("{count} transfers of {person}", count=len(state.history),
                                  person=state.history_person),
                                size=m.body_size, weight=ft.FontWeight.BOLD,
                                color=p.on_surface, key="staff-points-history-count"))
        controls += [_history_line(ctx, state, line) for line in state.history]
    controls += _grant(ctx, state)
    controls += _correction(ctx, state)
    return controls


def _grant(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    """Points a rule lets staff grant (a health check done), to a resident by id."""
    t, m = ctx.t, ctx.metrics
    language = "ja" if ctx.locale.startswith("ja") else "en"

    def chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.set_field("grant_rule", e.control.value or "")

    fields = {
        "grant_person": _field(ctx, state, "grant_person", t("Person id")),
        "grant_reason": _field(ctx, state, "grant_reason",
                               t("Reason (for example: health check on 2026-11-20)"),
                               width=m.body_size * 24),
    }
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Grant points by a rule")),
                     key="staff-points-grant-h"),
        ft.Text(t("For what staff confirm themselves, such as a health check done. The "
                  "rule's limits apply; the resident sees the grant in their history."),
                size=m.body_size * 0.9, color=ctx.palette.on_surface,
                key="staff-points-grant-note"),
        ft.Row([
            ft.Dropdown(key="staff-points-grant-rule", label=t("Earning rule"),
                        value=state.typed("grant_rule") or None, on_select=chosen,
                        options=[ft.DropdownOption(
                            key=r.id, text=f"{r.name(language)} ({points_text(ctx, r.amount)})")
                            for r in state.grantable_rules()],
                        text_size=m.body_size, width=m.body_size * 20),
            *fields.values(),
        ], wrap=True, spacing=m.body_size, key="staff-points-grant-form"),
        ft.Container(_submit(ctx, state, t("Grant the points"), "REDEEM", state.grant,
                             fields, "staff-points-grant-save"),
                     key="staff-points-grant-submit"),
        *_refusal(ctx, state, Part.GRANT),
    ]
    done = state.done.get(Part.GRANT)
    if done is not None and Part.GRANT not in state.refusals:
        rule = state.rule_name(done["rule_id"], language)
        text = (t("{person} was granted {points} ({rule}).", person=done["person_id"],
                  points=points_text(ctx, done["amount"]), rule=rule)
                if done["amount"] is not None
                else t("{person} was granted the points of {rule}.",
                       person=done["person_id"], rule=rule))
        controls.append(note(ctx, text, "staff-points-grant-done"))
    return controls


def _history_line(ctx: ViewContext, state: PointsStaffState, line: HistoryLine
                  ) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    when = format_datetime_short(line.created_at, ctx.locale) if line.created_at else ""
    sign = "+" if line.amount > 0 else "−"
    kind = t(KIND_LABELS.get(line.kind, line.kind))

    def pick(_: object) -> None:
        state.set_field("correct_transfer", line.id)
        state.revision += 1
        ctx.refresh()

    texts: list[ft.Control] = [
        ft.Text(f"{when}　{kind}　{sign}{points_text(ctx, abs(line.amount))}", size=m.body_size,
                weight=ft.FontWeight.BOLD, color=p.on_surface),
        ft.Text(" · ".join(x for x in (line.purpose, line.counterparty, line.reference) if x),
                size=m.body_size * 0.9, color=p.on_surface),
        ft.Text(t("Transfer id {id}", id=line.id), size=m.body_size * 0.8,
                color=p.on_surface, selectable=True),
    ]
    if line.kind != "correction":
        texts.append(quiet_button(t("Correct this transfer"), m, p, pick,
                                  f"staff-points-pick-{line.id}", "EDIT"))
    return ft.Container(line_card(ctx, texts), key=f"history-{line.id}")


def _correction(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics
    transfer = _field(ctx, state, "correct_transfer", t("Transfer id"),
                      width=m.body_size * 22)
    reason = _field(ctx, state, "correct_reason", t("Reason for the correction"),
                    width=m.body_size * 24)

    def ask(_: object) -> None:
        state.set_field("correct_transfer", transfer.value or "")
        state.set_field("correct_reason", reason.value or "")
        problem = state.correction_ready()
        if problem is not None:
            state.refuse_correction(problem)
            ctx.refresh()
            return
        ctx.confirm(correction_confirmation(ctx, state))

    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Correct a transfer")),
                     key="staff-points-correct-h"),
        ft.Text(t("A correction is a new transfer that reverses the wrong one; nothing is "
                  "deleted."), size=m.body_size * 0.9, color=ctx.palette.on_surface,
                key="staff-points-correct-note"),
        ft.Row([transfer, reason], wrap=True, spacing=m.body_size,
               key="staff-points-correct-form"),
        ft.Container(destructive_button(t("Correct the transfer"), m, ctx.palette, ask,
                                        "staff-points-correct", "UNDO"),
                     key="staff-points-correct-submit"),
        *_refusal(ctx, state, Part.CORRECTION),
    ]
    if Part.CORRECTION in state.done and Part.CORRECTION not in state.refusals:
        controls.append(note(ctx, t("The correction was recorded."),
                                 "staff-points-correct-done"))
    return controls


def correction_confirmation(ctx: ViewContext, state: PointsStaffState) -> Confirmation:
    t = ctx.t
    transfer_id = state.typed("correct_transfer").strip()

    async def correct() -> None:
        await state.correct()
        ctx.refresh()

    return Confirmation(
        title=t("Correct transfer {id}?", id=transfer_id),
        message=t("A reversing transfer is recorded for the same points. It cannot be "
                  "undone."),
        confirm_label=t("Correct"),
        on_confirm=correct,
        destructive=True,
        identifier="staff-points-correct",
    )


# --- earn codes, district weights, expiry ----------------------------------------------------


def codes_body(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    return [*_earn_code(ctx, state), *_weights(ctx, state), *_expiry(ctx, state)]


def _earn_code(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    language = "ja" if ctx.locale.startswith("ja") else "en"

    def chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.set_field("code_rule", e.control.value or "")

    fields = {
        "code_label": _field(ctx, state, "code_label", t("Label (event or place)"),
                             width=m.body_size * 20),
        "code_from": _field(ctx, state, "code_from", t("First day (YYYY-MM-DD)"),
                            width=m.body_size * 12),
        "code_until": _field(ctx, state, "code_until", t("Last day (YYYY-MM-DD)"),
                             width=m.body_size * 12),
    }
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Earn code for an event or a collection point")),
                     key="staff-points-code-h"),
        ft.Row([
            ft.Dropdown(key="staff-points-code-rule", label=t("Earning rule"),
                        value=state.typed("code_rule") or None, on_select=chosen,
                        options=[ft.DropdownOption(
                            key=r.id, text=f"{r.name(language)} ({points_text(ctx, r.amount)})")
                            for r in state.rules],
                        text_size=m.body_size, width=m.body_size * 20),
            *fields.values(),
        ], wrap=True, spacing=m.body_size, key="staff-points-code-form"),
        ft.Container(_submit(ctx, state, t("Make the code"), "QR_CODE_2",
                             state.make_earn_code, fields, "staff-points-code-make"),
                     key="staff-points-code-submit"),
        *_refusal(ctx, state, Part.CODE),
    ]
    made = state.done.get(Part.CODE)
    if state.code and made is not None and Part.CODE not in state.refusals:
        size = m.body_size * 16
        title = t("{rule}: {label}, {first} to {last}",
                  rule=state.rule_name(made["rule_id"], language), label=made["label"],
                  first=format_day_short(made["from"], ctx.locale),
                  last=format_day_short(made["until"], ctx.locale))
        controls.append(ft.Column([
            ft.Text(title, size=m.body_size, weight=ft.FontWeight.BOLD, color=p.on_surface),
            ft.Semantics(identifier="staff-points-code-qr", image=True, container=True,
                         exclude_semantics=True, label=t("Earn code QR to print: {title}",
                                                         title=title),
                         content=ft.Image(src=qr_png(state.code), width=size, height=size)),
            ft.Text(t("Print this page and put the code where residents scan it."),
                    size=m.body_size * 0.9, color=p.on_surface),
            ft.Text(state.code, size=m.body_size * 0.7, color=p.on_surface, selectable=True),
        ], key="staff-points-code"))
    return controls


def _weights(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics
    language = "ja" if ctx.locale.startswith("ja") else "en"

    def chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.set_field("weight_district", e.control.value or "")

    def option(district: StaffDistrict) -> ft.DropdownOption:
        recorded = (t("recorded {kg} kg", kg=_kg_text(ctx, district.kg))
                    if district.kg is not None else t("nothing recorded"))
        return ft.DropdownOption(key=district.id, text=t(
            "{district} (goal {goal} kg, {recorded})", district=district.label(language),
            goal=_kg_text(ctx, district.goal_kg), recorded=recorded))

    fields = {
        "weight_period": _field(ctx, state, "weight_period",
                                t("Month (YYYY-MM, empty: this month)"),
                                width=m.body_size * 14),
        "weight_kg": _field(ctx, state, "weight_kg", t("Sorted recyclables (kg)"),
                            width=m.body_size * 12, number=True),
    }
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("A district's recyclables")),
                     key="staff-points-weight-h"),
        ft.Text(t("When a district reaches its goal, every household taking part earns its "
                  "points once for the month."), size=m.body_size * 0.9,
                color=ctx.palette.on_surface, key="staff-points-weight-note"),
    ]
    if state.districts_load is Load.LOADING and not state.districts:
        controls.append(_loading(ctx, "staff-points-weight-loading"))
    elif state.districts_period:
        controls.append(ft.Text(t("Recorded for {period}:", period=state.districts_period),
                                size=m.body_size * 0.9, color=ctx.palette.on_surface,
                                key="staff-points-weight-period"))
    controls += [
        ft.Row([
            ft.Dropdown(key="staff-points-weight-district", label=t("District"),
                        value=state.typed("weight_district") or None, on_select=chosen,
                        options=[option(d) for d in state.districts],
                        text_size=m.body_size, width=m.body_size * 24),
            *fields.values(),
        ], wrap=True, spacing=m.body_size, key="staff-points-weight-form"),
        ft.Container(_submit(ctx, state, t("Record the weight"), "SCALE",
                             state.record_weight, fields, "staff-points-weight-save"),
                     key="staff-points-weight-submit"),
        *_refusal(ctx, state, Part.WEIGHT),
    ]
    done = state.done.get(Part.WEIGHT)
    if done is not None and Part.WEIGHT not in state.refusals:
        controls.append(note(ctx, t("Recorded {kg} kg for {district} in {period}.",
                                        kg=_kg_text(ctx, done["kg"]),
                                        district=state.district_name(done["district_id"],
                                                                     language),
                                        period=done["period"]), "staff-points-weight-done"))
    return controls


def _kg_text(ctx: ViewContext, kg: float) -> str:
    return format_kg(kg, ctx.locale)


def _expiry(ctx: ViewContext, state: PointsStaffState) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Expiry of points")), key="staff-points-expiry-h"),
        ft.Text(t("Points expire one year after they were earned. The job runs every day; "
                  "run it now after a correction of the rules or dates."),
                size=m.body_size * 0.9, color=ctx.palette.on_surface,
                key="staff-points-expiry-note"),
        ft.Container(destructive_button(
            t("Run the expiry now"), m, ctx.palette,
            lambda _: ctx.confirm(expiry_confirmation(ctx, state)), "staff-points-expiry",
            "HOURGLASS_BOTTOM"), key="staff-points-expiry-run"),
        *_refusal(ctx, state, Part.EXPIRY),
    ]
    done = state.done.get(Part.EXPIRY)
    if done is not None and Part.EXPIRY not in state.refusals:
        expired = done.get("expired") if isinstance(done, dict) else None
        text = (t("Expired {amount}.", amount=points_text(ctx, expired))
                if isinstance(expired, int) else t("The expiry job ran."))
        controls.append(note(ctx, text, "staff-points-expiry-done"))
    return controls


def expiry_confirmation(ctx: ViewContext, state: PointsStaffState) -> Confirmation:
    t = ctx.t

    async def run() -> None:
        await state.run_expiry()
        ctx.refresh()

    return Confirmation(
        title=t("Run the expiry now?"),
        message=t("Points whose expiry date has passed are taken from the residents' "
                  "balances."),
        confirm_label=t("Run the expiry"),
        on_confirm=run,
        destructive=True,
        identifier="staff-points-expiry",
    )
