"""The form's fields on screen (render only: no I/O, no repositories, no state of its own).

`form_controls` renders every visible field of every section, `form_section_controls` one
section, `field_control` one field. Each field is one keyed block (`field-<name>`) so a
re-render (a sync landing, a conditional field appearing above) keeps focus and scroll (ADR
0021); inputs are controlled (`app/shell/controlled_inputs.py`) under the key
`form-<procedure id>-<name>`: bump `revision` when the state replaces the data itself (a
draft loaded, the pre-fill merged) so the new values are shown over the client's.

Callbacks: `on_change(name, value)` receives the value already coerced to the schema type
(`FormEngine.coerce`: None for an emptied field, the text as typed when it cannot be
turned); `on_blur(name)` when a text field loses focus (the place for
`FormEngine.validate_field`).

Accessible names: a text field's name is its label, with 「（必須）」 when required
("氏名（必須）"); a pre-filled field says 「マイナンバーカードの情報」 under it and a locked one
is read-only with a lock icon and 「マイナンバーカードの情報（変更できません）」.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import flet as ft

from app.design.widgets import quiet_button
from app.features.procedures.forms.definition import FieldSpec, SectionSpec, text_in
from app.features.procedures.forms.engine import FormEngine, normalize_date
from app.features.procedures.forms.errors import FieldError
from app.shell.context import ViewContext
from app.shell.controlled_inputs import (
    controlled_radio_group,
    controlled_switch,
    controlled_text_field,
)

OnChange = Callable[[str, Any], None]
OnBlur = Callable[[str], None]

TEXT_WIDGETS = frozenset({"text", "textarea", "number", "date", "tel", "email",
                          "postal_code"})
KEYBOARDS = {
    "text": ft.KeyboardType.TEXT, "textarea": ft.KeyboardType.MULTILINE,
    "number": ft.KeyboardType.NUMBER, "date": ft.KeyboardType.DATETIME,
    "tel": ft.KeyboardType.PHONE, "email": ft.KeyboardType.EMAIL,
    "postal_code": ft.KeyboardType.PHONE,
}
HINTS = {"date": "YYYY-MM-DD", "postal_code": "708-8501", "tel": "0868-32-2111"}
LOCKED_NOTE = "From your My Number card (cannot be changed)"
PREFILLED_NOTE = "From your My Number card"


def form_controls(ctx: ViewContext, engine: FormEngine, data: Mapping[str, Any],
                  errors: Mapping[str, FieldError], locked: Collection[str],
                  prefilled: Collection[str], on_change: OnChange, on_blur: OnBlur,
                  *, revision: int = 0) -> list[ft.Control]:
    """Every section of the form, each in a keyed column (`section-<id>`)."""
    visible = {f.name for f in engine.visible_fields(data)}
    return [
        ft.Column(_section(ctx, engine, section, visible, data, errors, locked, prefilled,
                           on_change, on_blur, revision),
                  key=f"section-{section.id}", spacing=ctx.metrics.body_size * 0.8)
        for section in engine.definition.sections
    ]


def form_section_controls(ctx: ViewContext, engine: FormEngine, section: SectionSpec,
                          data: Mapping[str, Any], errors: Mapping[str, FieldError],
                          locked: Collection[str], prefilled: Collection[str],
                          on_change: OnChange, on_blur: OnBlur,
                          *, revision: int = 0) -> list[ft.Control]:
    """One section: its heading, its help and its visible fields."""
    visible = {f.name for f in engine.visible_fields(data)}
    return _section(ctx, engine, section, visible, data, errors, locked, prefilled,
                    on_change, on_blur, revision)


def _section(ctx: ViewContext, engine: FormEngine, section: SectionSpec, visible: set[str],
             data: Mapping[str, Any], errors: Mapping[str, FieldError],
             locked: Collection[str], prefilled: Collection[str], on_change: OnChange,
             on_blur: OnBlur, revision: int) -> list[ft.Control]:
    m, p, lang = ctx.metrics, ctx.palette, ctx.t.lang
    controls: list[ft.Control] = []
    title = text_in(section.title, lang)
    if title:
        controls.append(ft.Semantics(
            key=f"heading-{section.id}", header=True, container=True,
            content=ft.Text(title, size=m.body_size * 1.15, weight=ft.FontWeight.BOLD,
                            color=p.on_surface)))
    help_text = text_in(section.help, lang)
    if help_text:
        controls.append(ft.Text(help_text, size=m.body_size * 0.9, color=p.on_surface,
                                key=f"help-{section.id}"))
    for spec in section.fields:
        if spec.name in visible:
            controls.append(field_control(
                ctx, engine, spec, data.get(spec.name), errors.get(spec.name),
                spec.name in locked, spec.name in prefilled, on_change, on_blur,
                revision=revision))
    return controls


def field_label(ctx: ViewContext, spec: FieldSpec) -> str:
    """The field's label as shown and as its accessible name: 「氏名（必須）」."""
    label = text_in(spec.label, ctx.t.lang)
    return ctx.t("{label} (required)", label=label) if spec.required else label


