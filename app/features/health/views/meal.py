"""The meal under review (render only): the photo with its numbered regions (tap the photo
to add food the finder missed), each region's dish choices with the resident's own dishes
first, "search" and "not food", the edits (merge, split, delete), the portion slider in
grams labelled an estimate, dishes added by search or from recent meals, and 「記録する」."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import flet as ft

from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.health.meal.draft import NOT_FOOD, SLIDER_MAX_GRAMS, Choice, MealDraft, source_of
from app.features.health.photo.overlay import overlay_jpeg
from app.features.health.records import MEALS
from app.features.health.state import HealthState
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.view_actions import act, now
from app.shell.views.blocks import card, heading, message, plain

MEAL_NAMES = {"breakfast": "Breakfast", "lunch": "Lunch", "dinner": "Dinner",
              "snack": "Snack"}
PHOTO_WIDTH = 360


def _semantic_button(ctx: ViewContext, control: ft.Control, identifier: str) -> ft.Control:
    return ft.Semantics(identifier=identifier, container=True, content=control)


def meal_body(ctx: ViewContext, state: HealthState, draft: MealDraft,
              on_save: Callable[[], Any]) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    language = ctx.state.settings.language
    out: list[ft.Control] = [heading(ctx, t("Check your meal"), "health-meal-heading")]
    if state.error:
        out.append(message(ctx, t(state.error), "health-meal-error", alert=True))
    out.append(_meal_kind(ctx, state))
    if draft.has_photo:
        out.append(_photo(ctx, state, draft))
        out.append(plain(ctx, t("Numbers on the photo match the dishes below. Tap the photo "
                                "where food was missed to add it."), small=True))
        for number, region in enumerate(draft.regions, 1):
            out.append(_region_card(ctx, state, draft, region.id, number, language))
    for extra in draft.extras:
        out.append(_extra_card(ctx, state, draft, extra.key, extra.source, extra.grams,
                               language))
    out.append(_add_dishes(ctx, state, draft, language))
    if draft.has_photo:
        out.append(ft.Semantics(identifier="health-keep-photo", container=True, content=ft.Checkbox(
            label=t("Keep the photo with the record (otherwise it is deleted when you save)"),
            value=draft.keep_photo, key="health-keep-photo",
            on_change=lambda e: _keep(ctx, draft, bool(e.control.value)))))
    out.append(ft.Row([
        big_button(t("Save this meal"), "CHECK", m, p, act(ctx, on_save), "health-save-meal"),
        quiet_button(t("Cancel"), m, p, now(ctx, state.cancel_meal), "health-cancel-meal"),
    ], wrap=True, spacing=m.body_size, key="health-meal-actions"))
    return out


def _keep(ctx: ViewContext, draft: MealDraft, value: bool) -> None:
    draft.keep_photo = value
    ctx.refresh()


def _meal_kind(ctx: ViewContext, state: HealthState) -> ft.Control:
    t, m = ctx.t, ctx.metrics
    chips: list[ft.Control] = []
    for kind in MEALS:
        def pick(_: Any, kind: str = kind) -> None:
            state.meal_kind = kind
            ctx.refresh()
        chips.append(ft.Semantics(identifier=f"health-meal-kind-{kind}", container=True,
                                  content=ft.Chip(label=ft.Text(t(MEAL_NAMES[kind]),
                                                                size=m.body_size),
                                                  selected=state.meal_kind == kind,
                                                  on_select=pick)))
    return ft.Row(chips, wrap=True, spacing=m.body_size * 0.5, key="health-meal-kind")


def _photo(ctx: ViewContext, state: HealthState, draft: MealDraft) -> ft.Control:
    analysis = draft.analysis
    assert analysis is not None
    image = analysis.photo.image
    height, width = image.shape[:2]
    shown_width = min(PHOTO_WIDTH * ctx.metrics.body_size / 16, 560)
    factor = width / shown_width
    jpeg = overlay_jpeg(image, draft.regions, draft.selected)

    def tapped(e: ft.TapEvent[Any]) -> None:
        where = e.local_position
        if where is None:
            return
        state.edit(lambda d: d.add_at(where.x * factor, where.y * factor))
        ctx.refresh()

    return ft.Semantics(
        identifier="health-photo", container=True,
        label=ctx.t("Your meal photo with {count} dishes marked", count=len(draft.regions)),
        content=ft.GestureDetector(
            on_tap_down=tapped, key="health-photo",
            content=ft.Image(src=jpeg, width=shown_width, height=shown_width * height / width,
                             fit=ft.BoxFit.CONTAIN, gapless_playback=True)))


def _region_card(ctx: ViewContext, state: HealthState, draft: MealDraft, region_id: int,
                 number: int, language: str) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    choice = draft.choices.get(region_id, Choice())
    ident = f"health-region-{number}"
    lines: list[ft.Control] = [ft.Row([
        ft.Text(f"{number}", size=m.title_size, weight=ft.FontWeight.BOLD, color=p.primary),
        ft.Text(_choice_text(ctx, draft, choice, language), size=m.body_size,
                weight=ft.FontWeight.BOLD, color=p.on_surface, expand=True),
    ], key=f"{ident}-title")]
    options = []
    for option in draft.options.get(region_id, ()):
        if option.dish_id is None:
            continue
        source = source_of(option.dish_id)
        options.append(_option_chip(ctx, state, region_id, source,
                                    draft.label(source, language), choice.source == source,
                                    f"{ident}-option-{option.dish_id}",
                                    mine=option.kind == "mine"))
    if choice.source and choice.source not in (NOT_FOOD,) and \
            choice.source not in [source_of(o.dish_id) for o in
                                  draft.options.get(region_id, ()) if o.dish_id]:
        options.append(_option_chip(ctx, state, region_id, choice.source,
                                    draft.label(choice.source, language), True,
                                    f"{ident}-option-chosen"))
    options.append(_option_chip(ctx, state, region_id, NOT_FOOD, t("Not food"),
                                choice.source == NOT_FOOD, f"{ident}-not-food"))
    lines.append(ft.Row(options, wrap=True, spacing=m.body_size * 0.4, key=f"{ident}-options"))
    if choice.source and choice.source != NOT_FOOD and choice.grams is not None:
        lines.extend(_grams_controls(ctx, draft, choice.source, choice.grams, ident,
                                     lambda g: state.edit(lambda d: d.set_grams(region_id, g)),
                                     estimated=choice.estimated))
    lines.append(ft.Row([
        quiet_button(t("Search for this dish"), m, p,
                     now(ctx, lambda: state.search_for(region_id)), f"{ident}-search", "SEARCH"),
        quiet_button(t("Merge with next"), m, p,
                     now(ctx, lambda: state.edit(lambda d: d.merge_with_next(region_id))),
                     f"{ident}-merge", "CALL_MERGE"),
        quiet_button(t("Split left and right"), m, p,
                     now(ctx, lambda: state.edit(lambda d: d.split(region_id, "across"))),
                     f"{ident}-split", "CALL_SPLIT"),
        destructive_button(t("Remove this region"), m, p,
                           now(ctx, lambda: state.edit(lambda d: d.delete(region_id))),
                           f"{ident}-remove", "DELETE"),
    ], wrap=True, spacing=m.body_size * 0.5, key=f"{ident}-edits"))
    selected = draft.selected == region_id
    return ft.Container(card(ctx, lines, f"{ident}-card"),
                        border=ft.Border.all(3, p.primary) if selected else None,
                        border_radius=ft.BorderRadius.all(14), key=f"{ident}-frame")


def _choice_text(ctx: ViewContext, draft: MealDraft, choice: Choice, language: str) -> str:
    if choice.source is None:
        return ctx.t("Choose what this is")
    if choice.source == NOT_FOOD:
        return ctx.t("Not food (left out)")
    return draft.label(choice.source, language)


def _option_chip(ctx: ViewContext, state: HealthState, region_id: int, source: str,
                 label: str, selected: bool, identifier: str, *, mine: bool = False
                 ) -> ft.Control:
    m = ctx.metrics

    def pick(_: Any) -> None:
        state.edit(lambda d: d.choose(region_id, source))
        ctx.refresh()

    text = f"★ {label}" if mine else label
    return ft.Semantics(identifier=identifier, container=True, button=True,
                        label=ctx.t("{dish}, one you recorded before", dish=label) if mine
                        else label,
                        content=ft.Chip(label=ft.Text(text, size=m.body_size * 0.95),
                                        selected=selected, on_select=pick,
                                        key=identifier))


def _grams_controls(ctx: ViewContext, draft: MealDraft, source: str, grams: Decimal,
                    ident: str, set_grams: Callable[[Decimal], None], *,
                    estimated: Decimal | None = None) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    serving = draft.serving_grams(source)
    servings = f" ({t('servings: {count}', count=_servings(grams, serving))})" if serving else ""
    label = t("{grams} g", grams=_grams_text(grams)) + servings
    if estimated is not None and grams == estimated:
        label += " " + t("(estimate from the photo)")

    def slid(e: Any) -> None:
        set_grams(Decimal(round(float(e.control.value))))
        ctx.refresh()

    def step(delta: int) -> Callable[[Any], None]:
        def run(_: Any) -> None:
            set_grams(max(Decimal(1), grams + delta))
            ctx.refresh()
        return run

    top = float(max(SLIDER_MAX_GRAMS, grams))
    return [
        ft.Semantics(identifier=f"{ident}-grams", container=True, key=f"{ident}-grams",
                     content=ft.Text(label, size=m.body_size, color=p.on_surface)),
        # CupertinoSlider, not Slider: Material's slider leaves an empty full-window
        # semantics node (its value indicator's overlay) above the page, which takes every
        # tap given by position to the accessibility tree (seen in Chromium, Flet 1.0.5).
        ft.Semantics(identifier=f"{ident}-slider", container=True,
                     label=t("Amount in grams"),
                     content=ft.CupertinoSlider(min=1, max=top, value=float(grams),
                                                divisions=int(top) // 10, on_change_end=slid,
                                                active_color=p.primary,
                                                width=m.body_size * 18,
                                                key=f"{ident}-slider")),
        ft.Row([
            quiet_button(t("−10 g"), m, p, step(-10), f"{ident}-less"),
            quiet_button(t("+10 g"), m, p, step(10), f"{ident}-more"),
        ], spacing=m.body_size * 0.5, key=f"{ident}-steps"),
    ]


def _servings(grams: Decimal, serving: Decimal | None) -> str:
    if not serving:
        return ""
    value = (grams / serving).quantize(Decimal("0.1"))
    return f"{value.normalize():f}"


def _grams_text(grams: Decimal) -> str:
    return f"{grams.normalize():f}"


def _extra_card(ctx: ViewContext, state: HealthState, draft: MealDraft, key: int,
                source: str, grams: Decimal, language: str) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    ident = f"health-extra-{key}"
    lines: list[ft.Control] = [plain(ctx, draft.label(source, language), bold=True)]
    lines.extend(_grams_controls(ctx, draft, source, grams, ident,
                                 lambda g: state.edit(lambda d: d.set_extra_grams(key, g))))
    lines.append(destructive_button(t("Remove"), m, p,
                                    now(ctx, lambda: state.edit(lambda d: d.remove_extra(key))),
                                    f"{ident}-remove", "DELETE"))
    return card(ctx, lines, f"{ident}-card")


def _add_dishes(ctx: ViewContext, state: HealthState, draft: MealDraft,
                language: str) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    target = state.search_target
    target_number = draft.number_of(target) if target in {r.id for r in draft.regions} \
        else None
    field = controlled_text_field(
        ctx.fields, key="health-search", text=state.search_text, revision=state.revision,
        on_text=lambda text: None, label=t("Search foods and dishes (any spelling)"),
        text_size=m.body_size, multiline=False)

    def run_search(_: Any) -> None:
        state.search(field.value or "", language)
        ctx.refresh()

    field.on_submit = run_search
    lines: list[ft.Control] = [
        plain(ctx, t("Add to region {number}", number=target_number) if target_number
              else t("Add a dish"), bold=True, key="health-add-heading"),
        ft.Row([ft.Semantics(identifier="health-search-field", container=True,
                             content=field, key="health-search-field"),
                quiet_button(t("Search"), m, p, run_search, "health-search-go", "SEARCH")],
               wrap=True, key="health-search-row"),
    ]
    hits: list[ft.Control] = []
    for hit in state.hits:
        source = f"recipe:{hit.id}" if hit.kind == "recipe" else f"food:{hit.id}"

        def add(_: Any, source: str = source) -> None:
            if target_number is not None and target is not None:
                state.edit(lambda d: d.choose(target, source))
                state.search_target = None
            else:
                state.edit(lambda d: d.add_extra(source))
            ctx.refresh()

        hits.append(ft.Semantics(identifier=f"health-hit-{hit.id}", container=True, button=True,
                                 label=hit.name,
                                 content=ft.TextButton(content=ft.Text(hit.name, size=m.body_size),
                                                       on_click=add, key=f"health-hit-{hit.id}")))
    if state.search_text and not hits:
        hits.append(plain(ctx, t("Nothing found. Try another spelling."), small=True))
    lines.append(ft.Column(hits, spacing=2, key="health-hits"))
    recent = state.recent_sources()
    if recent:
        lines.append(plain(ctx, t("Recent dishes"), bold=True))
        chips: list[ft.Control] = []
        for source in recent:
            try:
                label = draft.label(source, language)
            except KeyError:
                continue
            chips.append(ft.Semantics(
                identifier=f"health-recent-{source.partition(':')[2]}", container=True,
                content=ft.Chip(label=ft.Text(label, size=m.body_size * 0.95),
                                on_click=_add_recent(ctx, state, source))))
        lines.append(ft.Row(chips, wrap=True, spacing=m.body_size * 0.4, key="health-recent"))
    return card(ctx, lines, "health-add-card")


def _add_recent(ctx: ViewContext, state: HealthState, source: str) -> Callable[[Any], None]:
    def run(_: Any) -> None:
        state.edit(lambda d: d.add_extra(source))
        ctx.refresh()
    return run
