"""The procedures form's field views (app/features/procedures/forms/form_views.py): every
widget builds in both languages and every text size, and the tree marks what matters:
required labels, locked and pre-filled fields, errors, hidden fields, keys."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest

from app.design.tokens import TextSize
from app.features.procedures.forms.engine import FormEngine
from app.features.procedures.forms.form_views import (
    field_control,
    form_controls,
    form_section_controls,
)
from app.features.procedures.forms.prefill import merge, prefill
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from tests.unit.test_procedure_form_engine import APPLICANT, BAD, VALID, definition
from tests.unit.test_views_build import texts


def ctx_for(language: str = "ja", size: TextSize = TextSize.NORMAL,
            mode: Mode = Mode.RESIDENT) -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), mode, Settings(language=language))
    shell.apply_stored_settings(Settings(language, size, False))
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


def walk(tree: Any) -> list[ft.BaseControl]:
    """Every control in a tree, depth first."""
    found: list[ft.BaseControl] = []

    def visit(obj: Any) -> None:
        if isinstance(obj, list | tuple):
            for item in obj:
                visit(item)
            return
        if not isinstance(obj, ft.BaseControl):
            return
        found.append(obj)
        for attr in ("content", "controls"):
            visit(getattr(obj, attr, None))

    visit(tree)
    return found


def by_key(tree: Any, key: str) -> ft.BaseControl:
    matches = [c for c in walk(tree) if getattr(c, "key", None) == key]
    assert len(matches) == 1, (key, len(matches))
    return matches[0]


def keys(tree: Any) -> set[str]:
    return {str(c.key) for c in walk(tree) if getattr(c, "key", None) is not None}


class Recorder:
    def __init__(self) -> None:
        self.changes: list[tuple[str, Any]] = []
        self.blurs: list[str] = []

    def change(self, name: str, value: Any) -> None:
        self.changes.append((name, value))

    def blur(self, name: str) -> None:
        self.blurs.append(name)


def render(ctx: ViewContext, data: dict[str, Any], *, errors: Any = None,
           locked: frozenset[str] = frozenset(), prefilled: frozenset[str] = frozenset(),
           recorder: Recorder | None = None) -> list[ft.Control]:
    engine = FormEngine(definition(), language=ctx.t.lang)
    recorder = recorder or Recorder()
    return form_controls(ctx, engine, data, errors if errors is not None else {}, locked,
                         prefilled, recorder.change, recorder.blur)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("size", list(TextSize))
@pytest.mark.parametrize("mode", [Mode.RESIDENT, Mode.KIOSK])
def test_every_widget_builds(language: str, size: TextSize, mode: Mode) -> None:
    ctx = ctx_for(language, size, mode)
    data = dict(VALID, relation="guardian", guardian_doc="other", bank="bank")
    engine = FormEngine(definition(), language=language)
    tree = render(ctx, data, errors=engine.validate(BAD))
    shown = keys(tree)
    for spec in engine.definition.fields:  # every field visible for this data is built
        assert f"field-{spec.name}" in shown, spec.name
    widgets = {type(c) for c in walk(tree)}
    assert {ft.TextField, ft.Dropdown, ft.RadioGroup, ft.Switch} <= widgets
    assert texts(tree)


def test_labels_say_required_in_japanese_and_english() -> None:
    for language, name, phone in (("ja", "氏名（必須）", "電話番号"),
                                  ("en", "Name (required)", "Phone")):
        tree = render(ctx_for(language), VALID)
        assert by_key(tree, "form-test-allowance-applicant_name").label == name
        assert by_key(tree, "form-test-allowance-phone").label == phone


def test_hidden_fields_are_not_rendered() -> None:
    shown = keys(render(ctx_for(), VALID))
    assert "field-guardian_reason" not in shown and "field-bank_branch" not in shown
    shown = keys(render(ctx_for(), dict(VALID, relation="guardian")))
    assert "field-guardian_reason" in shown


def test_locked_and_prefilled_fields_are_marked() -> None:
    result = prefill(definition(), APPLICANT)
    tree = render(ctx_for(), merge({}, result), locked=result.locked,
                  prefilled=result.prefilled)
    name = by_key(tree, "form-test-allowance-applicant_name")
    assert isinstance(name, ft.TextField)
    assert name.read_only is True and name.prefix_icon == ft.Icons.LOCK
    assert name.value == "津山 太郎"
    locked_note = "マイナンバーカードの情報（変更できません）"
    assert locked_note in texts(by_key(tree, "field-applicant_name"))
    address = by_key(tree, "form-test-allowance-applicant_address")
    assert isinstance(address, ft.TextField) and not address.read_only
    assert address.prefix_icon is None
    address_texts = texts(by_key(tree, "field-applicant_address"))
    assert "マイナンバーカードの情報" in address_texts
    assert "マイナンバーカードの情報（変更できません）" not in address_texts
    assert "prefilled-postal_code" not in keys(tree)
    children = by_key(tree, "field-children")
    assert {"member-children-0", "member-children-1"} <= keys(children)
    assert "津山 次郎" in texts(children) and "生年月日 2022-03-04" in texts(children)
    locked_icons = [c for c in walk(children) if isinstance(c, ft.Icon)
                    and c.icon == ft.Icons.LOCK]
    assert locked_icons


def test_errors_show_under_their_fields() -> None:
    ctx = ctx_for()
    engine = FormEngine(definition(), language="ja")
    errors = engine.validate(BAD)
    tree = render(ctx, BAD, errors=errors)
    name = by_key(tree, "form-test-allowance-applicant_name")
    assert isinstance(name, ft.TextField)
    assert name.error == "氏名は20文字以内で入力してください。"
    postal = by_key(tree, "form-test-allowance-postal_code")
    assert isinstance(postal, ft.TextField)
    assert postal.error == "郵便番号は 123-4567 の形で入力してください。"
    relation = by_key(tree, "error-relation")
    assert isinstance(relation, ft.Semantics) and relation.live_region
    assert "子との関係は選択肢の中から選んでください。" in texts(relation)
    assert "error-children" in keys(tree) and "error-agree" in keys(tree)
    clean = render(ctx, VALID)
    assert not any(k.startswith("error-") for k in keys(clean))
    assert by_key(clean, "form-test-allowance-applicant_name").error is None


def test_a_text_field_reports_the_coerced_value_and_its_blur() -> None:
    recorder = Recorder()
    tree = render(ctx_for(), VALID, recorder=recorder)
    count = by_key(tree, "form-test-allowance-child_count")
    assert isinstance(count, ft.TextField) and count.keyboard_type == ft.KeyboardType.NUMBER
    count.value = "０１２"
    count.on_change(SimpleNamespace(control=count))  # type: ignore[misc]
    born = by_key(tree, "form-test-allowance-applicant_birthdate")
    born.value = "2026/4/1"  # type: ignore[attr-defined]
    born.on_change(SimpleNamespace(control=born))  # type: ignore[attr-defined]
    born.on_blur(None)  # type: ignore[attr-defined]
    assert recorder.changes == [("child_count", 12), ("applicant_birthdate", "2026-04-01")]
    assert recorder.blurs == ["applicant_birthdate"]


def test_select_radio_and_checkbox_report_their_values() -> None:
    recorder = Recorder()
    tree = render(ctx_for(), dict(VALID, relation="guardian"), recorder=recorder)
    bank = by_key(tree, "form-test-allowance-bank")
    assert isinstance(bank, ft.Dropdown) and bank.value == "yucho"
    assert [o.text for o in bank.options] == ["ゆうちょ銀行", "その他の銀行"]
    bank.value = "bank"
    bank.on_select(SimpleNamespace(control=bank))  # type: ignore[misc]
    relation = by_key(tree, "form-test-allowance-relation")
    assert isinstance(relation, ft.RadioGroup) and relation.value == "guardian"
    options = [c for c in walk(relation) if isinstance(c, ft.Radio)]
    assert [o.value for o in options] == ["parent", "guardian"]
    # Each label is a wrapping text beside its radio (a long option is not cut off).
    labels = [c.value for c in walk(relation) if isinstance(c, ft.Text)]
    assert labels == ["父母", "未成年後見人"]
    relation.value = "parent"
    relation.on_change(SimpleNamespace(control=relation))  # type: ignore[misc]
    agree = by_key(tree, "form-test-allowance-agree")
    assert isinstance(agree, ft.Switch) and agree.value is True
    agree.value = False
    agree.on_change(SimpleNamespace(control=agree))  # type: ignore[misc]
    assert recorder.changes == [("bank", "bank"), ("relation", "parent"), ("agree", False)]


def test_one_section_renders_its_heading_help_and_visible_fields() -> None:
    ctx = ctx_for()
    engine = FormEngine(definition())
    section = engine.definition.sections[0]
    controls = form_section_controls(ctx, engine, section, VALID, {}, frozenset(),
                                     frozenset(), lambda n, v: None, lambda n: None)
    assert "請求者" in texts(controls) and "本人の情報" in texts(controls)
    assert [c.key for c in controls[2:]] == [f"field-{f.name}" for f in section.fields]


def test_a_field_alone_is_keyed_by_its_name() -> None:
    ctx = ctx_for("en")
    engine = FormEngine(definition(), language="en")
    control = field_control(ctx, engine, engine.definition.field("email"), "x@example.jp",
                            None, False, False, lambda n, v: None, lambda n: None)
    assert control.key == "field-email"
    email = by_key(control, "form-test-allowance-email")
    assert isinstance(email, ft.TextField) and email.keyboard_type == ft.KeyboardType.EMAIL
    assert email.label == "Email" and email.value == "x@example.jp"


def test_a_re_render_keeps_what_the_client_typed_until_the_revision_changes() -> None:
    ctx = ctx_for()
    first = render(ctx, VALID)
    field = by_key(first, "form-test-allowance-postal_code")
    field.value = "708-85"  # type: ignore[attr-defined]  # the client's text, not yet in state
    again = render(ctx, VALID)
    assert by_key(again, "form-test-allowance-postal_code").value == "708-85"
    engine = FormEngine(definition())
    loaded = form_controls(ctx, engine, VALID, {}, frozenset(), frozenset(),
                           lambda n, v: None, lambda n: None, revision=1)
    assert by_key(loaded, "form-test-allowance-postal_code").value == "708-8501"


def test_the_forms_benchmark_runs_and_reports_its_figures() -> None:
    from tests.bench import forms

    result = forms.run(repeat=1)
    assert (result["fields"], result["conditional"], result["visible"]) == (200, 20, 200)
    assert result["errors"] > 0
    for figure in ("compile_ms", "validate_ms", "validate_p95_ms", "render_ms",
                   "render_p95_ms", "bare_ms"):
        assert result[figure] > 0, figure


def test_an_editable_members_field_adds_edits_and_removes_people() -> None:
    recorder = Recorder()
    rows = [{"name": "津山 花子", "birthdate": "2020-01-02"}, {"name": "津山 次郎"}]
    tree = render(ctx_for(), dict(VALID, children=rows), recorder=recorder)
    members = by_key(tree, "field-children")
    assert {"member-children-0", "member-children-1", "members-children-add"} <= keys(members)
    assert "1人目" in texts(members) and "1人追加" in texts(members)
    born = by_key(members, "form-test-allowance-children-1-birthdate")
    assert isinstance(born, ft.TextField) and born.label == "生年月日"
    born.value = "２０２２年３月４日"
    born.on_change(SimpleNamespace(control=born))  # type: ignore[misc]
    assert recorder.changes[-1] == ("children", [
        {"name": "津山 花子", "birthdate": "2020-01-02"},
        {"name": "津山 次郎", "birthdate": "2022-03-04"}])
    assert rows[1] == {"name": "津山 次郎"}  # the data given to the view is not changed
    remove = by_key(members, "member-children-0")
    buttons = [c for c in walk(remove) if isinstance(c, ft.OutlinedButton)]
    buttons[0].on_click(None)  # type: ignore[misc]
    assert recorder.changes[-1] == ("children", [{"name": "津山 次郎"}])
    add = [c for c in walk(by_key(members, "members-children-add"))
           if isinstance(c, ft.OutlinedButton)]
    add[0].on_click(None)  # type: ignore[misc]
    assert recorder.changes[-1] == ("children", [*rows, {}])


def test_the_add_button_goes_at_max_items() -> None:
    import copy

    from app.features.procedures.forms.definition import parse_definition
    from tests.unit.test_procedure_form_engine import FIXTURE

    raw = copy.deepcopy(FIXTURE)
    raw["schema"]["properties"]["children"]["maxItems"] = 1
    engine = FormEngine(parse_definition(raw))
    control = field_control(ctx_for(), engine, engine.definition.field("children"),
                            [{"name": "a"}], None, False, False, lambda n, v: None,
                            lambda n: None)
    assert "members-children-add" not in keys(control)
    assert "member-children-0" in keys(control)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_demo_form_renders(language: str) -> None:
    import json

    from app.features.procedures.forms.definition import parse_definition
    from tests.unit.test_procedure_form_engine import DEMO

    ctx = ctx_for(language)
    for path in sorted(DEMO.glob("*.json")):
        engine = FormEngine(parse_definition(json.loads(path.read_text(encoding="utf-8"))),
                            language)
        errors = engine.validate({})
        tree = form_controls(ctx, engine, {}, errors, frozenset(), frozenset(),
                             lambda n, v: None, lambda n: None)
        for spec in engine.visible_fields({}):
            assert f"field-{spec.name}" in keys(tree), (path.name, spec.name)
        for name, error in errors.items():
            block = by_key(tree, f"field-{name}")
            assert error.text(ctx.t, language) in shown_errors(block), (path.name, name)


def shown_errors(tree: Any) -> list[str]:
    """The error texts a tree shows: text fields' and dropdowns' own, and error lines."""
    found: list[str] = []
    for control in walk(tree):
        if isinstance(control, ft.TextField) and isinstance(control.error, str):
            found.append(control.error)
        if isinstance(control, ft.Dropdown) and control.error_text:
            found.append(control.error_text)
        if str(getattr(control, "key", "")).startswith("error-"):
            found += texts(control)
    return found


def test_the_form_goes_through_a_flet_session_and_a_re_render_keeps_the_fields() -> None:
    """Encoded as the web socket would send it (Flet's own checks of every property run),
    and re-rendered with a conditional field gone: the other fields keep their identity."""
    import msgpack
    from flet.controls.base_control import BaseControl
    from flet.messaging.protocol import configure_encode_object_for_msgpack
    from flet.messaging.session import Session

    from tests.unit.test_views_build import _Connection

    recording = _Connection().conn
    session = Session(recording)  # type: ignore[arg-type]
    msgpack.packb(session.get_page_patch(),
                  default=configure_encode_object_for_msgpack(BaseControl))
    ctx = ctx_for()
    engine = FormEngine(definition())
    data = dict(BAD, relation="guardian", guardian_doc="other", bank="bank")

    def show(data: dict[str, Any], errors: Any) -> None:
        form = render(ctx, data, errors=errors, locked=frozenset({"applicant_name"}),
                      prefilled=frozenset({"applicant_name", "applicant_address"}))
        session.page.views[0].controls = [ft.Column(form, key="form")]
        session.page.update()

    show(data, engine.validate(data))
    view = session.page.views[0]
    before = {key: by_key(view, key)._i for key in ("field-postal_code", "field-bank",
                                                    "form-test-allowance-postal_code")}
    assert "field-guardian_reason" in keys(view)
    recording.sent.clear()
    show(dict(data, relation="parent"), {})
    view = session.page.views[0]
    assert "field-guardian_reason" not in keys(view)
    assert {key: by_key(view, key)._i for key in before} == before
    assert len(recording.sent) == 1  # one patch, not a new page