def field_control(ctx: ViewContext, engine: FormEngine, spec: FieldSpec, value: Any,
                  error: FieldError | None, locked: bool, prefilled: bool,
                  on_change: OnChange, on_blur: OnBlur, *, revision: int = 0) -> ft.Control:
    """One field as a keyed block (`field-<name>`): the input, its help, its error and the
    pre-filled note."""
    m = ctx.metrics
    error_text = error.text(ctx.t, ctx.t.lang) if error is not None else None
    input_key = f"form-{engine.definition.id}-{spec.name}"
    if spec.widget in TEXT_WIDGETS:
        parts = [_text_input(ctx, engine, spec, value, error_text, locked, on_change,
                             on_blur, input_key, revision)]
    else:
        parts = _other_input(ctx, spec, value, error_text, locked, on_change, input_key,
                             revision)
    if prefilled:
        parts.append(_prefilled_note(ctx, spec, locked))
    return ft.Container(
        key=f"field-{spec.name}",
        content=ft.Column(parts, spacing=m.body_size * 0.3, tight=True),
    )


def display_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text_input(ctx: ViewContext, engine: FormEngine, spec: FieldSpec, value: Any,
                error_text: str | None, locked: bool, on_change: OnChange, on_blur: OnBlur,
                input_key: str, revision: int) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    options: dict[str, Any] = {
        "label": field_label(ctx, spec),
        "text_size": m.body_size,
        "keyboard_type": KEYBOARDS[spec.widget],
        "read_only": locked,
        "error": error_text,
        "on_blur": lambda _: on_blur(spec.name),
    }
    help_text = text_in(spec.help, ctx.t.lang)
    if help_text:
        options["helper"] = help_text
        options["helper_max_lines"] = 4
    hint = HINTS.get(spec.widget)
    if hint:
        options["hint_text"] = hint
    if spec.widget == "textarea":
        options.update(multiline=True, min_lines=3, max_lines=8)
    max_length = spec.schema.get("maxLength")
    if isinstance(max_length, int) and not isinstance(max_length, bool) and max_length > 0:
        options["max_length"] = max_length
    if locked:
        options["prefix_icon"] = ft.Icons.LOCK
        options["filled"] = True
        options["fill_color"] = p.background
    if error_text:
        options["error_max_lines"] = 3
        options["error_style"] = ft.TextStyle(size=m.body_size * 0.85, color=p.danger)

    def typed(text: str) -> None:
        on_change(spec.name, engine.coerce(spec, text))

    return controlled_text_field(ctx.fields, key=input_key, text=display_text(value),
                                 on_text=typed, revision=revision, **options)


