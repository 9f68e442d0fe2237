"""The procedures form engine on the device (app/features/procedures/forms/): definition
parsing, the hidden-field rule, cleaning, validation with every error code, coercion,
verified pre-fill with locked fields, and attachment checks with EXIF stripping."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
from PIL import Image, PngImagePlugin

from app.features.procedures.forms import engine as engine_module
from app.features.procedures.forms.attachments import (
    AttachmentUnreadable,
    check_attachment,
    detect_type,
    strip_metadata,
)
from app.features.procedures.forms.definition import (
    AttachmentRule,
    DefinitionUnreadable,
    parse_definition,
    text_in,
)
from app.features.procedures.forms.engine import FormEngine
from app.features.procedures.forms.errors import FieldError
from app.features.procedures.forms.prefill import Profile, merge, prefill
from app.i18n.translator import load_translator

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "procedures" / "demo"


def L(ja: str, en: str) -> dict[str, str]:  # reads like the JSON it builds
    return {"ja": ja, "en": en}


# One definition with every widget, prefill sources, conditional fields (one chained) and
# the constraints behind every error code.
FIXTURE: dict[str, Any] = {
    "format": 1,
    "id": "test-allowance",
    "version": 3,
    "demo": True,
    "title": L("テスト手当の請求", "Test allowance: application"),
    "summary": L("テスト用の手続きです。", "A procedure for tests."),
    "department": "children",
    "keywords": ["てすと"],
    "life_events": ["birth"],
    "eligibility": {"residency": "card", "min_age": 18, "household": "parent_of_minor"},
    "for_whom": ["self", "delegator"],
    "completion": "online",
    "link": None,
    "fee": {"amount_yen": 300, "per_field": "copies", "methods": ["points", "counter"]},
    "attachments": [{"id": "bank-card", "label": L("口座のわかるもの", "Bank card"),
                     "help": L("写真でも可", "A photo is fine"), "required": True,
                     "types": ["image/jpeg", "image/png"], "max_bytes": 200_000}],
    "statuses": ["received", "reviewing", "completed", "returned", "rejected"],
    "some_future_key": {"anything": 1},
    "schema": {
        "type": "object",
        "additionalProperties": False,
        "required": ["applicant_name", "applicant_birthdate", "postal_code", "relation",
                     "guardian_reason", "guardian_doc_other", "children", "child_count",
                     "bank", "bank_branch", "agree"],
        "properties": {
            "applicant_name": {"type": "string", "maxLength": 20},
            "applicant_address": {"type": "string", "minLength": 5, "maxLength": 200},
            "applicant_birthdate": {"type": "string", "format": "date"},
            "postal_code": {"type": "string", "pattern": "^[0-9]{3}-[0-9]{4}$",
                            "x-error": L("郵便番号は 123-4567 の形で入力してください。",
                                         "Enter the postal code as 123-4567.")},
            "phone": {"type": "string", "pattern": "^0[0-9-]{9,12}$"},
            "email": {"type": "string", "format": "email"},
            "relation": {"type": "string", "enum": ["parent", "guardian"]},
            "guardian_reason": {"type": "string", "minLength": 5, "maxLength": 200},
            "guardian_doc": {"type": "string", "enum": ["court", "other"]},
            "guardian_doc_other": {"type": "string", "maxLength": 50},
            "children": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["name", "birthdate"],
                "properties": {"name": {"type": "string"},
                               "birthdate": {"type": "string", "format": "date"}}}},
            "child_count": {"type": "integer", "minimum": 1, "maximum": 10},
            "bank": {"type": "string", "enum": ["yucho", "bank"]},
            "bank_branch": {"type": "string", "maxLength": 30},
            "copies": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 6},
            "agree": {"type": "boolean", "const": True},
        },
    },
    "layout": {"sections": [
        {"id": "applicant", "title": L("請求者", "Applicant"),
         "help": L("本人の情報", "About you"), "fields": [
             {"field": "applicant_name", "label": L("氏名", "Name"), "widget": "text",
              "prefill": "applicant.name", "editable": False, "future_flag": True},
             {"field": "applicant_address", "label": L("住所", "Address"),
              "widget": "textarea", "prefill": "applicant.address"},
             {"field": "applicant_birthdate", "label": L("生年月日", "Date of birth"),
              "widget": "date", "prefill": "subject.birthdate", "editable": False},
             {"field": "postal_code", "label": L("郵便番号", "Postal code"),
              "widget": "postal_code"},
             {"field": "phone", "label": L("電話番号", "Phone"), "widget": "tel"},
             {"field": "email", "label": L("メールアドレス", "Email"), "widget": "email"},
         ]},
        {"id": "relation", "title": L("続柄", "Relation"), "fields": [
            {"field": "relation", "label": L("子との関係", "Relation to the child"),
             "widget": "radio",
             "options": {"guardian": L("未成年後見人", "Guardian"),
                         "parent": L("父母", "Parent")}},
            {"field": "guardian_reason", "label": L("後見の理由", "Reason"),
             "widget": "textarea", "show_if": {"field": "relation", "equals": "guardian"}},
            {"field": "guardian_doc", "label": L("書類", "Document"), "widget": "select",
             "show_if": {"field": "relation", "equals": "guardian"},
             "options": {"court": L("審判書", "Court order"), "other": L("その他", "Other")}},
            {"field": "guardian_doc_other", "label": L("その他の書類", "Other document"),
             "widget": "text", "show_if": {"field": "guardian_doc", "in": ["other"]}},
        ]},
        {"id": "children", "title": L("子ども", "Children"), "fields": [
            {"field": "children", "label": L("対象の子ども", "Children"), "widget": "members",
             "prefill": "household.minor_children", "editable": False},
            {"field": "child_count", "label": L("人数", "Number of children"),
             "widget": "number"},
        ]},
        {"id": "bank", "title": L("振込先", "Bank account"), "fields": [
            {"field": "bank", "label": L("金融機関", "Bank"), "widget": "select",
             "options": {"yucho": L("ゆうちょ銀行", "Japan Post Bank"),
                         "bank": L("その他の銀行", "Another bank")}},
            {"field": "bank_branch", "label": L("支店名", "Branch"), "widget": "text",
             "show_if": {"field": "bank", "in": ["bank"]}},
            {"field": "copies", "label": L("通数", "Copies"), "widget": "number"},
            {"field": "agree", "label": L("内容に誤りはありません", "The above is correct"),
             "widget": "checkbox"},
        ]},
    ]},
    "pdf": {"title": "テスト手当 認定請求書", "note": "テスト"},
    "imported_at": "2026-12-01T00:00:00Z",
}

VALID: dict[str, Any] = {
    "applicant_name": "津山 太郎",
    "applicant_address": "岡山県津山市山北520",
    "applicant_birthdate": "1990-05-01",
    "postal_code": "708-8501",
    "relation": "parent",
    "children": [{"name": "津山 花子", "birthdate": "2020-01-02"}],
    "child_count": 1,
    "bank": "yucho",
    "agree": True,
}


def definition(**changes: Any) -> Any:
    raw = copy.deepcopy(FIXTURE)
    raw.update(changes)
    return parse_definition(raw)


@pytest.fixture
def engine() -> FormEngine:
    return FormEngine(definition(), language="ja")


# --- definition ------------------------------------------------------------------------
def test_the_fixture_parses_with_every_part() -> None:
    d = definition()
    assert (d.id, d.version, d.demo, d.completion, d.department) == (
        "test-allowance", 3, True, "online", "children")
    assert [s.id for s in d.sections] == ["applicant", "relation", "children", "bank"]
    assert len(d.fields) == len(FIXTURE["schema"]["properties"])
    name = d.field("applicant_name")
    assert (name.widget, name.prefill, name.editable, name.required) == (
        "text", "applicant.name", False, True)
    assert d.field("phone").required is False
    assert d.field("guardian_doc_other").show_if is not None
    assert d.field("guardian_doc_other").show_if.values == ("other",)
    # options follow the schema's enum order, labelled by the layout
    assert [value for value, _ in d.field("relation").options] == ["parent", "guardian"]
    assert text_in(d.field("relation").options[1][1], "ja") == "未成年後見人"
    assert d.fee is not None and d.fee.total({"copies": 3}) == 900
    assert d.fee.total({}) == 300
    assert d.attachments[0].types == ("image/jpeg", "image/png")
    assert d.attachments[0].max_bytes == 200_000 and d.attachments[0].required
    assert d.eligibility.min_age == 18 and d.for_whom == ("self", "delegator")
    assert d.pdf_title == "テスト手当 認定請求書"


def test_every_demo_definition_parses() -> None:
    """The demo folder (B1's files) once it exists; the fixture always."""
    files = sorted(DEMO.glob("*.json")) if DEMO.is_dir() else []
    for path in files:
        parsed = parse_definition(json.loads(path.read_text(encoding="utf-8")))
        assert parsed.id == path.stem and parsed.demo is True, path
        engine = FormEngine(parsed)
        assert engine.visible_fields({}) is not None
    assert definition().id == "test-allowance"


def test_a_newer_format_is_read_with_what_this_app_knows() -> None:
    raw = copy.deepcopy(FIXTURE)
    raw["format"] = 2
    raw["layout"]["sections"][0]["fields"][0]["widget"] = "signature"
    raw["layout"]["sections"][0]["fields"][1]["prefill"] = "applicant.mynumber"
    parsed = parse_definition(raw)
    assert parsed.field("applicant_name").widget == "text"
    assert parsed.field("applicant_address").prefill is None


@pytest.mark.parametrize(("change", "path"), [
    (lambda r: r.pop("id"), "$.id"),
    (lambda r: r.update(id="Bad Id"), "$.id"),
    (lambda r: r.update(version=0), "$.version"),
    (lambda r: r.update(version="1"), "$.version"),
    (lambda r: r.update(title=None), "$.title"),
    (lambda r: r.update(schema=[]), "$.schema"),
    (lambda r: r.update(layout={}), "$.layout.sections"),
    (lambda r: r["layout"]["sections"][0]["fields"][0].update(field="nope"),
     "$.layout.sections[0].fields[0].field"),
    (lambda r: r["layout"]["sections"][0]["fields"][0].update(widget="signature"),
     "$.layout.sections[0].fields[0].widget"),
    (lambda r: r["layout"]["sections"][1]["fields"][1].update(
        show_if={"field": "guardian_doc", "equals": "x"}),
     "$.layout.sections[1].fields[1].show_if.field"),
    (lambda r: r["layout"]["sections"][3]["fields"].pop(), "$.layout"),
    (lambda r: r.update(fee={"amount_yen": -1}), "$.fee.amount_yen"),
    (lambda r: r["attachments"][0].update(types=[]), "$.attachments[0].types"),
    (lambda r: r.update(completion="fax"), "$.completion"),
])
def test_a_broken_definition_is_unreadable_with_the_path(change: Any, path: str) -> None:
    raw = copy.deepcopy(FIXTURE)
    change(raw)
    with pytest.raises(DefinitionUnreadable) as caught:
        parse_definition(raw)
    assert caught.value.path == path


def test_a_link_procedure_needs_no_form() -> None:
    parsed = parse_definition({"id": "bulky-waste", "version": 1, "title": L("粗大ごみ", "Bulky"),
                               "department": "waste", "completion": "link",
                               "link": {"route": "/waste"}})
    assert parsed.link_route == "/waste" and parsed.sections == () and parsed.fields == ()
    with pytest.raises(DefinitionUnreadable):
        parse_definition({"id": "x", "version": 1, "title": "x", "department": "waste",
                          "completion": "link"})


def test_text_in_picks_japanese_or_english() -> None:
    texts = L("氏名", "Name")
    assert text_in(texts, "ja") == "氏名"
    assert [text_in(texts, lang) for lang in ("en", "zh", "ko")] == ["Name"] * 3
    assert text_in({"ja": "氏名"}, "en") == "氏名"
    assert text_in({"en": "Name"}, "ja") == "Name"
    assert text_in(None, "ja") == "" and text_in({}, "en") == ""


# --- visibility and cleaning -------------------------------------------------------------
def names(fields: list[Any]) -> list[str]:
    return [f.name for f in fields]


def test_conditional_fields_show_only_when_their_rule_holds(engine: FormEngine) -> None:
    shown = names(engine.visible_fields(VALID))
    assert "guardian_reason" not in shown and "bank_branch" not in shown
    assert shown == [n for n in names(list(engine.definition.fields)) if n in shown]
    as_guardian = dict(VALID, relation="guardian", bank="bank")
    shown = names(engine.visible_fields(as_guardian))
    assert {"guardian_reason", "guardian_doc", "bank_branch"} <= set(shown)
    assert "guardian_doc_other" not in shown
    assert "guardian_doc_other" in names(engine.visible_fields(
        dict(as_guardian, guardian_doc="other")))


def test_a_field_under_a_hidden_field_is_hidden_too(engine: FormEngine) -> None:
    # guardian_doc says "other" but is itself hidden (relation is parent)
    data = dict(VALID, guardian_doc="other", guardian_doc_other="x")
    assert "guardian_doc_other" not in names(engine.visible_fields(data))


def test_show_if_compares_json_values() -> None:
    raw = copy.deepcopy(FIXTURE)
    raw["layout"]["sections"][1]["fields"][1]["show_if"] = {"field": "child_count",
                                                            "equals": 1}
    raw["layout"]["sections"].insert(0, raw["layout"]["sections"].pop(2))
    e = FormEngine(parse_definition(raw))
    assert "guardian_reason" in names(e.visible_fields({"child_count": 1}))
    assert "guardian_reason" not in names(e.visible_fields({"child_count": True}))
    assert "guardian_reason" not in names(e.visible_fields({"child_count": "1"}))


def test_an_absent_value_never_matches_and_numbers_compare_as_json() -> None:
    raw = copy.deepcopy(FIXTURE)
    raw["layout"]["sections"][1]["fields"][1]["show_if"] = {"field": "relation",
                                                            "equals": None}
    e = FormEngine(parse_definition(raw))
    assert "guardian_reason" not in names(e.visible_fields({}))  # absent: no match
    assert "guardian_reason" in names(e.visible_fields({"relation": None}))
    raw = copy.deepcopy(FIXTURE)
    raw["layout"]["sections"][1]["fields"][1]["show_if"] = {"field": "relation", "in": [2]}
    e = FormEngine(parse_definition(raw))
    assert "guardian_reason" in names(e.visible_fields({"relation": 2}))
    assert "guardian_reason" not in names(e.visible_fields({"relation": 2.0}))


def test_clean_drops_hidden_unknown_and_empty_optional(engine: FormEngine) -> None:
    data = dict(VALID, guardian_reason="hidden now", unknown="x", phone="  ", email="",
                copies=None, bank_branch="hidden", applicant_name="")
    cleaned = engine.clean(data)
    assert "guardian_reason" not in cleaned and "unknown" not in cleaned
    assert "phone" not in cleaned and "email" not in cleaned and "copies" not in cleaned
    assert "bank_branch" not in cleaned
    assert cleaned["applicant_name"] == ""  # required: kept, so validation says so
    assert cleaned["postal_code"] == "708-8501"


# --- validation ----------------------------------------------------------------------------
def test_a_valid_document_has_no_errors(engine: FormEngine) -> None:
    assert engine.validate(VALID) == {}
    assert engine.validate(dict(VALID, relation="guardian", guardian_reason="家庭裁判所の選任",
                                bank="bank", bank_branch="津山支店", copies=5,
                                phone="0868-32-2111", email="taro@example.jp")) == {}


def test_hidden_required_fields_are_not_required(engine: FormEngine) -> None:
    errors = engine.validate(VALID)
    assert "guardian_reason" not in errors and "bank_branch" not in errors
    errors = engine.validate(dict(VALID, relation="guardian", bank="bank"))
    assert errors["guardian_reason"].code == "required"
    assert errors["bank_branch"].code == "required"


BAD: dict[str, Any] = {
    "applicant_name": "長" * 21,                # max_length
    "applicant_address": "津山",                # min_length
    "applicant_birthdate": "2026-02-30",        # format (date)
    "postal_code": "7088501",                   # pattern, with x-error
    "phone": "12345",                           # pattern, no example
    "email": "taro",                            # format (email)
    "relation": "uncle",                        # enum
    "children": [{"name": "花子"}],              # members row: required
    "child_count": "two",                       # type
    "bank": "yucho",
    "copies": 6,                                # maximum (exclusive)
    "agree": False,                             # const -> enum
}


def test_every_error_is_reported_at_once_with_its_code(engine: FormEngine) -> None:
    errors = engine.validate(BAD)
    codes = {name: error.code for name, error in errors.items()}
    assert codes == {
        "applicant_name": "max_length", "applicant_address": "min_length",
        "applicant_birthdate": "format", "postal_code": "pattern", "phone": "pattern",
        "email": "format", "relation": "enum", "children": "required",
        "child_count": "type", "copies": "maximum", "agree": "enum",
    }
    assert errors["applicant_name"].params["max"] == 20
    assert errors["applicant_address"].params["min"] == 5
    assert errors["copies"].params["max"] == 5  # exclusiveMaximum 6: at most 5
    assert errors["children"].params["row"] == 1
    assert errors["children"].params["column"] == "name, birthdate"
    assert all(error.field == name for name, error in errors.items())


def test_minimum_min_items_and_required_codes(engine: FormEngine) -> None:
    errors = engine.validate({"child_count": 0, "copies": 0, "children": [],
                              "applicant_name": "   "})
    assert errors["child_count"].code == "minimum" and errors["child_count"].params["min"] == 1
    assert errors["copies"].code == "minimum" and errors["copies"].params["min"] == 1
    assert errors["children"].code == "min_items"
    assert errors["applicant_name"].code == "required"
    for name in ("postal_code", "relation", "bank", "agree"):
        assert errors[name].code == "required"
    assert errors["relation"].message == "Choose {label}."
    assert errors["agree"].message == "Check {label}."
    assert errors["postal_code"].message == "Enter {label}."


def test_a_members_row_with_a_bad_date_names_the_row(engine: FormEngine) -> None:
    error = engine.validate_field("children", [{"name": "a", "birthdate": "2020-01-01"},
                                               {"name": "b", "birthdate": "20200101"}])
    assert error is not None and error.code == "format"
    assert (error.params["row"], error.params["column"]) == (2, "birthdate")


def test_booleans_are_not_integers(engine: FormEngine) -> None:
    error = engine.validate_field("child_count", True)
    assert error is not None and error.code == "type"


def test_messages_are_translated_and_filled(engine: FormEngine) -> None:
    ja, en = load_translator("ja"), load_translator("en")
    errors = engine.validate(BAD)
    for error in [*errors.values(), *engine.validate({"child_count": 0, "children": []}).values()]:
        assert ja.has(error.message), error.message
        japanese = error.text(ja, "ja")
        assert "{" not in japanese and japanese != error.text(en, "en")
    assert errors["applicant_name"].text(ja, "ja") == "氏名は20文字以内で入力してください。"
    assert engine.validate({})["relation"].text(ja, "ja") == "子との関係を選んでください。"
    english = FormEngine(engine.definition, language="en").validate(BAD)
    assert english["applicant_name"].text(en, "en") == "Name must be at most 20 characters."


def test_a_definitions_own_pattern_message_is_used(engine: FormEngine) -> None:
    # fastjsonschema ignores the unknown keyword: it compiles and still checks the pattern
    check = fastjsonschema.compile(FIXTURE["schema"]["properties"]["postal_code"])
    assert check("708-8501") == "708-8501"
    error = engine.validate_field("postal_code", "7088501")
    assert error is not None and error.code == "pattern"
    ja, en = load_translator("ja"), load_translator("en")
    assert error.text(ja, "ja") == "郵便番号は 123-4567 の形で入力してください。"
    assert error.text(en, "en") == "Enter the postal code as 123-4567."
    phone = engine.validate_field("phone", "12345")
    assert phone is not None
    assert phone.text(ja, "ja") == "例のとおりの形式で入力してください(例: 0868-32-2111)。"
    raw = copy.deepcopy(FIXTURE)
    raw["schema"]["properties"]["bank_branch"]["pattern"] = "^[^0-9]+$"
    plain = FormEngine(parse_definition(raw)).validate_field("bank_branch", "123")
    assert plain is not None and plain.code == "pattern"
    assert plain.text(ja, "ja") == "支店名の形式が正しくありません。"


def test_validate_field_checks_one_value(engine: FormEngine) -> None:
    assert engine.validate_field("postal_code", "708-8501") is None
    assert engine.validate_field("phone", None) is None  # optional and empty
    missing = engine.validate_field("bank", "")
    assert missing is not None and missing.code == "required"
    with pytest.raises(KeyError):
        engine.validate_field("nope", "x")


def test_validators_are_compiled_once_per_procedure_version(
        monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[Any] = []
    real = fastjsonschema.compile

    def counting(schema: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(schema)
        return real(schema, *args, **kwargs)

    monkeypatch.setattr(engine_module.fastjsonschema, "compile", counting)
    engine_module.clear_compiled()
    first = FormEngine(definition())
    first.validate(BAD)
    checked = {f.name for f in first.visible_fields(BAD) if f.name in BAD}
    assert len(compiled) == len(checked)  # only fields with a value, each once
    FormEngine(definition()).validate(BAD)  # another engine of the same version: cached
    first.validate(BAD)
    assert len(compiled) == len(checked)
    FormEngine(definition(version=4)).validate(BAD)  # a new version compiles its own
    assert len(compiled) == 2 * len(checked)


def test_a_server_refusal_becomes_field_errors() -> None:
    error = FieldError.from_server({"field": "postal_code", "code": "pattern",
                                    "message_ja": "郵便番号が違います。",
                                    "message_en": "Wrong postal code."})
    ja = load_translator("ja")
    assert (error.field, error.code) == ("postal_code", "pattern")
    assert error.text(ja, "ja") == "郵便番号が違います。"
    assert error.text(ja, "en") == "Wrong postal code."


# --- coercion and progress ------------------------------------------------------------------
@pytest.mark.parametrize(("field", "text", "value"), [
    ("child_count", "０１２", 12),
    ("child_count", " 3 ", 3),
    ("child_count", "１，０００", 1000),
    ("child_count", "12a", "12a"),
    ("child_count", "", None),
    ("child_count", "   ", None),
    ("applicant_birthdate", "2026/4/1", "2026-04-01"),
    ("applicant_birthdate", "２０２６年４月１日", "2026-04-01"),
    ("applicant_birthdate", "1990-05-01", "1990-05-01"),
    ("applicant_birthdate", "2026-02-30", "2026-02-30"),
    ("agree", "はい", True),
    ("agree", "false", False),
    ("postal_code", "７０８－８５０１", "708-8501"),
    ("phone", "０８６８ー３２ー２１１１", "0868-32-2111"),
    ("email", "ｔａｒｏ＠example.jp", "taro@example.jp"),
    ("applicant_name", " 津山　太郎 ", "津山　太郎"),
])
def test_coerce_turns_text_into_the_schema_type(engine: FormEngine, field: str, text: str,
                                                value: Any) -> None:
    assert engine.coerce(field, text) == value
    assert type(engine.coerce(field, text)) is type(value)


def test_full_width_input_is_made_half_width_only_to_fit_a_pattern() -> None:
    raw = copy.deepcopy(FIXTURE)
    raw["schema"]["properties"]["bank_branch"]["pattern"] = "^[0-9]{7}$"
    e = FormEngine(parse_definition(raw))
    assert e.coerce("bank_branch", "１２３４５６７") == "1234567"
    assert e.coerce("bank_branch", "１２３") == "１２３"  # fits neither: kept as typed
    assert e.coerce("applicant_name", "ＡＢＣ　太郎") == "ＡＢＣ　太郎"  # no pattern: as typed
    assert e.validate_field("bank_branch", e.coerce("bank_branch", "１２３４５６７")) is None


def test_the_fee_is_counted_like_the_server_counts_it() -> None:
    fee = definition().fee
    assert fee is not None
    assert [fee.total({"copies": c}) for c in (2, 2.0, 2.5, True, "2", None)] == [
        600, 600, 300, 300, 300, 300]


def test_a_coerced_value_that_cannot_be_turned_fails_validation(engine: FormEngine) -> None:
    bad_date = engine.validate_field("applicant_birthdate",
                                     engine.coerce("applicant_birthdate", "2026-02-30"))
    assert bad_date is not None and bad_date.code == "format"
    assert engine.validate_field("child_count", engine.coerce("child_count", "０３")) is None


def test_progress_counts_visible_required_fields(engine: FormEngine) -> None:
    assert engine.progress(VALID) == (8, 8)
    assert engine.progress({}) == (0, 8)
    assert engine.progress({"relation": "guardian"}) == (1, 9)


# --- prefill ------------------------------------------------------------------------------
APPLICANT = Profile(name="津山 太郎", address="岡山県津山市山北520", birthdate="1990-05-01",
                    minor_children=(("津山 花子", "2020-01-02"), ("津山 次郎", "2022-03-04")))
SUBJECT = Profile(name="津山 一郎", address="岡山県津山市林田", birthdate="1950-07-07")


def test_prefill_takes_each_source_and_locks_the_uneditable() -> None:
    result = prefill(definition(), APPLICANT, SUBJECT)
    assert result.values == {
        "applicant_name": "津山 太郎",
        "applicant_address": "岡山県津山市山北520",
        "applicant_birthdate": "1950-07-07",  # subject.birthdate
        "children": [{"name": "津山 花子", "birthdate": "2020-01-02"},
                     {"name": "津山 次郎", "birthdate": "2022-03-04"}],
    }
    assert result.locked == {"applicant_name", "applicant_birthdate", "children"}
    assert result.prefilled == set(result.values)
    assert prefill(definition(), APPLICANT).values["applicant_birthdate"] == "1990-05-01"


def test_a_profile_without_a_value_prefills_nothing_for_it() -> None:
    result = prefill(definition(), Profile(name="津山 太郎"))
    assert result.values == {"applicant_name": "津山 太郎"}
    assert result.locked == {"applicant_name"}


def test_a_locked_field_the_profile_lacks_is_read_only_and_prefill_missing() -> None:
    result = prefill(definition(), Profile(name="津山 太郎"))
    assert result.missing == {"applicant_birthdate", "children"}
    assert result.read_only == {"applicant_name", "applicant_birthdate", "children"}
    merged = merge({"applicant_birthdate": "2000-01-01", "postal_code": "708-8501"}, result)
    assert "applicant_birthdate" not in merged and merged["postal_code"] == "708-8501"
    e = FormEngine(definition())
    errors = e.validate(merged, unverified=result.missing)
    assert errors["applicant_birthdate"].code == "prefill_missing"
    assert errors["children"].code == "prefill_missing"
    ja = load_translator("ja")
    message = errors["children"].text(ja, "ja")
    assert message.startswith("対象の子どもはマイナンバーカードの情報から")
    assert e.validate(merged)["applicant_birthdate"].code == "required"


def test_merge_keeps_edits_but_locked_fields_take_the_verified_values() -> None:
    result = prefill(definition(), APPLICANT)
    draft = {"applicant_name": "偽名", "applicant_address": "津山市の別の住所", "bank": "yucho",
             "children": []}
    merged = merge(draft, result)
    assert merged["applicant_name"] == "津山 太郎"
    assert merged["children"] == result.values["children"]
    assert merged["applicant_address"] == "津山市の別の住所"  # editable: the draft wins
    assert merged["bank"] == "yucho"
    assert merge({}, result)["applicant_address"] == "岡山県津山市山北520"


# --- attachments ------------------------------------------------------------------------------
RULE = AttachmentRule(id="bank-card", label=L("口座", "Bank"), help={}, required=True,
                      types=("image/jpeg", "image/png"), max_bytes=200_000)


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int = 6) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"          # Make
    exif[0x0112] = orientation        # Orientation: 6 = rotate 90° clockwise to view
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (35.0, 3.0, 50.0)   # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (134.0, 0.0, 16.0)  # GPSLongitudeRef, GPSLongitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, icc_profile=b"\0" * 128)
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "自宅で撮影 35.06N 134.00E")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_types_are_detected_from_the_bytes() -> None:
    assert detect_type(jpeg_with_gps()) == "image/jpeg"
    assert detect_type(png_with_text()) == "image/png"
    assert detect_type(PDF_BYTES) == "application/pdf"
    assert detect_type(b"GIF89a....") is None


def test_an_allowed_file_passes() -> None:
    check = check_attachment(RULE, "card.jpg", jpeg_with_gps())
    assert check.ok and check.content_type == "image/jpeg" and check.code is None


@pytest.mark.parametrize(("name", "data", "code"), [
    ("card.pdf", PDF_BYTES, "type_not_allowed"),
    ("card.jpg", PDF_BYTES, "type_not_allowed"),  # the name does not decide
    ("card.gif", b"GIF89a" + b"\0" * 20, "unknown_type"),
    ("empty.jpg", b"", "empty"),
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000, "too_large"),
    ("broken.jpg", b"\xff\xd8\xff" + b"not really a jpeg" * 10, "unreadable"),
])
def test_a_refused_file_says_why(name: str, data: bytes, code: str) -> None:
    check = check_attachment(RULE, name, data)
    assert not check.ok and check.code == code
    ja = load_translator("ja")
    assert check.message is not None and ja.has(check.message)
    assert name in ja(check.message, **check.params)


