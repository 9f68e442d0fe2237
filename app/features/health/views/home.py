"""The health tile's screens other than the meal review (render only): the consent gate,
the day (meals, totals against the targets, the week's chart, advice), body entries, and
"My health data" (export, sync, delete all, plate sizes, withdraw consent)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft
from babel.dates import format_date

from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.health.nutrition.food_table import NutrientKey
from app.features.health.records import Record
from app.features.health.state import HealthState
from app.features.health.trends.advice import advise
from app.features.health.trends.series import week
from app.features.health.views.charts import NUTRIENT_NAMES, advice_cards, day_bars, week_chart
from app.features.health.views.meal import MEAL_NAMES
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.view_actions import act, now
from app.shell.views.blocks import card, heading, message, plain


def consent_body(ctx: ViewContext, state: HealthState, language: str) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    subject = state.subject
    out: list[ft.Control] = [heading(ctx, t("Before you start"), "health-consent-heading")]
    if subject.is_child:
        out.append(plain(ctx, t("This is {name}'s record.", name=subject.name), bold=True))
    out += [
        plain(ctx, t("Health data is sensitive personal information. The Health tile does "
                     "nothing until you agree to the text below.")),
        card(ctx, [
            plain(ctx, t("What happens"), bold=True),
            plain(ctx, "• " + t("Meal photos are analysed on this device only, to suggest "
                                "dishes and amounts. You check every dish before it is saved.")),
            plain(ctx, "• " + t("Records (meals, weight, steps, check-up results) are kept on "
                                "this device, encrypted. The photo is deleted once the meal "
                                "is saved, unless you keep it.")),
            plain(ctx, "• " + t("Nothing is sent to the city unless you turn on sync "
                                "separately. City staff never see your records.")),
            plain(ctx, "• " + t("You can export everything (JSON, CSV, FHIR) or delete it "
                                "all at any time, under 'My health data'.")),
            plain(ctx, "• " + t("You can withdraw this consent at any time; analysis stops "
                                "at once.")),
        ], "health-consent-what"),
        card(ctx, [plain(ctx, t("Consent text (version {version})",
                                version=state.text.version), bold=True),
                   ft.Text(state.text.text(language), size=ctx.metrics.body_size,
                           color=p.on_surface, selectable=True, key="health-consent-text")],
             "health-consent-text-card"),
    ]
    if state.error:
        out.append(message(ctx, t(state.error), "health-error", alert=True))
    if state.needs_child_screen:
        out += [
            plain(ctx, t("{name}, please read this yourself. If you agree, press the button "
                         "below; then hand the phone back.", name=subject.name), bold=True),
            big_button(t("I ({name}) have read it and agree", name=subject.name), "CHECK",
                       m, p, now(ctx, state.child_accepts), "health-child-agree"),
        ]
    else:
        out.append(big_button(t("Please wait…") if state.busy else t("I agree"), "CHECK", m,
                              p, act(ctx, lambda: state.grant(language)), "health-agree"))
    out.append(quiet_button(t("Not now"), m, p, lambda _: ctx.navigate("/"),
                            "health-not-now"))
    return out


def _subject_chooser(ctx: ViewContext, state: HealthState) -> list[ft.Control]:
    if not state.children:
        return []
    t, m = ctx.t, ctx.metrics
    chips = [(state.me.common_id, t("Me"))] + [(c.common_id, c.name) for c in state.children]
    row = []
    for common_id, name in chips:
        def pick(_: Any, common_id: str = common_id) -> None:
            state.choose_subject(common_id)
            ctx.refresh()
        row.append(ft.Semantics(identifier=f"health-subject-{common_id}", container=True,
                                content=ft.Chip(label=ft.Text(name, size=m.body_size),
                                                selected=state.subject_id == common_id,
                                                on_select=pick)))
    return [ft.Row([plain(ctx, t("Whose record:")), *row], wrap=True,
                   key="health-subjects")]


def day_body(ctx: ViewContext, state: HealthState, *, on_photo: Callable[[], Any],
             on_camera: Callable[[], Any] | None, language: str) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    out: list[ft.Control] = [*_subject_chooser(ctx, state)]
    if state.message:
        out.append(message(ctx, t(state.message, count=state.sent_count), "health-message"))
    if state.error:
        out.append(message(ctx, t(state.error), "health-error", alert=True))
    if state.analysing:
        out.append(message(ctx, t("Looking at your photo…"), "health-analysing"))
    buttons = [big_button(t("Choose a meal photo"), "PHOTO_LIBRARY", m, p, act(ctx, on_photo),
                          "health-photo-pick")]
    if on_camera is not None:
        buttons.append(quiet_button(t("Take a photo"), m, p, act(ctx, on_camera),
                                    "health-photo-camera", "PHOTO_CAMERA"))
    buttons.append(quiet_button(t("Add without a photo"), m, p,
                                now(ctx, state.start_without_photo), "health-no-photo",
                                "EDIT_NOTE"))
    out.append(ft.Row(buttons, wrap=True, spacing=m.body_size, key="health-add-buttons"))
    out += _again(ctx, state)
    out.append(_day_header(ctx, state, language))
    records = state.day_records()
    meals = [r for r in records if r.kind == "meal"]
    if meals:
        for record in meals:
            out.append(_meal_card(ctx, state, record))
    else:
        out.append(plain(ctx, t("No meals recorded on this day."), key="health-no-meals"))
    out += _totals(ctx, state, language)
    out.append(_body_card(ctx, state, [r for r in records if r.kind == "body"]))
    out.append(ft.Row([
        quiet_button(t("Check-ups and screenings"), m, p,
                     lambda _: ctx.navigate("/health/checkups"), "health-open-checkups",
                     "MEDICAL_SERVICES"),
        quiet_button(t("My health data"), m, p, lambda _: ctx.navigate("/health/data"),
                     "health-open-data", "FOLDER_SHARED"),
    ], wrap=True, spacing=m.body_size, key="health-links"))
    return out


def _again(ctx: ViewContext, state: HealthState) -> list[ft.Control]:
    """Favourite and recent meals: one tap opens the meal with its dishes and grams, to
    check and save."""
    t, m = ctx.t, ctx.metrics
    chips: list[ft.Control] = []
    for kind, meals in (("favourite", state.favourites()), ("recent", state.recent_meals())):
        for index, meal in enumerate(meals):
            items = list(meal.get("items") or ())
            label = "・".join(str(i.get("label") or "") for i in items)
            text = f"★ {label}" if kind == "favourite" else label

            def again(_: Any, items: list[Any] = items) -> None:
                state.start_from_meal(items)
                ctx.refresh()

            chips.append(ft.Semantics(
                identifier=f"health-again-{kind}-{index}", container=True, button=True,
                label=t("Eat again: {meal}", meal=label),
                content=ft.Chip(label=ft.Text(text, size=m.body_size * 0.95),
                                on_click=again)))
    if not chips:
        return []
    return [plain(ctx, t("Eat again (one tap, then check and save)"), bold=True),
            ft.Row(chips, wrap=True, spacing=m.body_size * 0.4, key="health-again")]


def _day_header(ctx: ViewContext, state: HealthState, language: str) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    label = format_date(state.day, "full", locale=ctx.locale)
    if state.day == state.today():
        label = t("Today ({date})", date=label)
    return ft.Row([
        quiet_button(t("Previous day"), m, p, now(ctx, lambda: state.move_day(-1)),
                     "health-day-previous", "CHEVRON_LEFT"),
        ft.Semantics(header=True, container=True, identifier="health-day",
                     content=ft.Text(label, size=m.title_size * 0.9, weight=ft.FontWeight.BOLD,
                                     color=p.on_surface)),
        *([quiet_button(t("Next day"), m, p, now(ctx, lambda: state.move_day(1)),
                        "health-day-next", "CHEVRON_RIGHT")]
          if state.day < state.today() else []),
    ], wrap=True, spacing=m.body_size * 0.5, key="health-day-header")


def _meal_card(ctx: ViewContext, state: HealthState, record: Record) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    data = record.data
    items = ", ".join(f"{i.get('label')} {i.get('grams')} g" for i in data.get("items") or ())
    totals = data.get("totals") or {}
    stored = next((s for s in state.stored if s.data.get("id") == record.id), None)
    if stored is not None and stored.pending:
        status = t("Waiting to be sent")
    elif stored is not None and not stored.synced:
        status = t("On this device only")
    else:
        status = t("Synced")

    def delete() -> None:
        ctx.confirm(Confirmation(
            title=t("Delete this meal?"), message=items, confirm_label=t("Delete"),
            on_confirm=lambda: _delete(ctx, state, record.id)))

    return card(ctx, [
        ft.Row([plain(ctx, f"{t(MEAL_NAMES.get(str(data.get('meal')), 'Meal'))} "
                           f"{record.at.strftime('%H:%M')}", bold=True),
                plain(ctx, status, small=True)], wrap=True, spacing=m.body_size),
        plain(ctx, items),
        plain(ctx, t("{kcal} kcal · protein {protein} g · fat {fat} g · salt {salt} g",
                     kcal=totals.get("energy_kcal", "-"), protein=totals.get("protein_g", "-"),
                     fat=totals.get("fat_g", "-"), salt=totals.get("salt_equiv_g", "-")),
              small=True),
        ft.Row([
            quiet_button(t("Favourite") if state.is_favourite(record) else
                         t("Add to favourites"), m, p,
                         act(ctx, lambda: state.toggle_favourite(record)),
                         f"health-favourite-{record.id}",
                         "STAR" if state.is_favourite(record) else "STAR_BORDER"),
            destructive_button(t("Delete"), m, p, now(ctx, delete),
                               f"health-delete-{record.id}", "DELETE"),
        ], wrap=True, spacing=m.body_size * 0.5),
    ], f"health-meal-{record.id}")


async def _delete(ctx: ViewContext, state: HealthState, record_id: str) -> None:
    await state.delete_record(record_id)
    ctx.refresh()


def _totals(ctx: ViewContext, state: HealthState, language: str) -> list[ft.Control]:
    t = ctx.t
    by_day = state.totals_by_day()
    totals = by_day.get(state.day)
    out: list[ft.Control] = []
    sex, age = state.sex, state.age
    if age is None or sex is None:
        out.append(_sex_question(ctx, state) if sex is None and age is not None else
                   plain(ctx, t("Targets need your age and sex."), small=True))
        return out
    targets = state.targets()
    assert targets is not None
    large = ctx.kiosk
    if totals is not None:
        out.append(heading(ctx, t("This day's totals"), "health-totals-heading"))
        out.append(day_bars(t, totals, targets, large=large,
                            so_far=state.day == state.today()))
    points = week(by_day, state.day)
    out.append(heading(ctx, t("The week"), "health-week-heading"))
    out.append(week_chart(t, points, targets, state.week_nutrient, locale=ctx.locale,
                          large=large))
    out.append(_nutrient_chips(ctx, state))
    advice = advise(points, targets)  # the week already computed for the chart
    out += advice_cards(t, advice, large=large)
    if any(a.notify for a in advice) or state.notify_trends:
        out.append(ft.Semantics(identifier="health-notify-trends", container=True,
                                content=ft.Switch(
            label=t("Tell me by a notification when a trend runs high (once a week at most)"),
            value=state.notify_trends,
            on_change=lambda e: ctx.run_task(_run, ctx, lambda: state.set_notify_trends(
                bool(e.control.value))))))
    return out


def _nutrient_chips(ctx: ViewContext, state: HealthState) -> ft.Control:
    chips: list[ft.Control] = []
    for key in NutrientKey:
        def pick(_: Any, key: NutrientKey = key) -> None:
            state.week_nutrient = key
            ctx.refresh()
        chips.append(ft.Semantics(identifier=f"health-week-{key.value}", container=True,
                                  content=ft.Chip(label=ft.Text(ctx.t(NUTRIENT_NAMES[key])),
                                                  selected=state.week_nutrient == key,
                                                  on_select=pick)))
    return ft.Row(chips, wrap=True, spacing=ctx.metrics.body_size * 0.4,
                  key="health-week-nutrients")


def _sex_question(ctx: ViewContext, state: HealthState) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    return card(ctx, [
        plain(ctx, t("The reference intakes differ for men and women. Which should the "
                     "targets use?")),
        ft.Row([quiet_button(t("Male"), m, p, act(ctx, lambda: state.set_sex("male")),
                             "health-sex-male"),
                quiet_button(t("Female"), m, p, act(ctx, lambda: state.set_sex("female")),
                             "health-sex-female")], spacing=m.body_size),
    ], "health-sex")


def _body_card(ctx: ViewContext, state: HealthState, records: list[Record]) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    weight = controlled_text_field(ctx.fields, key="health-weight", text="",
                                   revision=state.revision, on_text=lambda _t: None,
                                   label=t("Weight (kg)"), text_size=m.body_size,
                                   width=m.body_size * 9, keyboard_type=ft.KeyboardType.NUMBER)
    steps = controlled_text_field(ctx.fields, key="health-steps", text="",
                                  revision=state.revision, on_text=lambda _t: None,
                                  label=t("Steps"), text_size=m.body_size,
                                  width=m.body_size * 9, keyboard_type=ft.KeyboardType.NUMBER)
    lines: list[ft.Control] = [plain(ctx, t("Weight and steps"), bold=True)]
    for record in records:
        data = record.data
        parts = []
        if data.get("weight_kg"):
            parts.append(t("{kg} kg", kg=data["weight_kg"]))
        if data.get("steps") is not None:
            parts.append(t("{steps} steps", steps=data["steps"]))
        lines.append(plain(ctx, " · ".join(parts), key=f"health-body-{record.id}"))
    lines += [
        ft.Row([ft.Semantics(identifier="health-weight", container=True, content=weight),
                ft.Semantics(identifier="health-steps", container=True, content=steps)],
               wrap=True, spacing=m.body_size),
        quiet_button(t("Save weight and steps"), m, p,
                     act(ctx, lambda: state.save_body(weight.value or "", steps.value or "")),
                     "health-save-body", "SAVE"),
        plain(ctx, t("On a phone, steps can come from the phone's health app once it is "
                     "linked; until then, enter them here."), small=True),
    ]
    return card(ctx, lines, "health-body")


def data_body(ctx: ViewContext, state: HealthState, language: str,
              export: Callable[[str], Any]) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    out: list[ft.Control] = [heading(ctx, t("My health data"), "health-data-heading")]
    if state.message:
        out.append(message(ctx, t(state.message, count=state.sent_count), "health-message"))
    if state.error:
        out.append(message(ctx, t(state.error), "health-error", alert=True))
    count = len(state.mine())
    out.append(card(ctx, [
        plain(ctx, t("Export"), bold=True),
        plain(ctx, t("{count} records of this person. Choose a format:", count=count)),
        ft.Row([quiet_button(name, m, p, _export_action(ctx, export, fmt),
                             f"health-export-{fmt}", "DOWNLOAD")
                for fmt, name in (("json", "JSON"), ("csv", "CSV (Excel)"),
                                  ("fhir", "FHIR R4"))],
               wrap=True, spacing=m.body_size * 0.5),
    ], "health-export"))
    out.append(card(ctx, [
        plain(ctx, t("Sync with the city's server"), bold=True),
        plain(ctx, t("Off: records stay on this device only. On: they are also kept on the "
                     "city's server for your other devices (never shown to staff; only "
                     "counts of those who agreed to the analysis consent are used).")),
        plain(ctx, t("With sync off, losing this device loses the records: export them now "
                     "and then to keep a copy."), small=True),
        ft.Semantics(identifier="health-sync", container=True, content=ft.Switch(
            label=t("Sync my health records"), value=state.sync_on,
            on_change=lambda e: ctx.run_task(_sync, ctx, state, bool(e.control.value)))),
    ], "health-sync-card"))
    sizes = state.vessel_sizes
    plate = controlled_text_field(ctx.fields, key="health-plate", text=f"{sizes.plate_cm:g}",
                                  revision=state.revision, on_text=lambda _t: None,
                                  label=t("Plate (cm)"), text_size=m.body_size,
                                  width=m.body_size * 8)
    bowl = controlled_text_field(ctx.fields, key="health-bowl", text=f"{sizes.bowl_cm:g}",
                                 revision=state.revision, on_text=lambda _t: None,
                                 label=t("Bowl (cm)"), text_size=m.body_size,
                                 width=m.body_size * 8)
    out.append(card(ctx, [
        plain(ctx, t("Your plate and bowl"), bold=True),
        plain(ctx, t("Amounts are estimated from the size of your usual dinner plate and rice "
                     "bowl across. Measure them once.")),
        ft.Row([plate, bowl], wrap=True, spacing=m.body_size),
        quiet_button(t("Save sizes"), m, p,
                     act(ctx, lambda: state.set_vessel_sizes(plate.value or "",
                                                             bowl.value or "")),
                     "health-save-sizes", "SAVE"),
    ], "health-sizes"))

    def delete_all() -> None:
        ctx.confirm(Confirmation(
            title=t("Delete all health records?"),
            message=t("Every meal, weight, check-up and kept photo of this device is deleted, "
                   "and the server's copies if sync was on. This cannot be undone."),
            confirm_label=t("Delete all"),
            on_confirm=lambda: _run(ctx, state.delete_all)))

    def revoke() -> None:
        ctx.confirm(Confirmation(
            title=t("Withdraw your consent?"),
            message=t("Analysis stops at once. Your records stay until you delete them."),
            confirm_label=t("Withdraw"),
            on_confirm=lambda: _run(ctx, lambda: state.revoke(language))))

    out.append(card(ctx, [
        plain(ctx, t("Delete and withdraw"), bold=True),
        ft.Row([destructive_button(t("Delete all health records"), m, p, now(ctx, delete_all),
                                   "health-delete-all", "DELETE_FOREVER"),
                destructive_button(t("Withdraw consent"), m, p, now(ctx, revoke),
                                   "health-revoke", "BLOCK")],
               wrap=True, spacing=m.body_size),
    ], "health-delete"))
    return out


async def _sync(ctx: ViewContext, state: HealthState, on: bool) -> None:
    await state.set_sync(on)
    ctx.refresh()


async def _run(ctx: ViewContext, action: Callable[[], Any]) -> None:
    await action()
    ctx.refresh()


def _export_action(ctx: ViewContext, export: Callable[[str], Any],
                   fmt: str) -> Callable[[object], None]:
    async def run() -> None:
        await export(fmt)

    return act(ctx, run)
