"""The check-ups views render what they are given (no page): the screenings with their
buttons, the results form with each value against its two judgement values, the checklist
with big はい / いいえ buttons and its result. Texts are found in the built control tree and
taps are simulated by calling the buttons' handlers."""

from __future__ import annotations

from datetime import date
from typing import Any

import flet as ft

from app.features.health.checkups.checklist import default_checklist, score
from app.features.health.checkups.schedule import due_screenings
from app.features.health.checkups.thresholds import evaluate
from app.features.health.checkups.views import (
    checklist_section,
    checkup_form_section,
    screenings_section,
)
from app.i18n.translator import load_translator

TODAY = date(2026, 12, 5)


def t(message: str, **values: object) -> str:
    """English: the message id itself."""
    return message.format(**values) if values else message


def controls_of(tree: Any) -> list[Any]:
    found: list[Any] = []

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 60 or obj is None:
            return
        if isinstance(obj, list | tuple):
            for item in obj:
                walk(item, depth + 1)
            return
        if not isinstance(obj, ft.BaseControl):
            return
        found.append(obj)
        for attr in ("content", "controls"):
            walk(getattr(obj, attr, None), depth + 1)

    walk(tree)
    return found


def words(tree: Any) -> str:
    return " | ".join(str(v) for c in controls_of(tree) for v in (
        getattr(c, "value", None), getattr(c, "label", None), getattr(c, "error", None))
        if isinstance(v, str))


def by_key(tree: Any, key: str) -> Any:
    for control in controls_of(tree):
        if getattr(control, "key", None) == key:
            return control
    raise AssertionError(f"no control with key {key!r}")


def tap(tree: Any, identifier: str) -> None:
    """Call the handler of the button inside the Semantics node `identifier`."""
    for control in controls_of(tree):
        if isinstance(control, ft.Semantics) and control.identifier == identifier:
            button = control.content
            assert button is not None and getattr(button, "height", 0) >= 48  # touch target
            handler = getattr(button, "on_click", None)
            assert handler is not None
            handler(None)
            return
    raise AssertionError(f"no button {identifier!r}")


def identifiers(tree: Any) -> set[str]:
    return {c.identifier for c in controls_of(tree)
            if isinstance(c, ft.Semantics) and c.identifier}


def test_screenings_show_status_dates_and_book_and_done_buttons() -> None:
    dues = due_screenings(52, "female", {"stomach-cancer": date(2025, 6, 1)}, TODAY)
    booked: list[str] = []
    done: list[str] = []
    tree = screenings_section(t, dues, booked.append, done.append, language="en")
    text = words(tree)
    assert "Breast cancer screening" in text
    assert "Due this year (until 31 March)" in text
    assert "Next from Thursday, April 1, 2027" in text  # stomach: done in fiscal 2025
    assert "Last had: Sunday, June 1, 2025" in text
    ids = identifiers(tree)
    assert "screening-book-tokutei-kenshin" in ids
    assert "screening-book-periodontal" not in ids  # no booking for it
    assert "screening-done-periodontal" not in ids  # 52: not a periodontal age
    assert "screening-book-stomach-cancer" not in ids  # done this period
    tap(tree, "screening-book-breast-cancer")
    tap(tree, "screening-done-lung-cancer")
    assert booked == ["health-check-group"] and done == ["lung-cancer"]
    assert by_key(tree, "screening-status-stomach-cancer").value == "Done"


def test_screenings_in_japanese_use_the_japanese_names_and_dates() -> None:
    ja = load_translator("ja")
    tree = screenings_section(ja, due_screenings(40, "male", {}, TODAY), print, print,
                              language="ja")
    text = words(tree)
    assert "特定健診" in text and "大腸がん検診" in text
    assert "2036年4月1日(火)" in text  # stomach from 50


def test_the_form_shows_errors_at_their_fields() -> None:
    saved: list[dict[str, str]] = []
    tree = checkup_form_section(t, None, {"sbp": "out_of_range", "hdl": "not_a_number"},
                                saved.append, values={"sbp": "400", "hdl": "x"},
                                language="en")
    assert by_key(tree, "checkup-field-sbp").error == "Enter a value from 60 to 300."
    assert by_key(tree, "checkup-field-hdl").error == "Enter a number."
    assert by_key(tree, "checkup-field-dbp").error is None
    assert "Please correct the values marked below." in words(tree)
    # A change typed into a field goes into what is saved.
    field = by_key(tree, "checkup-field-dbp")
    field.value = "80"
    field.on_change(ft.Event("change", field))
    tap(tree, "checkup-save")
    assert saved[0]["sbp"] == "400" and saved[0]["dbp"] == "80" and saved[0]["ldl"] == ""