def _other_input(ctx: ViewContext, spec: FieldSpec, value: Any, error_text: str | None,
                 locked: bool, on_change: OnChange, input_key: str,
                 revision: int) -> list[ft.Control]:
    m, p, lang = ctx.metrics, ctx.palette, ctx.t.lang
    label = field_label(ctx, spec)
    by_key = {display_text(option): option for option, _ in spec.options}

    def chosen(key: str | None) -> None:
        on_change(spec.name, by_key.get(key or "", key or None))

    parts: list[ft.Control] = []
    help_text = text_in(spec.help, lang)
    if spec.widget == "select":
        key = display_text(value)
        shown = ctx.fields.shown(input_key, key, ("select", key))
        dropdown = ft.Dropdown(
            key=input_key,
            label=label,
            value=shown if shown in by_key else None,
            options=[ft.DropdownOption(key=display_text(option), text=text_in(texts, lang))
                     for option, texts in spec.options],
            on_select=lambda e: chosen(e.control.value),
            error_text=error_text,
            helper_text=help_text or None,
            disabled=locked,
            text_size=m.body_size,
            label_style=ft.TextStyle(size=m.body_size),
        )
        ctx.fields.remember(input_key, ("select", key), dropdown)
        return [dropdown]
    if spec.widget == "checkbox":
        parts.append(controlled_switch(ctx.fields, key=input_key, value=value is True,
                                       on_value=lambda on: on_change(spec.name, on),
                                       label=label, metrics=m, disabled=locked))
    else:
        parts.append(ft.Text(label, size=m.body_size, weight=ft.FontWeight.BOLD,
                             color=p.on_surface))
    if help_text:
        parts.append(ft.Text(help_text, size=m.body_size * 0.85, color=p.on_surface,
                             key=f"help-{spec.name}"))
    if spec.widget == "radio":
        key = display_text(value)
        parts.append(controlled_radio_group(
            ctx.fields, key=input_key, value=key, on_value=chosen, disabled=locked,
            content=ft.Column([
                _radio_option(ctx, display_text(option), text_in(texts, lang),
                              display_text(option) == key, group=f"{spec.name}",
                              on_choose=None if locked else chosen)
                for option, texts in spec.options], spacing=0, tight=True)))
    elif spec.widget == "members":
        if locked:
            parts += _members(ctx, spec, value)
        else:
            parts += _member_rows(ctx, spec, value, on_change, input_key, revision)
    if error_text:
        parts.append(error_line(ctx, spec.name, error_text))
    return parts


def _radio_option(ctx: ViewContext, value: str, label: str, chosen: bool, *, group: str,
                  on_choose: Callable[[str], None] | None) -> ft.Control:
    """One option of a radio field whose label wraps: the shell's `radio_option` (a Radio
    with its own label, one line) cut a long option off at the window's edge ("Pension,
    insurance or other procedure" on a phone in English) and widened the page. At least
    the touch target high, the whole row tappable, one accessible radio with the label as
    its name (MergeSemantics, as a labelled Radio does)."""
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(
        key=f"option-{value}", identifier=f"{group}-{value}", selected=chosen,
        container=True,
        content=ft.Container(
            alignment=ft.Alignment.CENTER_LEFT,
            on_click=(lambda _: on_choose(value)) if on_choose is not None else None,
            border_radius=ft.BorderRadius.all(8),
            content=ft.MergeSemantics(content=ft.Row(
                [ft.Container(ft.Radio(value=value), height=m.min_touch_target,
                              alignment=ft.Alignment.CENTER),
                 ft.Text(label, size=m.body_size, color=p.on_surface, expand=True)],
                spacing=0, vertical_alignment=ft.CrossAxisAlignment.CENTER))))


def _members(ctx: ViewContext, spec: FieldSpec, value: Any) -> list[ft.Control]:
    """A read-only list of the household's people, one card each."""
    m, p, t = ctx.metrics, ctx.palette, ctx.t
    rows = value if isinstance(value, list) else []
    if not rows:
        return [ft.Text(t("No one is listed."), size=m.body_size, color=p.on_surface,
                        key=f"members-{spec.name}-none")]
    cards: list[ft.Control] = []
    for index, row in enumerate(rows):
        row = row if isinstance(row, Mapping) else {}
        name = display_text(row.get("name"))
        born = display_text(row.get("birthdate"))
        cards.append(ft.Container(
            key=f"member-{spec.name}-{index}",
            bgcolor=p.surface, border=ft.Border.all(1, p.outline),
            border_radius=ft.BorderRadius.all(12), padding=ft.Padding.all(m.body_size * 0.6),
            content=ft.Row([
                ft.Icon(ft.Icons.PERSON, color=p.primary, size=m.icon_size),
                ft.Column([
                    ft.Text(name, size=m.body_size, weight=ft.FontWeight.BOLD,
                            color=p.on_surface),
                    ft.Text(t("Born {date}", date=born), size=m.body_size * 0.9,
                            color=p.on_surface),
                ], spacing=2, tight=True, expand=True),
            ]),
        ))
    return [ft.Column(cards, spacing=m.body_size * 0.4, tight=True,
                      key=f"members-{spec.name}")]


