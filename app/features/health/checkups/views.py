"""Render-only Flet controls of the check-ups part of the health tile: the screenings due,
the check-up results form with each value against its two judgement values, and the
基本チェックリスト (docs/health_checkups.md, "Views").

Every function builds controls from what it is given and calls back; nothing here reads files,
the network or the clock. `t` translates an English message id (with `{name}` values). Names
from the data files (screenings, items, questions) are shown in `language` ("ja" or English).
Buttons the tests tap carry `ft.Semantics(identifier=...)`; rows and fields carry `key=`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import partial

import flet as ft

from app.features.health.checkups.checklist import Checklist, ChecklistResult, default_checklist
from app.features.health.checkups.schedule import Due
from app.features.health.checkups.thresholds import (
    ERROR_MESSAGES,
    Evaluation,
    ItemResult,
    Level,
    Thresholds,
    bmi_text,
    default_thresholds,
)
from app.i18n.formatting import format_date_long

__all__ = [
    "LEVEL_LABELS",
    "STATUS_LABELS",
    "checklist_section",
    "checkup_form_section",
    "screenings_section",
]

Translate = Callable[..., str]
BODY = 18.0  # text size; the shell's metrics may replace it later
TOUCH = 56.0  # the least height of anything tapped (a 48 px target and some)

STATUS_LABELS = {
    "due": "Due this year (until 31 March)",
    "done_this_period": "Done",
    "not_yet": "Not yet",
}
LEVEL_LABELS: dict[Level, str] = {
    "normal": "Normal range",
    "guidance": "Guidance value reached",
    "referral": "Referral value reached",
}
LEVEL_COLOURS: dict[Level, str] = {
    "normal": ft.Colors.GREEN_800,
    "guidance": ft.Colors.ORANGE_900,
    "referral": ft.Colors.RED_800,
}


def _locale(t: Translate, language: str) -> str:
    found = getattr(t, "babel_locale", None)
    if isinstance(found, str):
        return found
    return "ja_JP" if language == "ja" else "en_US"


def _text(value: str, key: str | None = None, *, bold: bool = False, size: float = BODY,
          color: str | None = None) -> ft.Text:
    return ft.Text(value, key=key, size=size, color=color,
                   weight=ft.FontWeight.BOLD if bold else None)


def _button(label: str, identifier: str, action: Callable[[], None],
            *, filled: bool = True, selected: bool | None = None) -> ft.Control:
    """A large button (at least TOUCH high) wrapped in Semantics for tests and readers;
    a tap calls `action()`."""

    def on_click(_: object) -> None:
        action()

    style = ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=24, vertical=16),
                           visual_density=ft.VisualDensity.STANDARD)
    content = ft.Text(label, size=BODY)
    button: ft.Control
    if filled:
        button = ft.FilledButton(content=content, on_click=on_click, style=style,
                                 key=identifier, height=TOUCH)
    else:
        button = ft.OutlinedButton(content=content, on_click=on_click, style=style,
                                   key=identifier, height=TOUCH)
    return ft.Semantics(content=button, identifier=identifier, button=True, selected=selected)


def _card(controls: list[ft.Control], key: str) -> ft.Control:
    return ft.Container(
        content=ft.Column(controls, spacing=8), key=key, padding=ft.Padding.all(16),
        border=ft.Border.all(1, ft.Colors.OUTLINE), border_radius=ft.BorderRadius.all(12))


# --- screenings -----------------------------------------------------------------------------

def screenings_section(t: Translate, dues: Sequence[Due], on_book: Callable[[str], None],
                       on_done: Callable[[str], None], *, language: str = "ja"
                       ) -> ft.Control:
    """The resident's checks and screenings in the order `due_screenings` gives: each with
    its status, when it can next be had, a 「予約する」 button when the city takes bookings
    for it (`on_book(resource id)`) and 「受けた」 (`on_done(screening id)`) when due."""
    locale = _locale(t, language)
    rows: list[ft.Control] = [_text(t("Health checks and cancer screenings"),
                                    "screenings-heading", bold=True, size=BODY * 1.3)]
    if not dues:
        rows.append(_text(t("There are no checks or screenings for your age."),
                          "screenings-none"))
    for due in dues:
        item = due.screening
        lines: list[ft.Control] = [
            _text(item.name_in(language), f"screening-name-{item.id}", bold=True),
            _text(t(STATUS_LABELS[due.status]), f"screening-status-{item.id}",
                  color=ft.Colors.RED_800 if due.status == "due" else None)]
        if due.next_from is not None:
            lines.append(_text(t("Next from {date}",
                                 date=format_date_long(due.next_from, locale)),
                               f"screening-next-{item.id}"))
        if due.last_done is not None:
            lines.append(_text(t("Last had: {date}",
                                 date=format_date_long(due.last_done, locale)),
                               f"screening-last-{item.id}", size=BODY * 0.9))
        if item.who_in(language):
            lines.append(_text(item.who_in(language), size=BODY * 0.9))
        if not item.verified:
            lines.append(_text(t("The city has not confirmed these details yet."),
                               size=BODY * 0.9, color=ft.Colors.ORANGE_900))
        buttons: list[ft.Control] = []
        if due.status == "due":
            resource = item.book_resource
            if resource is not None:
                buttons.append(_button(t("Book"), f"screening-book-{item.id}",
                                       partial(on_book, resource)))
            buttons.append(_button(t("I had it"), f"screening-done-{item.id}",
                                   partial(on_done, item.id), filled=False))
        if buttons:
            lines.append(ft.Row(buttons, wrap=True, spacing=12))
        rows.append(_card(lines, f"screening-{item.id}"))
    return ft.Column(rows, spacing=12, key="screenings-section")


# --- check-up results -----------------------------------------------------------------------

def _limit_text(t: Translate, result: ItemResult, limit: Decimal | None, label: str) -> str:
    if limit is None:
        return t("{label}: none", label=t(label))
    unit = result.item.unit
    if result.item.direction == "high":
        return t("{label}: {value} {unit} or more", label=t(label), value=str(limit), unit=unit)
    return t("{label}: {value} {unit} or less", label=t(label), value=str(limit), unit=unit)


def _result_row(t: Translate, result: ItemResult, language: str) -> ft.Control:
    key = result.item.key
    return _card([
        _text(t("{item}: {value} {unit}", item=result.item.name_in(language),
                value=str(result.value), unit=result.item.unit), f"checkup-value-{key}",
              bold=True),
        _text(t(LEVEL_LABELS[result.level]), f"checkup-level-{key}",
              color=LEVEL_COLOURS[result.level], bold=True),
        _text(_limit_text(t, result, result.guidance, "Guidance value"),
              f"checkup-guidance-{key}", size=BODY * 0.9),
        _text(_limit_text(t, result, result.referral, "Referral value"),
              f"checkup-referral-{key}", size=BODY * 0.9),
        *([_text(t(result.next_step), f"checkup-step-{key}")]
          if result.level != "normal" else []),
    ], f"checkup-result-{key}")


def checkup_form_section(t: Translate, evaluation: Evaluation | None,
                         errors: Mapping[str, str],
                         on_save: Callable[[dict[str, str]], None], *,
                         values: Mapping[str, str] | None = None, language: str = "ja",
                         table: Thresholds | None = None) -> ft.Control:
    """The check-up results form (one field per item, its error under it), then, once
    evaluated, each value against its 保健指導判定値 and 受診勧奨判定値 with what to do next.
    「保存」 calls `on_save` with every field's text as typed."""
    table = table or default_thresholds()
    # A dict from the caller is written as the resident types, so a re-render (a sync, the
    # connection coming back) shows what was typed instead of emptying the fields.
    typed: dict[str, str] = values if isinstance(values, dict) else dict(values or {})
    for item in table.items:
        typed[item.key] = str(typed.get(item.key, "") or "")
    fields: list[ft.Control] = []
    for item in table.items:
        code = errors.get(item.key)
        message = (t(ERROR_MESSAGES.get(code, code), low=str(item.low), high=str(item.high))
                   if code else None)

        def changed(e: ft.Event[ft.TextField], key: str = item.key) -> None:
            typed[key] = e.control.value or ""

        fields.append(ft.TextField(
            key=f"checkup-field-{item.key}", value=typed[item.key],
            label=f"{item.name_in(language)} ({item.unit})", error=message,
            keyboard_type=ft.KeyboardType.NUMBER, text_size=BODY, on_change=changed))
    controls: list[ft.Control] = [
        _text(t("Check-up results"), "checkup-heading", bold=True, size=BODY * 1.3),
        _text(t("Enter the values on your check-up sheet. Leave out what you do not have."),
              "checkup-intro"),
        *fields,
        _button(t("Save and check"), "checkup-save", lambda: on_save(dict(typed)))]
    if errors:
        controls.insert(2, _text(t("Please correct the values marked below."),
                                 "checkup-errors", color=ft.Colors.RED_800, bold=True))
    if evaluation is not None:
        controls.append(_text(t(evaluation.next_step), "checkup-next-step", bold=True,
                              color=LEVEL_COLOURS[evaluation.level]))
        controls += [_result_row(t, r, language) for r in evaluation.results]
        controls.append(_text(t("These are the national judgement values of the specific "
                                "health check-up; your doctor's advice comes first."),
                              "checkup-note", size=BODY * 0.9))
    return ft.Column(controls, spacing=12, key="checkup-form-section")


