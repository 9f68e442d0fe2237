"""Procedure definitions (docs/procedure-definitions.md): the format check (every broken case
with its exact JSON path, and the whole folder refused with nothing stored), the import with
versions (unchanged skipped, changed without a version bump refused, a new version inserted
and published), withdrawn demo definitions, the start-up loader, the settings and the
`import-procedures` command. SQLite and PostgreSQL where a database is used."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.models import SyncChange
from backend.schema import upgrade_to_head
from backend.settings import Settings
from backend.sync.change_log import read_changes
from backend.tiles.procedures import cli
from backend.tiles.procedures.definitions.format import check_definition, key_path
from backend.tiles.procedures.definitions.importer import (
    ADDED,
    RESTORED,
    UNCHANGED,
    UPDATED,
    import_folder,
    read_folder,
)
from backend.tiles.procedures.definitions.publish import COLLECTION, PROCEDURES
from backend.tiles.procedures.definitions.store import (
    TABLE,
    definition_version,
    latest_definition,
    list_latest,
)
from backend.tiles.procedures.settings import DEMO_DIR, DIR_VARIABLE, ProceduresSettings
from backend.tiles.procedures.startup import load_procedures

CODE = "332038"
DEMO_IDS = ["bulky-waste", "child-allowance", "long-term-care-certification",
            "moving-in-notice", "resident-record-copy", "residents-voice"]
Mutation = Callable[[dict[str, Any]], None]


# --- helpers -------------------------------------------------------------------------------


def demo_copy(tmp_path: Path, name: str = "definitions") -> Path:
    folder = tmp_path / name
    shutil.copytree(DEMO_DIR, folder)
    return folder


def load(folder: Path, procedure_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((folder / f"{procedure_id}.json").read_text("utf-8"))
    return body


def save(folder: Path, procedure_id: str, body: dict[str, Any]) -> None:
    (folder / f"{procedure_id}.json").write_text(
        json.dumps(body, ensure_ascii=False, indent=2), "utf-8")


def edit(folder: Path, procedure_id: str, change: Mutation) -> None:
    body = load(folder, procedure_id)
    change(body)
    save(folder, procedure_id, body)


def engine_for(database_url: str, make_test_engine: Callable[[str], Engine]) -> Engine:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    return engine


def stored_rows(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as connection:
        return [(row.id, row.version) for row in connection.execute(
            select(TABLE.c.id, TABLE.c.version).order_by(TABLE.c.id, TABLE.c.version))]


def change_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(SyncChange)).scalar_one())


def public_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        page = read_changes(connection, CODE, None, 0, 5000)
    return [change for change in page.changes if change["collection"] == COLLECTION]


# --- the format: each broken case with its exact path -----------------------------------


def _set(path: list[Any], value: Any) -> Mutation:
    def change(body: dict[str, Any]) -> None:
        target: Any = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _delete(path: list[Any]) -> Mutation:
    def change(body: dict[str, Any]) -> None:
        target: Any = body
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return change


def _field(section: int, index: int, key: str, value: Any) -> Mutation:
    return _set(["layout", "sections", section, "fields", index, key], value)


def _prop(name: str, key: str, value: Any) -> Mutation:
    return _set(["schema", "properties", name, key], value)


def _add_property(body: dict[str, Any]) -> None:
    body["schema"]["properties"]["extra"] = {"type": "string"}


def _layout_unknown_field(body: dict[str, Any]) -> None:
    body["layout"]["sections"][2]["fields"].append(
        {"field": "bank", "label": {"ja": "銀行", "en": "Bank"}, "widget": "text"})


def _field_twice(body: dict[str, Any]) -> None:
    fields = body["layout"]["sections"][2]["fields"]
    fields.append(dict(fields[0]))


def _duplicate_attachment(body: dict[str, Any]) -> None:
    body["attachments"].append(dict(body["attachments"][0]))


def _members_of_strings(body: dict[str, Any]) -> None:
    body["schema"]["properties"]["children"]["items"] = {"type": "string"}


def _too_many_fields(body: dict[str, Any]) -> None:
    for n in range(390):
        name = f"extra_{n}"
        body["schema"]["properties"][name] = {"type": "string", "maxLength": 10}
        body["layout"]["sections"][2]["fields"].append(
            {"field": name, "label": {"ja": name, "en": name}, "widget": "text"})


def _link_with_form(body: dict[str, Any]) -> None:
    body["schema"]["properties"]["note"] = {"type": "string"}


def _both_conditions(body: dict[str, Any]) -> None:
    body["layout"]["sections"][0]["fields"][5]["show_if"]["in"] = [True]


# (case id, file, change, exact JSON path, part of the message)
CASES: list[tuple[str, str, Mutation, str, str]] = [
    ("format-2", "child-allowance", _set(["format"], 2), "$.format", "must be 1"),
    ("id-not-stem", "child-allowance", _set(["id"], "child-benefit"), "$.id",
     'not the file name "child-allowance.json"'),
    ("id-pattern", "child-allowance", _set(["id"], "Child_Allowance"), "$.id", "lowercase"),
    ("version-0", "child-allowance", _set(["version"], 0), "$.version", "must be 1 to"),
    ("version-text", "child-allowance", _set(["version"], "2"), "$.version",
     "must be an integer"),
    ("title-missing", "child-allowance", _delete(["title"]), "$", 'missing key "title"'),
    ("title-no-en", "child-allowance", _delete(["title", "en"]), "$.title", 'missing key "en"'),
    ("summary-empty", "child-allowance", _set(["summary", "ja"], " "), "$.summary.ja",
     "must not be empty"),
    ("unknown-top-key", "child-allowance", _set(["titel"], "x"), "$.titel", "unknown key"),
    ("department", "child-allowance", _set(["department"], "kids"), "$.department",
     'unknown department "kids"'),
    ("life-event", "child-allowance", _set(["life_events"], ["birth", "wedding"]),
     "$.life_events[1]", 'unknown life event "wedding"'),
    ("residency", "child-allowance", _set(["eligibility", "residency"], "everyone"),
     "$.eligibility.residency", "unknown residency"),
    ("eligibility-key", "child-allowance", _set(["eligibility", "age"], 18),
     "$.eligibility.age", "unknown key"),
    ("for-whom-empty", "child-allowance", _set(["for_whom"], []), "$.for_whom",
     "at least 1"),
    ("for-whom-twice", "resident-record-copy", _set(["for_whom"], ["self", "self"]),
     "$.for_whom[1]", "listed twice"),
    ("completion", "child-allowance", _set(["completion"], "mail"), "$.completion",
     'unknown completion "mail"'),
    ("link-on-online", "child-allowance", _set(["link"], {"route": "/waste"}), "$.link",
     'only a "link" procedure'),
    ("link-without-route", "bulky-waste", _set(["link"], {}), "$.link",
     'missing key "route"'),
    ("link-bad-route", "bulky-waste", _set(["link", "route"], "waste"), "$.link.route",
     "app route"),
    ("link-with-form", "residents-voice", _link_with_form, "$.schema.properties",
     "has no form"),
    ("fee-per-text-field", "resident-record-copy", _set(["fee", "per_field"], "purpose"),
     "$.fee.per_field", "no integer field 'purpose'"),
    ("fee-method", "resident-record-copy", _set(["fee", "methods"], ["cash"]),
     "$.fee.methods[0]", 'unknown payment method "cash"'),
    ("fee-amount", "resident-record-copy", _set(["fee", "amount_yen"], 0),
     "$.fee.amount_yen", "must be 1 to"),
    ("attachment-twice", "child-allowance", _duplicate_attachment, "$.attachments[1].id",
     'attachment "bank-card" is there twice'),
    ("attachment-type", "child-allowance", _set(["attachments", 0, "types"], ["image/gif"]),
     "$.attachments[0].types[0]", 'unknown file type "image/gif"'),
    ("attachment-size", "child-allowance", _set(["attachments", 0, "max_bytes"], 20971520),
     "$.attachments[0].max_bytes", "must be 1 to 10485760"),
    ("status", "child-allowance", _set(["statuses"], ["received", "completed", "approved"]),
     "$.statuses[2]", 'unknown status "approved"'),
    ("status-missing", "child-allowance", _set(["statuses"], ["reviewing", "completed"]),
     "$.statuses", 'needs "received"'),
    ("pdf-missing", "child-allowance", _delete(["pdf"]), "$", 'missing key "pdf"'),
    ("schema-type", "child-allowance", _set(["schema", "type"], "array"), "$.schema.type",
     'must be "object"'),
    ("schema-open", "child-allowance", _set(["schema", "additionalProperties"], True),
     "$.schema.additionalProperties", "must be false"),
    ("schema-draft", "child-allowance",
     _set(["schema", "$schema"], "https://json-schema.org/draft/2020-12/schema"),
     '$.schema["$schema"]', "draft-07"),
    ("keyword-typo", "child-allowance", _prop("phone", "maxlength", 10),
     "$.schema.properties.phone.maxlength", "unknown JSON Schema keyword"),
    ("bad-regex", "child-allowance", _prop("account_number", "pattern", "^([0-9]{7}$"),
     "$.schema.properties.account_number.pattern", "not a valid regular expression"),
    ("x-error-one-language", "child-allowance",
     _prop("account_number", "x-error", {"ja": "7桁の数字です。"}),
     '$.schema.properties.account_number["x-error"]', 'missing key "en"'),
    ("examples-empty", "child-allowance", _prop("phone", "examples", []),
     "$.schema.properties.phone.examples", "non-empty list"),
    ("format-unknown", "child-allowance", _prop("applicant_birthdate", "format", "datum"),
     "$.schema.properties.applicant_birthdate.format", 'must be one of "date", "email"'),
    ("min-length-text", "child-allowance", _prop("bank_name", "minLength", "1"),
     "$.schema", "not a valid JSON Schema (draft-07)"),
    ("required-unknown", "child-allowance", _set(["schema", "required"], ["phone", "fax"]),
     "$.schema.required[1]", 'no field "fax"'),
    ("property-not-shown", "child-allowance", _add_property, "$.schema.properties.extra",
     "not in the layout"),
    ("layout-unknown-field", "child-allowance", _layout_unknown_field,
     "$.layout.sections[2].fields[5].field", 'no field "bank" in the schema'),
    ("field-twice", "child-allowance", _field_twice, "$.layout.sections[2].fields[5].field",
     'is shown already at $.layout.sections[2].fields[0]'),
    ("widget-unknown", "child-allowance", _field(0, 3, "widget", "slider"),
     "$.layout.sections[0].fields[3].widget", 'unknown widget "slider"'),
    ("widget-number-on-text", "child-allowance", _field(0, 3, "widget", "number"),
     "$.layout.sections[0].fields[3].widget", "needs an integer or number field"),
    ("widget-date-on-text", "child-allowance", _field(2, 0, "widget", "date"),
     "$.layout.sections[2].fields[0].widget", '"format": "date"'),
    ("widget-text-on-enum", "child-allowance", _delete(
        ["layout", "sections", 2, "fields", 2, "options"]),
     "$.layout.sections[2].fields[2]", 'missing key "options"'),
    ("checkbox-on-string", "child-allowance", _field(0, 5, "widget", "checkbox"),
     "$.layout.sections[0].fields[5].widget", "needs a boolean field"),
    ("members-of-strings", "child-allowance", _members_of_strings,
     "$.layout.sections[1].fields[0].widget", "array of objects"),
    ("option-missing", "child-allowance", _delete(
        ["layout", "sections", 2, "fields", 2, "options", "toza"]),
     "$.layout.sections[2].fields[2].options", 'no label for the choice(s) "toza"'),
    ("option-extra", "child-allowance", _set(
        ["layout", "sections", 2, "fields", 2, "options", "teiki"], {"ja": "定期", "en": "x"}),
     "$.layout.sections[2].fields[2].options.teiki", "not one of the schema's enum values"),
    ("options-on-text", "child-allowance",
     _field(2, 0, "options", {"a": {"ja": "a", "en": "a"}}),
     "$.layout.sections[2].fields[0].options", 'only a "select" or "radio"'),
    ("prefill-unknown", "child-allowance", _field(0, 3, "prefill", "applicant.phone"),
     "$.layout.sections[0].fields[3].prefill", 'unknown prefill source "applicant.phone"'),
    ("prefill-children-on-text", "child-allowance",
     _field(0, 0, "prefill", "household.minor_children"),
     "$.layout.sections[0].fields[0].prefill", 'fills a "members" field only'),
    ("prefill-birthdate-on-text", "child-allowance",
     _field(0, 1, "prefill", "applicant.birthdate"),
     "$.layout.sections[0].fields[1].prefill", 'fills a "date" field'),
    ("locked-without-prefill", "child-allowance", _field(0, 3, "editable", False),
     "$.layout.sections[0].fields[3].editable", 'needs a "prefill"'),
    ("show-if-later", "child-allowance",
     _field(0, 5, "show_if", {"field": "bank_name", "equals": "x"}),
     "$.layout.sections[0].fields[5].show_if.field",
     'no field "bank_name" before this one (it comes later'),
    ("show-if-unknown", "child-allowance",
     _field(0, 5, "show_if", {"field": "x", "equals": True}),
     "$.layout.sections[0].fields[5].show_if.field", 'no field "x" before this one'),
    ("show-if-both", "child-allowance", _both_conditions,
     "$.layout.sections[0].fields[5].show_if", 'exactly one of "equals" and "in"'),
    ("show-if-impossible", "child-allowance",
     _field(0, 5, "show_if", {"field": "is_public_servant", "equals": "yes"}),
     "$.layout.sections[0].fields[5].show_if.equals", "could never hold"),
    ("section-twice", "child-allowance", _set(["layout", "sections", 1, "id"], "applicant"),
     "$.layout.sections[1].id", 'section "applicant" is there twice'),
    ("too-many-fields", "child-allowance", _too_many_fields, "$.layout",
     "402 fields, at most 400"),
]


@pytest.mark.parametrize(("file", "change", "path", "message"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_broken_definition_is_reported_at_its_exact_path(
        tmp_path: Path, file: str, change: Mutation, path: str, message: str) -> None:
    folder = demo_copy(tmp_path)
    edit(folder, file, change)

    found, errors = read_folder(folder)

    matching = [line for line in errors if line.startswith(f"{file}.json: {path}: ")]
    assert matching, errors
    assert any(message in line for line in matching), matching
    assert file not in found
    assert all(line.startswith(f"{file}.json: ") for line in errors), errors


def test_there_are_at_least_thirty_distinct_broken_cases() -> None:
    assert len({(case[1], case[3], case[4]) for case in CASES}) >= 30


@pytest.mark.parametrize(("content", "expected"), [
    (b'{"format": 1,\n  "id": }', "child-allowance.json: line 2, column 9: not valid JSON"),
    ('{"format": 1,\n "title": "児童"}'.encode("shift_jis"),
     "child-allowance.json: line 2, column 12: not UTF-8 text"),
    (b'{"id": "a", "id": "b"}', 'child-allowance.json: $: the key "id" appears twice'),
    (b'["not", "an object"]', "child-allowance.json: $: must be an object, not a list"),
    (b'{"x": "' + b"a" * (1024 * 1024) + b'"}', "child-allowance.json: $: the file is"),
])
def test_a_file_that_cannot_be_read_is_named_with_its_place(
        tmp_path: Path, content: bytes, expected: str) -> None:
    folder = demo_copy(tmp_path)
    (folder / "child-allowance.json").write_bytes(content)

    _, errors = read_folder(folder)

    assert len(errors) == 1 and errors[0].startswith(expected), errors


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path)
    raw = (folder / "child-allowance.json").read_bytes()
    (folder / "child-allowance.json").write_bytes(b"\xef\xbb\xbf" + raw)

    found, errors = read_folder(folder)

    assert errors == [] and "child-allowance" in found


def test_every_error_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path)
    edit(folder, "child-allowance", _set(["department"], "kids"))
    edit(folder, "child-allowance", _field(0, 3, "widget", "slider"))
    edit(folder, "resident-record-copy", _set(["fee", "methods"], ["cash"]))

    _, errors = read_folder(folder)

    assert errors == [
        'child-allowance.json: $.department: unknown department "kids"; known: '
        + ", ".join(f'"{d}"' for d in ("waste", "citizens", "children", "care", "health",
                                        "school", "notices", "points", "transit", "admin")),
        'child-allowance.json: $.layout.sections[0].fields[3].widget: unknown widget '
        '"slider"; known: "text", "textarea", "number", "date", "select", "radio", '
        '"checkbox", "tel", "email", "postal_code", "members"',
        'resident-record-copy.json: $.fee.methods[0]: unknown payment method "cash"; '
        'known: "points", "counter"',
    ]


def test_an_empty_folder_and_a_missing_one_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    assert read_folder(tmp_path / "empty")[1] == [
        f"{tmp_path / 'empty'}: no definition files (*.json) in this folder"]
    assert read_folder(tmp_path / "missing")[1] == [f"{tmp_path / 'missing'}: not a folder"]


def test_the_demo_definitions_have_no_error_and_are_all_marked_demo() -> None:
    found, errors = read_folder(DEMO_DIR)

    assert errors == []
    assert sorted(found) == DEMO_IDS
    assert all(body["demo"] is True for _, body in found.values())
    assert (DEMO_DIR.parent / "README.md").read_text("utf-8").count("made-up") >= 1


def test_key_paths_quote_names_that_are_not_plain() -> None:
    assert key_path("$.schema", "$schema") == '$.schema["$schema"]'
    assert key_path("$.a", "b_c") == "$.a.b_c"
    assert check_definition([], "x")[0].line("x.json") == "x.json: $: must be an object, not a list"


# --- the import ------------------------------------------------------------------------


def test_the_demo_folder_imports_and_is_published(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)

    report = import_folder(engine, CODE, DEMO_DIR)

    assert report.ok and report.errors == [] and report.warnings == []
    assert [(o.procedure_id, o.outcome, o.version) for o in report.outcomes] == [
        (procedure_id, ADDED, 1) for procedure_id in DEMO_IDS]
    assert stored_rows(engine) == [(procedure_id, 1) for procedure_id in DEMO_IDS]
    rows = public_rows(engine)
    assert sorted(row["key"] for row in rows) == DEMO_IDS
    child = next(row for row in rows if row["key"] == "child-allowance")
    assert child["op"] == "upsert"
    assert child["data"]["title"]["ja"] == "児童手当の認定請求"
    assert child["data"]["demo"] is True and child["data"]["imported_at"]
    assert child["data"]["imported_at"].endswith("+00:00")
    assert PROCEDURES.name == COLLECTION == "procedures"
    with Session(engine) as session:
        latest = latest_definition(session, CODE, "child-allowance")
        assert latest is not None and latest.version == 1 and latest.is_demo
        assert latest.body == load(DEMO_DIR, "child-allowance")
        assert latest.department == "children" and latest.completion == "online"
        assert [d.id for d in list_latest(session, CODE)] == DEMO_IDS
        assert latest_definition(session, CODE, "no-such") is None
        assert latest_definition(session, "999999", "child-allowance") is None


def test_an_unchanged_folder_is_skipped(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_folder(engine, CODE, DEMO_DIR)
    changes = change_count(engine)

    again = import_folder(engine, CODE, DEMO_DIR)

    assert again.ok and again.positions == []
    assert {o.outcome for o in again.outcomes} == {UNCHANGED}
    assert change_count(engine) == changes
    assert len(stored_rows(engine)) == len(DEMO_IDS)


def test_a_reformatted_file_with_the_same_content_is_unchanged(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    folder = demo_copy(tmp_path)
    import_folder(engine, CODE, folder)
    body = load(folder, "child-allowance")
    (folder / "child-allowance.json").write_text(
        json.dumps(dict(reversed(list(body.items()))), ensure_ascii=True), "utf-8")

    again = import_folder(engine, CODE, folder)

    assert [o.outcome for o in again.outcomes if o.procedure_id == "child-allowance"] == [
        UNCHANGED]


def test_a_changed_body_without_a_higher_version_is_refused(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    folder = demo_copy(tmp_path)
    import_folder(engine, CODE, folder)
    changes = change_count(engine)
    edit(folder, "resident-record-copy", _set(["fee", "amount_yen"], 350))
    edit(folder, "moving-in-notice", _set(["version"], 2))  # a good change in the same folder

    report = import_folder(engine, CODE, folder)

    assert report.errors == [
        "resident-record-copy.json: $.version: the definition changed but its version is 1; "
        "the stored one is 1: raise it to 2"]
    assert report.outcomes == []
    assert stored_rows(engine) == [(procedure_id, 1) for procedure_id in DEMO_IDS]
    assert change_count(engine) == changes
    assert "nothing imported" in report.lines()[-1]


def test_a_new_version_is_inserted_beside_the_old_and_published(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    folder = demo_copy(tmp_path)
    import_folder(engine, CODE, folder)
    before = public_rows(engine)

    def raise_fee(body: dict[str, Any]) -> None:
        body["version"] = 2
        body["fee"]["amount_yen"] = 350
    edit(folder, "resident-record-copy", raise_fee)

    report = import_folder(engine, CODE, folder)

    assert report.ok
    assert [(o.procedure_id, o.outcome, o.previous_version, o.version)
            for o in report.outcomes if o.outcome != UNCHANGED] == [
        ("resident-record-copy", UPDATED, 1, 2)]
    assert "resident-record-copy.json: updated (version 1 -> 2)" in report.lines()
    assert ("resident-record-copy", 1) in stored_rows(engine)
    assert ("resident-record-copy", 2) in stored_rows(engine)
    after = public_rows(engine)
    assert len(after) == len(before) + 1
    assert after[-1]["key"] == "resident-record-copy"
    assert after[-1]["data"]["version"] == 2 and after[-1]["data"]["fee"]["amount_yen"] == 350
    with Session(engine) as session:
        latest = latest_definition(session, CODE, "resident-record-copy")
        old = definition_version(session, CODE, "resident-record-copy", 1)
        assert latest is not None and latest.body["fee"]["amount_yen"] == 350
        assert old is not None and old.body["fee"]["amount_yen"] == 300
        assert definition_version(session, CODE, "resident-record-copy", 3) is None


def test_every_broken_case_refuses_the_whole_folder_and_stores_nothing(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_folder(engine, CODE, DEMO_DIR)
    rows, changes = stored_rows(engine), change_count(engine)
    for number, (case_id, file, change, path, _message) in enumerate(CASES):
        folder = demo_copy(tmp_path, f"case-{number}")
        edit(folder, "moving-in-notice", _set(["version"], 2))  # would be stored otherwise
        edit(folder, file, change)

        report = import_folder(engine, CODE, folder)

        assert not report.ok, case_id
        assert any(line.startswith(f"{file}.json: {path}: ") for line in report.errors), case_id
        assert report.outcomes == [] and report.positions == [], case_id
        assert stored_rows(engine) == rows, case_id
        assert change_count(engine) == changes, case_id


def test_a_removed_city_definition_stays_published_with_a_warning(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    folder = demo_copy(tmp_path)
    for procedure_id in DEMO_IDS:
        edit(folder, procedure_id, _set(["demo"], False))
    import_folder(engine, CODE, folder)
    (folder / "moving-in-notice.json").unlink()

    report = import_folder(engine, CODE, folder)

    assert report.ok and report.withdrawn == []
    assert report.warnings == [
        "moving-in-notice.json: warning: not in the folder; version 1 is still published "
        "(definitions are never deleted)"]
    with Session(engine) as session:
        assert latest_definition(session, CODE, "moving-in-notice") is not None


def test_the_city_folder_withdraws_the_demo_definitions_it_does_not_have(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    import_folder(engine, CODE, DEMO_DIR)
    city = tmp_path / "city"
    city.mkdir()
    body = load(DEMO_DIR, "resident-record-copy")
    body.update(demo=False, version=2)
    save(city, "resident-record-copy", body)

    report = import_folder(engine, CODE, city)

    assert report.ok
    assert report.withdrawn == [i for i in DEMO_IDS if i != "resident-record-copy"]
    assert ("child-allowance.json: withdrawn (a demo definition the folder does not have)"
            in report.lines())
    tombstones = [row for row in public_rows(engine) if row["op"] == "delete"]
    assert sorted(row["key"] for row in tombstones) == report.withdrawn
    with Session(engine) as session:
        assert [d.id for d in list_latest(session, CODE)] == ["resident-record-copy"]
        assert latest_definition(session, CODE, "child-allowance") is None
        kept = definition_version(session, CODE, "child-allowance", 1)
        assert kept is not None and kept.withdrawn_at is not None

    again = import_folder(engine, CODE, city)  # nothing more to withdraw
    assert again.withdrawn == [] and again.positions == []

    back = import_folder(engine, CODE, DEMO_DIR)  # the demo again: the withdrawn come back
    assert back.errors == [
        "resident-record-copy.json: $.version: the definition changed but its version is 1; "
        "the stored one is 2: raise it to 3"]
    save(city, "child-allowance", load(DEMO_DIR, "child-allowance"))
    restored = import_folder(engine, CODE, city)
    assert [(o.procedure_id, o.outcome) for o in restored.outcomes] == [
        ("child-allowance", RESTORED), ("resident-record-copy", UNCHANGED)]
    assert public_rows(engine)[-1]["key"] == "child-allowance"
    assert public_rows(engine)[-1]["op"] == "upsert"
    with Session(engine) as session:
        assert latest_definition(session, CODE, "child-allowance") is not None


def test_a_check_stores_nothing_but_reports_what_an_import_would_do(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)

    report = import_folder(engine, CODE, DEMO_DIR, check_only=True)

    assert report.ok and report.count(ADDED) == len(DEMO_IDS)
    assert report.lines()[-1] == "check only, nothing stored: would be 6 added"
    assert stored_rows(engine) == [] and change_count(engine) == 0


def test_two_imports_at_once_store_each_version_once(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    reports: list[Any] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        reports.append(import_folder(engine, CODE, DEMO_DIR))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(report.ok for report in reports)
    assert sorted(report.count(ADDED) for report in reports) == [0, len(DEMO_IDS)]
    assert stored_rows(engine) == [(procedure_id, 1) for procedure_id in DEMO_IDS]
    assert len(public_rows(engine)) == len(DEMO_IDS)


# --- start-up, settings, the command -----------------------------------------------------


def test_start_up_loads_the_demo_or_the_city_folder_and_is_idempotent(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    off = Settings(database_url=database_url, load_demo_data=False)
    demo = Settings(database_url=database_url, load_demo_data=True)

    assert load_procedures(engine, off) is None
    assert stored_rows(engine) == []
    first = load_procedures(engine, demo)
    second = load_procedures(engine, demo)

    assert first is not None and first.count(ADDED) == len(DEMO_IDS)
    assert second is not None and second.count(UNCHANGED) == len(DEMO_IDS)
    city = demo_copy(tmp_path)
    edit(city, "child-allowance", _set(["version"], 2))
    edit(city, "child-allowance", _set(["demo"], False))
    configured = Settings(database_url=database_url, load_demo_data=True,
                          tiles={"procedures": ProceduresSettings(definitions_dir=city)})
    third = load_procedures(engine, configured)
    assert third is not None and third.count(UPDATED) == 1


def test_start_up_with_a_broken_folder_logs_and_changes_nothing(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    engine = engine_for(database_url, make_test_engine)
    city = demo_copy(tmp_path)
    edit(city, "child-allowance", _set(["department"], "kids"))
    settings = Settings(database_url=database_url,
                        tiles={"procedures": ProceduresSettings(definitions_dir=city)})

    report = load_procedures(engine, settings)

    assert report is not None and not report.ok
    assert stored_rows(engine) == []
    assert any('child-allowance.json: $.department: unknown department "kids"' in r.message
               for r in caplog.records)


def test_the_settings_read_the_folder_variable(tmp_path: Path) -> None:
    assert ProceduresSettings.from_env({}) == ProceduresSettings()
    assert ProceduresSettings.from_env({DIR_VARIABLE: str(tmp_path)}).definitions_dir == tmp_path
    with pytest.raises(ValueError, match=DIR_VARIABLE):
        ProceduresSettings.from_env({DIR_VARIABLE: str(tmp_path / "missing")})


def test_the_command_imports_checks_and_reports_errors(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv(DIR_VARIABLE, raising=False)
    folder = demo_copy(tmp_path)
    engine = engine_for(database_url, make_test_engine)

    assert cli.main([str(folder), "--check"]) == 0
    checked = capsys.readouterr().out
    assert "child-allowance.json: added (version 1)" in checked
    assert stored_rows(engine) == []

    assert cli.main([str(folder)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "imported: 6 added"
    assert len(stored_rows(engine)) == len(DEMO_IDS)

    edit(folder, "child-allowance", _field(0, 5, "show_if", {"field": "x", "equals": True}))
    assert cli.main([str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ('child-allowance.json: $.layout.sections[0].fields[5].show_if.field: '
                      'no field "x" before this one')
    assert err[-1].startswith("1 error(s): nothing imported")
    assert cli.COMMAND == "import-procedures"