def _member_rows(ctx: ViewContext, spec: FieldSpec, value: Any, on_change: OnChange,
                 input_key: str, revision: int) -> list[ft.Control]:
    """An editable list of people (name and date of birth each), with add and remove."""
    m, p, t = ctx.metrics, ctx.palette, ctx.t
    rows = [dict(row) if isinstance(row, Mapping) else {}
            for row in (value if isinstance(value, list) else [])]
    # Adding or removing a row renumbers the inputs: their texts then come from the state.
    row_revision = hash((revision, len(rows)))

    def set_cell(index: int, column: str, cell: str | None) -> None:
        changed = [dict(row) for row in rows]
        if cell:
            changed[index][column] = cell
        else:
            changed[index].pop(column, None)
        on_change(spec.name, changed)

    def remove(index: int) -> None:
        on_change(spec.name, [dict(row) for i, row in enumerate(rows) if i != index] or None)

    def name_typed(index: int) -> Callable[[str], None]:
        return lambda text: set_cell(index, "name", text.strip() or None)

    def date_typed(index: int) -> Callable[[str], None]:
        return lambda text: set_cell(index, "birthdate", normalize_date(text) or None)

    def remove_tapped(index: int) -> Callable[[Any], None]:
        return lambda _: remove(index)

    cards: list[ft.Control] = []
    for index, row in enumerate(rows):
        number = index + 1
        name = controlled_text_field(
            ctx.fields, key=f"{input_key}-{index}-name", text=display_text(row.get("name")),
            revision=row_revision, label=t("Name"), text_size=m.body_size,
            keyboard_type=ft.KeyboardType.NAME, on_text=name_typed(index))
        born = controlled_text_field(
            ctx.fields, key=f"{input_key}-{index}-birthdate",
            text=display_text(row.get("birthdate")), revision=row_revision,
            label=t("Date of birth"), hint_text=HINTS["date"], text_size=m.body_size,
            keyboard_type=ft.KeyboardType.DATETIME, on_text=date_typed(index))
        cards.append(ft.Container(
            key=f"member-{spec.name}-{index}",
            bgcolor=p.surface, border=ft.Border.all(1, p.outline),
            border_radius=ft.BorderRadius.all(12), padding=ft.Padding.all(m.body_size * 0.6),
            content=ft.Column([
                ft.Text(t("Person {number}", number=number), size=m.body_size,
                        weight=ft.FontWeight.BOLD, color=p.on_surface),
                name, born,
                quiet_button(t("Remove person {number}", number=number), m, p,
                             remove_tapped(index), f"remove-{spec.name}-{index}",
                             "PERSON_REMOVE"),
            ], spacing=m.body_size * 0.4, tight=True),
        ))
    limit = spec.schema.get("maxItems")
    if not isinstance(limit, int) or isinstance(limit, bool) or len(rows) < limit:
        cards.append(ft.Container(
            quiet_button(t("Add a person"), m, p,
                         lambda _: on_change(spec.name, [*rows, {}]),
                         f"add-{spec.name}", "PERSON_ADD"),
            key=f"members-{spec.name}-add"))
    return [ft.Column(cards, spacing=m.body_size * 0.4, tight=True,
                      key=f"members-{spec.name}")]


def error_line(ctx: ViewContext, name: str, message: str) -> ft.Control:
    """A field's error under it, read out when it appears."""
    m, p = ctx.metrics, ctx.palette
    return ft.Semantics(
        key=f"error-{name}", identifier=f"error-{name}", live_region=True, container=True,
        content=ft.Row([
            ft.Icon(ft.Icons.ERROR_OUTLINE, color=p.danger, size=m.icon_size * 0.8),
            ft.Text(message, size=m.body_size * 0.9, color=p.danger, expand=True),
        ], spacing=m.body_size * 0.3))


def _prefilled_note(ctx: ViewContext, spec: FieldSpec, locked: bool) -> ft.Control:
    m, p, t = ctx.metrics, ctx.palette, ctx.t
    return ft.Row(
        [ft.Icon(ft.Icons.LOCK if locked else ft.Icons.VERIFIED_USER, color=p.primary,
                 size=m.icon_size * 0.8),
         ft.Text(t(LOCKED_NOTE if locked else PREFILLED_NOTE), size=m.body_size * 0.85,
                 color=p.on_surface, expand=True)],
        key=f"prefilled-{spec.name}", spacing=m.body_size * 0.3)
