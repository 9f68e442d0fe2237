"""The server's check of a submitted form (docs/procedures.md §1), called by the submit
handler before anything is stored.

`check_submission(definition, data, applicant=, subject=, minor_children=)` does, in order:

1. refuses keys the form does not have (`unknown_field`), and data over 64 KiB; a `null`
   or a text of spaces only is no answer (dropped; `required` when the field is), as on
   the device;
2. replaces every pre-filled field with `"editable": false` by the verified value
   (`prefill_values`): the staff see the truth, whatever the device sent;
3. drops hidden fields: a field whose `show_if` does not hold on the data cleaned so far,
   taken in layout order (a `show_if` may only name an earlier field, so one pass is enough);
   a hidden field is not required even when the schema's `required` lists it;
4. checks every visible field with its own compiled property schema (`fastjsonschema`, the
   library the device uses too) and every missing required one, so that ALL errors come back
   at once, then the whole document against the schema with `required` reduced to the
   visible fields as a final guard;
5. computes the fee: `amount_yen × data[per_field]` (or × 1).

The device applies the same `show_if` rule with its own copy of this code; both follow the
contract. The definition is the parsed JSON of an imported (hence well-formed) definition.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import fastjsonschema

from backend.tiles.procedures.definitions.vocabulary import (
    APPLICANT_ADDRESS,
    APPLICANT_BIRTHDATE,
    APPLICANT_NAME,
    MAX_DATA_BYTES,
    MINOR_CHILDREN,
    SUBJECT_ADDRESS,
    SUBJECT_BIRTHDATE,
    SUBJECT_NAME,
)

Validator = Callable[[Any], Any]

# Error codes (FieldError.code).
REQUIRED = "required"
PREFILL_MISSING = "prefill_missing"
UNKNOWN_FIELD = "unknown_field"
TOO_LARGE = "too_large"
TYPE = "type"
MIN_LENGTH = "min_length"
MAX_LENGTH = "max_length"
PATTERN = "pattern"
MINIMUM = "minimum"
MAXIMUM = "maximum"
ENUM = "enum"
FORMAT = "format"
MIN_ITEMS = "min_items"
MAX_ITEMS = "max_items"
INVALID = "invalid"


@dataclass(frozen=True)
class PrefillPerson:
    """The verified facts of a person (from the My Number card login): None when unknown."""

    name: str | None
    address: str | None
    birthdate: str | None  # ISO date, YYYY-MM-DD


@dataclass(frozen=True)
class FieldError:
    field: str  # a schema property, or "" for the whole form
    code: str
    message_ja: str
    message_en: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message_ja": self.message_ja,
                "message_en": self.message_en}


@dataclass(frozen=True)
class CheckedForm:
    data: dict[str, Any]  # visible fields only, pre-filled ones replaced
    errors: tuple[FieldError, ...]
    fee_total_yen: int | None  # None: the procedure has no fee
    hidden: tuple[str, ...] = field(default=())  # fields dropped by their show_if

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_details(self) -> list[dict[str, str]]:
        """The errors as the refusal's JSON detail lists them (docs/procedures.md §3)."""
        return [error.as_json() for error in self.errors]


# --- the layout and show_if ------------------------------------------------------------


