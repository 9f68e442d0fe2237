"""The form engine: visibility, cleaning, validation and coercion of a procedure's data.

The hidden-field rule (docs/procedures.md §1): a field whose `show_if` does not hold on the
data (or whose controlling field is itself hidden) is hidden: its value is dropped and it is
not required even if the schema's `required` lists it. `show_if` only names earlier fields,
so one pass in layout order decides every field.

Validation is `fastjsonschema`, like the server: each property's schema is compiled once (on
first use, cached per procedure id and version for the whole process), and `validate` checks
every visible field and returns every error at once, one per field. A required field is
missing when it has no value, `null`, or a text of spaces only.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Collection, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import fastjsonschema

from app.features.procedures.forms.definition import FieldSpec, ProcedureDefinition, text_in
from app.features.procedures.forms.errors import FieldError

Validator = Callable[[Any], Any]

# (procedure id, version) -> field name -> (its schema, compiled validator); filled lazily.
_COMPILED: dict[tuple[str, int], dict[str, tuple[Mapping[str, Any], Validator]]] = {}
_COMPILED_LOCK = threading.Lock()

_RULE_CODES = {
    "type": "type", "minLength": "min_length", "maxLength": "max_length",
    "pattern": "pattern", "minimum": "minimum", "exclusiveMinimum": "minimum",
    "maximum": "maximum", "exclusiveMaximum": "maximum", "enum": "enum", "const": "enum",
    "format": "format", "required": "required", "minItems": "min_items",
    "maxItems": "max_items",
}
_EXAMPLES = {"postal_code": "708-8501", "tel": "0868-32-2111", "email": "taro@example.jp",
             "date": "2026-04-01"}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DASHES = str.maketrans({"ー": "-", "‐": "-", "−": "-", "―": "-", "–": "-", "—": "-"})
_TRUE = frozenset({"true", "1", "yes", "on", "はい"})
_FALSE = frozenset({"false", "0", "no", "off", "いいえ"})


def clear_compiled() -> None:
    """Forget every compiled validator (the benchmark times a first compile with it)."""
    with _COMPILED_LOCK:
        _COMPILED.clear()


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class FormEngine:
    """The rules of one procedure's form; `language` is the language of error labels."""

    def __init__(self, definition: ProcedureDefinition, language: str = "ja") -> None:
        self.definition = definition
        self.language = language
        self._fields = {f.name: f for f in definition.fields}
        with _COMPILED_LOCK:
            self._validators = _COMPILED.setdefault((definition.id, definition.version), {})

    # --- visibility and cleaning -------------------------------------------------------
    def visible_fields(self, data: Mapping[str, Any]) -> list[FieldSpec]:
        """The fields shown for `data`, in layout order."""
        shown: set[str] = set()
        visible = []
        for spec in self.definition.fields:
            rule = spec.show_if
            if rule is not None and (rule.field not in shown or not rule.holds_on(data)):
                continue
            shown.add(spec.name)
            visible.append(spec)
        return visible

    def clean(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The data to save or send: hidden and unknown fields dropped, and `null`s and the
        empty texts of optional fields removed."""
        cleaned: dict[str, Any] = {}
        for spec in self.visible_fields(data):
            if spec.name not in data:
                continue
            value = data[spec.name]
            if value is None or (not spec.required and isinstance(value, str)
                                 and not value.strip()):
                continue
            cleaned[spec.name] = value
        return cleaned

    # --- validation --------------------------------------------------------------------
    def validate(self, data: Mapping[str, Any],
                 unverified: Collection[str] = frozenset()) -> dict[str, FieldError]:
        """Every error of the visible fields at once, by field name (empty: valid).

        `unverified`: the locked fields the profile has no value for
        (`PrefillResult.missing`); required and empty, they are `prefill_missing`, as the
        server says."""
        errors: dict[str, FieldError] = {}
        for spec in self.visible_fields(data):
            value = data.get(spec.name)
            if spec.name in unverified and spec.required and is_empty(value):
                errors[spec.name] = self._error(
                    spec, "prefill_missing",
                    "{label} comes from your My Number card record, which does not have "
                    "it. Please ask at the counter.")
                continue
            error = self._check(spec, value)
            if error is not None:
                errors[spec.name] = error
        return errors

    def validate_field(self, name: str, value: Any) -> FieldError | None:
        """One field's check as the resident types or leaves it (visibility not applied)."""
        return self._check(self._fields[name], value)

    def _check(self, spec: FieldSpec, value: Any) -> FieldError | None:
        if is_empty(value):
            if spec.required:
                return self._error(spec, "required", _required_message(spec))
            return None
        try:
            self._validator(spec)(value)
        except fastjsonschema.JsonSchemaValueException as exc:
            return self._schema_error(spec, exc)
        return None

    def _validator(self, spec: FieldSpec) -> Validator:
        cached = self._validators.get(spec.name)
        # A changed body needs a higher version (docs/procedures.md §1); a row that broke
        # the rule still gets its own schema checked, never another body's.
        if cached is not None and cached[0] == spec.schema:
            return cached[1]
        draft = self.definition.schema.get("$schema")
        schema = {"$schema": draft, **spec.schema} if isinstance(draft, str) else dict(spec.schema)
        # use_default=False: validating never writes a schema's defaults into the data.
        validator: Validator = fastjsonschema.compile(schema, use_default=False)
        with _COMPILED_LOCK:
            self._validators[spec.name] = (spec.schema, validator)
        return validator

    def _schema_error(self, spec: FieldSpec,
                      exc: fastjsonschema.JsonSchemaValueException) -> FieldError:
        code = _RULE_CODES.get(str(exc.rule), "invalid")
        path = list(exc.path or [])[1:]  # without the leading "data"
        if spec.widget == "members" and path and str(path[0]).isdigit():
            column = str(path[1]) if len(path) > 1 else ""
            if code == "required" and isinstance(exc.rule_definition, list):
                column = ", ".join(str(c) for c in exc.rule_definition)
            return self._error(spec, code, "Check row {row} of {label}.",
                               row=int(path[0]) + 1, column=column)
        limit = exc.rule_definition
        if code == "pattern":
            custom = spec.schema.get("x-error")
            if isinstance(custom, Mapping) and custom:
                texts = {str(k): str(v) for k, v in custom.items() if isinstance(v, str)}
                return FieldError(spec.name, code, "Use the format shown: {example}.",
                                  self._params(spec, example=_example(spec)), texts or None)
            example = _example(spec)
            if not example:
                return self._error(spec, code, "{label} is not in the right format.")
            return self._error(spec, code, "Use the format shown: {example}.", example=example)
        if code == "format":
            if limit == "date":
                return self._error(spec, code, "Enter {label} as a date like {example}.",
                                   example=_EXAMPLES["date"])
            if limit == "email":
                return self._error(spec, code, "Enter an email address for {label}.")
            return self._error(spec, code, "{label} is not in the right format.")
        if code == "type":
            if spec.json_type in ("integer", "number"):
                return self._error(spec, code, "Enter {label} as a number.")
            return self._error(spec, code, "{label} is not valid.")
        if code == "min_length":
            return self._error(spec, code, "{label} must be at least {min} characters.",
                               min=limit)
        if code == "max_length":
            return self._error(spec, code, "{label} must be at most {max} characters.",
                               max=limit)
        if code == "minimum":
            return self._error(spec, code, "{label} must be at least {min}.",
                               min=_bound(limit, str(exc.rule), +1))
        if code == "maximum":
            return self._error(spec, code, "{label} must be at most {max}.",
                               max=_bound(limit, str(exc.rule), -1))
        if code == "enum":
            return self._error(spec, code, "Choose one of the options for {label}.")
        if code == "min_items":
            return self._error(spec, code, "Add at least {min} to {label}.", min=limit)
        if code == "max_items":
            return self._error(spec, code, "{label} can have at most {max}.", max=limit)
        return self._error(spec, code, "{label} is not valid.")

    def _error(self, spec: FieldSpec, code: str, message: str, **params: Any) -> FieldError:
        return FieldError(spec.name, code, message, self._params(spec, **params))

    def _params(self, spec: FieldSpec, **params: Any) -> dict[str, Any]:
        return {"label": text_in(spec.label, self.language), **params}

    # --- input ---------------------------------------------------------------------------
    def coerce(self, field: FieldSpec | str, text: Any) -> Any:
        """A text input turned into the field's schema type: integers from full-width digits
        too (０１２ → 12), numbers, booleans, dates as YYYY-MM-DD (2026/4/1, 2026年4月1日),
        full-width digits and dashes of a phone number or postal code made half-width. An
        empty input is None; an input that cannot be turned stays as typed, so that
        validation says what is wrong with it."""
        spec = self._fields[field] if isinstance(field, str) else field
        if not isinstance(text, str):
            return text
        if not text.strip():
            return None
        kind = spec.json_type
        normal = unicodedata.normalize("NFKC", text).strip()
        if kind in ("integer", "number"):
            digits = normal.replace(",", "").replace(" ", "").translate(_DASHES)
            try:
                return int(digits) if kind == "integer" else _number(digits)
            except ValueError:
                return text
        if kind == "boolean":
            lowered = normal.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            return text
        if spec.schema.get("format") == "date" or spec.widget == "date":
            return normalize_date(text)
        if spec.widget in ("tel", "postal_code"):
            return normal.translate(_DASHES).replace(" ", "")
        if spec.widget == "email":
            return normal
        return _fitting(spec, text.strip(), normal)

    def progress(self, data: Mapping[str, Any]) -> tuple[int, int]:
        """(required fields filled, required fields) among the visible ones."""
        required = [f for f in self.visible_fields(data) if f.required]
        filled = sum(1 for f in required if not is_empty(data.get(f.name)))
        return filled, len(required)


def _fitting(spec: FieldSpec, typed: str, normal: str) -> str:
    """The text as typed, or its NFKC form (full-width digits and letters made half-width,
    half-width katakana full-width) when only that matches the field's pattern: an account
    number typed 「１２３４５６７」 is sent as 1234567, a name is never changed otherwise."""
    pattern = spec.schema.get("pattern")
    if not isinstance(pattern, str) or normal == typed:
        return typed
    regex = _regex(pattern)
    if regex is not None and not regex.search(typed) and regex.search(normal):
        return normal
    return typed


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _required_message(spec: FieldSpec) -> str:
    if spec.widget in ("select", "radio"):
        return "Choose {label}."
    if spec.widget == "checkbox":
        return "Check {label}."
    if spec.widget == "members":
        return "Add {label}."
    return "Enter {label}."


def _example(spec: FieldSpec) -> str:
    examples = spec.schema.get("examples")
    if isinstance(examples, list) and examples:
        return str(examples[0])
    return _EXAMPLES.get(spec.widget, "")


def _bound(limit: Any, rule: str, step: int) -> Any:
    """The smallest (largest) allowed integer for an exclusive bound."""
    if rule.startswith("exclusive") and isinstance(limit, int):
        return limit + step
    return limit


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text and "e" not in text else value


def normalize_date(text: str) -> str:
    """YYYY-MM-DD from 2026/4/1, 2026年4月1日 or full-width digits; the text (stripped)
    when it is no date."""
    normal = unicodedata.normalize("NFKC", text).strip()
    return _date_text(normal) or text.strip()


def _date_text(text: str) -> str | None:
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None