# --- 基本チェックリスト -------------------------------------------------------------------------

def checklist_section(t: Translate, answers: Mapping[int, bool],
                      result: ChecklistResult | None,
                      on_answer: Callable[[int, bool], None], on_submit: Callable[[], None],
                      *, height_cm: str = "", weight_kg: str = "",
                      on_measure: Callable[[str, str], None] | None = None,
                      on_book: Callable[[str], None] | None = None,
                      missing: Sequence[int] = (), language: str = "ja",
                      checklist: Checklist | None = None) -> ft.Control:
    """The 25 questions with はい / いいえ buttons (`on_answer(no, yes)`; the chosen one is
    filled), height and weight for question 12 (`on_measure("height_cm" | "weight_kg",
    text)`), 「結果を見る」 (`on_submit`), and once scored the needs found, their advice and
    the classes to book (`on_book(resource id)`)."""
    checklist = checklist or default_checklist()
    controls: list[ft.Control] = [
        _text(t("Basic checklist"), "checklist-heading", bold=True, size=BODY * 1.3),
        _text(t("Answer yes or no. It takes about five minutes."), "checklist-intro")]
    if missing:
        controls.append(_text(t("Please answer every question: {numbers}",
                                numbers=", ".join(str(n) for n in missing)),
                              "checklist-missing", color=ft.Colors.RED_800, bold=True))
    for question in checklist.questions:
        no = question.no
        label = _text(f"{no}. {question.text_in(language)}", f"checklist-text-{no}")
        if not question.asked:
            def measured(e: ft.Event[ft.TextField]) -> None:
                if on_measure is not None and e.control.key is not None:
                    on_measure(str(e.control.key).removeprefix("checklist-"),
                               e.control.value or "")
            controls.append(_card([
                label,
                ft.Row([
                    ft.TextField(key="checklist-height_cm", value=height_cm,
                                 label=t("Height (cm)"), text_size=BODY, width=180,
                                 keyboard_type=ft.KeyboardType.NUMBER, on_change=measured),
                    ft.TextField(key="checklist-weight_kg", value=weight_kg,
                                 label=t("Weight (kg)"), text_size=BODY, width=180,
                                 keyboard_type=ft.KeyboardType.NUMBER, on_change=measured),
                ], wrap=True, spacing=12)], f"checklist-q{no}"))
            continue
        chosen = answers.get(no)
        controls.append(_card([label, ft.Row([
            _button(t("Yes"), f"checklist-q{no}-yes", partial(on_answer, no, True),
                    filled=chosen is True, selected=chosen is True),
            _button(t("No"), f"checklist-q{no}-no", partial(on_answer, no, False),
                    filled=chosen is False, selected=chosen is False),
        ], spacing=16, wrap=True)], f"checklist-q{no}"))
    controls.append(_button(t("See the result"), "checklist-submit", on_submit))
    if result is not None:
        controls.append(_checklist_result(t, result, on_book, language, checklist))
    return ft.Column(controls, spacing=12, key="checklist-section")


def _checklist_result(t: Translate, result: ChecklistResult,
                      on_book: Callable[[str], None] | None, language: str,
                      checklist: Checklist) -> ft.Control:
    lines: list[ft.Control] = [_text(t("Result"), "checklist-result-heading", bold=True,
                                     size=BODY * 1.2)]
    if not result.any_need:
        lines.append(_text(t("No answers point to a need. Keep active and check again in a "
                             "year."), "checklist-result-none"))
    for rule in result.met:
        lines.append(_text(rule.name_in(language), f"checklist-need-{rule.id}", bold=True))
        lines.append(_text(t(rule.advice), f"checklist-advice-{rule.id}"))
    if result.bmi is not None:
        lines.append(_text(t("BMI: {bmi}", bmi=bmi_text(result.bmi)),
                           "checklist-bmi", size=BODY * 0.9))
    if not checklist.rules_verified:
        lines.append(_text(t("The city has not confirmed these details yet."),
                           size=BODY * 0.9, color=ft.Colors.ORANGE_900))
    if on_book is not None:
        for resource in result.suggested_resources:
            lines.append(_button(t("See the care prevention class and book"),
                                 f"checklist-book-{resource}", partial(on_book, resource)))
    return _card(lines, "checklist-result")