def test_the_size_limit_is_named_in_the_message() -> None:
    check = check_attachment(RULE, "big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 300_000)
    assert check.params["max"] == "195 KB"
    assert load_translator("ja")(check.message or "", **check.params).endswith(
        "195 KB までにしてください。")


def test_exif_with_gps_is_really_removed_and_the_photo_turned_upright() -> None:
    original = jpeg_with_gps((64, 32), orientation=6)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the test photo does carry GPS
        assert before.info.get("icc_profile")
    stripped = strip_metadata(original, "image/jpeg")
    with Image.open(io.BytesIO(stripped)) as after:
        assert after.format == "JPEG"
        assert dict(after.getexif()) == {}
        assert "exif" not in after.info and "icc_profile" not in after.info
        assert after.size == (32, 64)  # orientation 6 applied before the EXIF went
    assert b"TestCam" not in stripped and b"GPS" not in stripped


def test_png_text_chunks_are_removed() -> None:
    original = png_with_text()
    assert "自宅".encode() in original or b"Comment" in original
    stripped = strip_metadata(original, "image/png")
    with Image.open(io.BytesIO(stripped)) as after:
        assert after.format == "PNG" and after.size == (10, 10)
        assert "Comment" not in after.info
    assert b"Comment" not in stripped and b"tEXt" not in stripped and b"iTXt" not in stripped


def test_a_pdf_is_unchanged_and_a_broken_image_is_refused() -> None:
    assert strip_metadata(PDF_BYTES, "application/pdf") is PDF_BYTES
    with pytest.raises(AttachmentUnreadable):
        strip_metadata(b"\xff\xd8\xff garbage", "image/jpeg")