def layout_fields(definition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The layout's field entries in the order the form shows them."""
    return [entry for section in definition["layout"]["sections"]
            for entry in section["fields"]]


def _same(a: Any, b: Any) -> bool:
    """JSON equality: `true` is not `1`."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def show_if_holds(show_if: Mapping[str, Any] | None, data: Mapping[str, Any]) -> bool:
    """Whether a field with this `show_if` is shown for `data`: no condition, or the named
    field's value equals `equals`, or is one of `in`. An absent value never matches."""
    if show_if is None:
        return True
    name = show_if["field"]
    if name not in data:
        return False
    value = data[name]
    if "equals" in show_if:
        return _same(value, show_if["equals"])
    return any(_same(value, option) for option in show_if["in"])


def visible_data(definition: Mapping[str, Any], data: Mapping[str, Any]
                 ) -> tuple[dict[str, Any], list[str], list[str]]:
    """(the data without hidden fields, the visible field names, the hidden ones), in layout
    order; each `show_if` is evaluated on the data already cleaned of earlier hidden fields."""
    cleaned = dict(data)
    visible: list[str] = []
    hidden: list[str] = []
    for entry in layout_fields(definition):
        name = entry["field"]
        if show_if_holds(entry.get("show_if"), cleaned):
            visible.append(name)
        else:
            hidden.append(name)
            cleaned.pop(name, None)
    return cleaned, visible, hidden


# --- pre-fill --------------------------------------------------------------------------


def _children(minor_children: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": child.get("name"), "birthdate": child.get("birthdate")}
            for child in minor_children]


def _source_value(source: str, applicant: PrefillPerson, subject: PrefillPerson,
                  minor_children: Sequence[Mapping[str, Any]]) -> Any:
    values: dict[str, Any] = {
        APPLICANT_NAME: applicant.name,
        APPLICANT_ADDRESS: applicant.address,
        APPLICANT_BIRTHDATE: applicant.birthdate,
        SUBJECT_NAME: subject.name,
        SUBJECT_ADDRESS: subject.address,
        SUBJECT_BIRTHDATE: subject.birthdate,
        MINOR_CHILDREN: _children(minor_children),
    }
    return values[source]


def prefill_values(definition: Mapping[str, Any], applicant: PrefillPerson,
                   subject: PrefillPerson, minor_children: Sequence[Mapping[str, Any]]
                   ) -> dict[str, Any]:
    """Field -> verified value for every field with a `prefill` whose value is known. The
    subject is the person the form is for (the applicant themselves for "self");
    `minor_children` are `{"name", "birthdate"}` objects of the household's minor children."""
    values: dict[str, Any] = {}
    for entry in layout_fields(definition):
        source = entry.get("prefill")
        if source is None:
            continue
        value = _source_value(source, applicant, subject, minor_children)
        if value is not None:
            values[entry["field"]] = value
    return values


# --- compiled validators -----------------------------------------------------------------


@dataclass(frozen=True)
class _Validators:
    properties: dict[str, Validator]


def _compile(schema: Mapping[str, Any]) -> Validator:
    compiled: Validator = fastjsonschema.compile(dict(schema), use_default=False)
    return compiled


@lru_cache(maxsize=64)
def _property_validators(procedure_id: str, version: int, schema_text: str) -> _Validators:
    """One validator per property of the schema, cached per definition version (the text is
    part of the key so that two bodies of the same id and version can never share one)."""
    schema = json.loads(schema_text)
    draft = {"$schema": schema["$schema"]} if "$schema" in schema else {}
    return _Validators({name: _compile({**draft, **prop})
                        for name, prop in schema.get("properties", {}).items()})


@lru_cache(maxsize=256)
def _document_validator(procedure_id: str, version: int, schema_text: str,
                        required: tuple[str, ...]) -> Validator:
    """The whole schema with `required` reduced to the visible fields."""
    schema = json.loads(schema_text)
    return _compile({**schema, "required": list(required)})


def _schema_text(definition: Mapping[str, Any]) -> str:
    return json.dumps(definition["schema"], sort_keys=True, ensure_ascii=False)


# --- messages --------------------------------------------------------------------------

_TYPE_NAMES = {
    "string": ("文字", "text"), "integer": ("整数", "a whole number"),
    "number": ("数値", "a number"), "boolean": ("はい・いいえ", "yes or no"),
    "array": ("一覧", "a list"), "object": ("項目のまとまり", "a group of fields"),
}
_CODES = {
    "type": TYPE, "minLength": MIN_LENGTH, "maxLength": MAX_LENGTH, "pattern": PATTERN,
    "minimum": MINIMUM, "exclusiveMinimum": MINIMUM, "maximum": MAXIMUM,
    "exclusiveMaximum": MAXIMUM, "enum": ENUM, "const": ENUM, "format": FORMAT,
    "minItems": MIN_ITEMS, "maxItems": MAX_ITEMS, "required": REQUIRED,
}


def _type_message(expected: Any) -> tuple[str, str]:
    names = expected if isinstance(expected, list) else [expected]
    ja = "・".join(_TYPE_NAMES.get(str(n), (str(n), str(n)))[0] for n in names)
    en = " or ".join(_TYPE_NAMES.get(str(n), (str(n), str(n)))[1] for n in names)
    return f"{ja}で入力してください。", f"Enter {en}."


def _rule_message(rule: str, limit: Any) -> tuple[str, str]:
    if rule == "type":
        return _type_message(limit)
    messages: dict[str, tuple[str, str]] = {
        "minLength": (f"{limit}文字以上で入力してください。",
                      f"Enter at least {limit} characters."),
        "maxLength": (f"{limit}文字以内で入力してください。",
                      f"Enter at most {limit} characters."),
        "pattern": ("入力の形式が正しくありません。", "The value is not in the expected form."),
        "minimum": (f"{limit}以上にしてください。", f"Enter {limit} or more."),
        "exclusiveMinimum": (f"{limit}より大きくしてください。", f"Enter more than {limit}."),
        "maximum": (f"{limit}以下にしてください。", f"Enter {limit} or less."),
        "exclusiveMaximum": (f"{limit}より小さくしてください。", f"Enter less than {limit}."),
        "enum": ("選択肢から選んでください。", "Choose one of the options."),
        "const": ("選択肢から選んでください。", "Choose one of the options."),
        "minItems": (f"{limit}件以上入力してください。", f"Add at least {limit}."),
        "maxItems": (f"{limit}件以内にしてください。", f"Add at most {limit}."),
        "required": ("必要な項目が入力されていません。", "A required item is missing."),
    }
    if rule == "format":
        if limit == "date":
            return ("日付を YYYY-MM-DD の形で入力してください。",
                    "Enter a date as YYYY-MM-DD.")
        if limit == "email":
            return ("メールアドレスの形式で入力してください。", "Enter an email address.")
    return messages.get(rule, ("入力内容が正しくありません。", "The value is not valid."))


def _error_from(exc: fastjsonschema.JsonSchemaValueException, name: str | None = None,
                custom: Any = None) -> FieldError:
    """A FieldError from the first schema violation: in the value of field `name`, or (None)
    in the whole document, the field then taken from the violation's path. A violation
    inside a list entry ("members") names the entry: "2件目: ..."."""
    rule = exc.rule or ""
    ja, en = _rule_message(rule, exc.rule_definition)
    if rule == "pattern" and isinstance(custom, dict) and custom.get("ja") and custom.get("en"):
        ja, en = str(custom["ja"]), str(custom["en"])  # the definition's own words
    inner = [str(part) for part in (exc.path or [])[1:]]
    if name is None:
        name = inner[0] if inner else ""
        inner = inner[1:]
    if name and inner and str(inner[0]).isdigit():  # the library names indexes as text
        entry = int(inner[0]) + 1
        ja, en = f"{entry}件目: {ja}", f"Entry {entry}: {en}"
    return FieldError(name, _CODES.get(rule, INVALID), ja, en)


def _error(name: str, code: str) -> FieldError:
    messages = {
        REQUIRED: ("入力してください。", "This field is required."),
        PREFILL_MISSING: ("マイナンバーカードの情報がないため、この項目は入力できません。"
                          "窓口にご相談ください。",
                          "This field needs the My Number card record, which is missing. "
                          "Please ask at the counter."),
        UNKNOWN_FIELD: ("この項目はこの手続きの様式にありません。",
                        "This field is not part of the form."),
        TOO_LARGE: ("入力内容が大きすぎます。", "The form data is too large."),
        TYPE: ("入力内容は項目のまとまりで送ってください。", "The form data must be an object."),
    }
    ja, en = messages[code]
    return FieldError(name, code, ja, en)


# --- the check -------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fee_total(definition: Mapping[str, Any], data: Mapping[str, Any]) -> int | None:
    """`amount_yen × data[per_field]` (× 1 without a per_field or its value); None: no fee."""
    fee = definition.get("fee")
    if not fee:
        return None
    amount = int(fee["amount_yen"])
    per_field = fee.get("per_field")
    count = data.get(per_field) if per_field else None
    if isinstance(count, bool) or not isinstance(count, int | float) or count != int(count):
        return amount
    return amount * int(count)


def _override_prefilled(definition: Mapping[str, Any], data: dict[str, Any],
                        verified: Mapping[str, Any]) -> set[str]:
    """Put the verified value in every non-editable pre-filled field (in place); the names
    of those without a verified value (their sent value is dropped)."""
    missing: set[str] = set()
    for entry in layout_fields(definition):
        if entry.get("prefill") is None or entry.get("editable", True):
            continue
        name = entry["field"]
        if name in verified:
            data[name] = verified[name]
        else:
            data.pop(name, None)
            missing.add(name)
    return missing


def check_submission(definition: Mapping[str, Any], data: Any, *, applicant: PrefillPerson,
                     subject: PrefillPerson, minor_children: Sequence[Mapping[str, Any]]
                     ) -> CheckedForm:
    """Clean and check `data` against `definition` (see the module docstring)."""
    if not isinstance(data, dict):
        return CheckedForm({}, (_error("", TYPE),), fee_total(definition, {}))
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(encoded.encode("utf-8")) > MAX_DATA_BYTES:
        return CheckedForm({}, (_error("", TOO_LARGE),), fee_total(definition, {}))
    schema: Mapping[str, Any] = definition["schema"]
    properties: Mapping[str, Any] = schema.get("properties", {})
    errors = [_error(name, UNKNOWN_FIELD) for name in data if name not in properties]
    known = {name: value for name, value in data.items()
             if name in properties and value is not None}
    verified = prefill_values(definition, applicant, subject, minor_children)
    unverified = _override_prefilled(definition, known, verified)
    cleaned, visible, hidden = visible_data(definition, known)

    key = (str(definition["id"]), int(definition["version"]), _schema_text(definition))
    validators = _property_validators(*key)
    required = set(schema.get("required", []))
    for name in visible:
        if _is_empty(cleaned.get(name)):
            cleaned.pop(name, None)  # as the device: an empty text is no answer
            if name in required:
                errors.append(_error(name, PREFILL_MISSING if name in unverified
                                     else REQUIRED))
            continue
        try:
            validators.properties[name](cleaned[name])
        except fastjsonschema.JsonSchemaValueException as exc:
            errors.append(_error_from(exc, name, properties[name].get("x-error")))
    if not errors:
        document_required = tuple(name for name in visible if name in required)
        try:
            _document_validator(*key, document_required)(cleaned)
        except fastjsonschema.JsonSchemaValueException as exc:
            errors.append(_error_from(exc))
    ordered = {name: cleaned[name] for name in visible if name in cleaned}
    return CheckedForm(ordered, tuple(errors), fee_total(definition, ordered), tuple(hidden))