def test_each_value_is_shown_against_its_two_values_with_what_to_do() -> None:
    evaluation = evaluate({"sbp": "130", "hdl": "34", "ldl": "110", "bmi": "26"}, "male")
    tree = checkup_form_section(t, evaluation, {}, print, language="en")
    assert by_key(tree, "checkup-value-sbp").value == "Systolic blood pressure: 130 mmHg"
    assert by_key(tree, "checkup-level-sbp").value == "Guidance value reached"
    assert by_key(tree, "checkup-guidance-sbp").value == "Guidance value: 130 mmHg or more"
    assert by_key(tree, "checkup-referral-sbp").value == "Referral value: 140 mmHg or more"
    assert by_key(tree, "checkup-step-sbp").value == (
        "We recommend improving your lifestyle (you may be offered specific health "
        "guidance).")
    assert by_key(tree, "checkup-referral-hdl").value == "Referral value: 34 mg/dL or less"
    assert by_key(tree, "checkup-level-hdl").value == "Referral value reached"
    assert by_key(tree, "checkup-referral-bmi").value == "Referral value: none"
    assert by_key(tree, "checkup-level-ldl").value == "Normal range"
    assert by_key(tree, "checkup-next-step").value == "We recommend seeing a doctor."


def test_the_checklist_has_big_yes_no_buttons_and_reports_taps() -> None:
    taps: list[tuple[int, bool]] = []
    submitted: list[bool] = []
    tree = checklist_section(t, {1: True}, None, lambda n, yes: taps.append((n, yes)),
                             lambda: submitted.append(True), language="ja")
    ids = identifiers(tree)
    asked = [q.no for q in default_checklist().asked]
    assert {f"checklist-q{n}-yes" for n in asked} <= ids
    assert "checklist-q12-yes" not in ids  # BMI from height and weight
    assert by_key(tree, "checklist-text-1").value == "1. バスや電車で1人で外出していますか"
    # The chosen answer is the filled one.
    chosen = [c for c in controls_of(tree) if isinstance(c, ft.Semantics)
              and c.identifier in ("checklist-q1-yes", "checklist-q1-no")]
    assert [(c.identifier, isinstance(c.content, ft.FilledButton)) for c in chosen] == [
        ("checklist-q1-yes", True), ("checklist-q1-no", False)]
    tap(tree, "checklist-q9-yes")
    tap(tree, "checklist-q16-no")
    tap(tree, "checklist-submit")
    assert taps == [(9, True), (16, False)] and submitted == [True]


def test_the_checklist_result_lists_needs_advice_and_classes() -> None:
    answers = {q.no: q.scores_on == "no" for q in default_checklist().asked}
    answers.update({6: False, 7: False, 8: False})  # three motor points
    result = score(answers, height_cm="160", weight_kg="55")
    booked: list[str] = []
    tree = checklist_section(t, answers, result, lambda n, y: None, lambda: None,
                             on_book=booked.append, language="en")
    text = words(tree)
    assert "Physical strength" in text
    assert "Your strength and walking may be getting weaker." in text
    assert "BMI: 21.5" in text
    tap(tree, "checklist-book-course-kaigo-yobo")
    assert booked == ["course-kaigo-yobo"]
    none = checklist_section(t, answers, score({**answers, 6: True, 7: True, 8: True},
                                               height_cm="160", weight_kg="55"),
                             lambda n, y: None, lambda: None, language="en")
    assert "No answers point to a need." in words(none)
    assert "checklist-book-course-kaigo-yobo" not in identifiers(none)


def test_the_checklist_says_which_answers_are_missing() -> None:
    tree = checklist_section(t, {}, None, lambda n, y: None, lambda: None,
                             missing=(3, 12), language="en")
    assert by_key(tree, "checklist-missing").value == "Please answer every question: 3, 12"


def test_typed_values_live_in_the_callers_dict_across_renders() -> None:
    """What the resident types is written into the caller's dict, so the next render (a
    sync, the connection coming back) shows it instead of emptying the field."""
    from types import SimpleNamespace

    import flet as ft

    from app.features.health.checkups.views import checkup_form_section

    typed: dict[str, str] = {}

    def fields(control: object) -> list[ft.TextField]:
        found: list[ft.TextField] = []

        def walk(obj: object) -> None:
            if isinstance(obj, ft.TextField):
                found.append(obj)
            for attr in ("content", "controls"):
                child = getattr(obj, attr, None)
                for item in child if isinstance(child, list) else [child]:
                    if item is not None:
                        walk(item)

        walk(control)
        return found

    first = fields(checkup_form_section(lambda m, **k: m, None, {}, lambda v: None,
                                        values=typed))
    sbp = next(f for f in first if f.key == "checkup-field-sbp")
    assert sbp.on_change is not None
    sbp.on_change(SimpleNamespace(control=SimpleNamespace(value="128")))  # type: ignore[arg-type]
    assert typed["sbp"] == "128"
    again = fields(checkup_form_section(lambda m, **k: m, None, {}, lambda v: None,
                                        values=typed))
    assert next(f for f in again if f.key == "checkup-field-sbp").value == "128"
