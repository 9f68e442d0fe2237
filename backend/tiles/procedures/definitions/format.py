"""The check of one procedure definition (docs/procedures.md §1,
docs/procedure-definitions.md): every error, each with the JSON path it is at.

`check_definition(body, stem)` takes the parsed JSON of one file and returns every
`FormatError(path, message)`, e.g. `$.layout.sections[1].fields[0].show_if.field: no field
"x" before this one`. Unknown keys are errors, so that a typo never passes silently. An
empty list means the definition may be imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import fastjsonschema

from backend.identity.staff_departments import DEPARTMENTS_BY_ID
from backend.tiles.procedures.definitions.vocabulary import (
    ATTACHMENT_TYPES,
    COMPLETIONS,
    DRAFT_07,
    FEE_METHODS,
    FIELD_PATTERN,
    FOR_WHOM,
    FORMAT,
    FORMATS,
    HOUSEHOLD_RULES,
    ID_PATTERN,
    LIFE_EVENTS,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_FIELDS,
    MAX_TEXT,
    MAX_TITLE,
    MINOR_CHILDREN,
    PREFILL_SOURCES,
    PROPERTY_KEYWORDS,
    PROPERTY_TYPES,
    RESIDENCY,
    SCHEMA_KEYWORDS,
    STATUSES,
    STRING_WIDGETS,
    WIDGETS,
)

_ID = re.compile(ID_PATTERN)
_FIELD = re.compile(FIELD_PATTERN)
_ROUTE = re.compile(r"/[a-z0-9/_-]{0,99}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

TOP_REQUIRED = ("format", "id", "version", "title", "summary", "department", "eligibility",
                "for_whom", "completion", "statuses", "schema", "layout")
TOP_OPTIONAL = ("demo", "keywords", "life_events", "link", "fee", "attachments", "pdf")
MAX_KEYWORDS = 50
MAX_AMOUNT_YEN = 1_000_000
MAX_ROUTE = 100
NAME_SOURCES = ("applicant.name", "applicant.address", "subject.name", "subject.address")
DATE_SOURCES = ("applicant.birthdate", "subject.birthdate")
# What each completion needs among its statuses.
STATUSES_NEEDED = {"online": ("received", "completed"), "counter": ("counter", "completed")}


@dataclass(frozen=True)
class FormatError:
    path: str  # JSON path, "$" for the whole definition
    message: str

    def line(self, file: str) -> str:
        return f"{file}: {self.path}: {self.message}"


def key_path(path: str, key: str) -> str:
    """`$.a` + `b` -> `$.a.b`; a key that is not a plain name is quoted: `$.a["b c"]`."""
    if _NAME.fullmatch(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{path}["{escaped}"]'


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Collects the errors of one definition."""

    def __init__(self) -> None:
        self.errors: list[FormatError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(FormatError(path, message))

    # --- shapes -------------------------------------------------------------------

    def object(self, value: Any, path: str, required: Iterable[str],
               optional: Iterable[str] = ()) -> dict[str, Any] | None:
        """`value` as an object with these keys (missing and unknown ones reported)."""
        if not isinstance(value, dict):
            self.error(path, f"must be an object, not {_kind(value)}")
            return None
        required = tuple(required)
        allowed = set(required) | set(optional)
        for key in required:
            if key not in value:
                self.error(path, f'missing key "{key}"')
        for key in value:
            if key not in allowed:
                self.error(key_path(path, key),
                           f'unknown key (allowed here: {_quoted(sorted(allowed))})')
        return value

    def text(self, value: Any, path: str, limit: int = MAX_TEXT) -> bool:
        """A one-line or longer text: a non-empty string of at most `limit` characters."""
        if not isinstance(value, str):
            self.error(path, f"must be text, not {_kind(value)}")
            return False
        if not value.strip():
            self.error(path, "must not be empty")
            return False
        if len(value) > limit:
            self.error(path, f"is {len(value)} characters long, at most {limit}")
            return False
        return True

    def translated(self, value: Any, path: str, limit: int = MAX_TEXT) -> None:
        """A text in Japanese and English: {"ja": ..., "en": ...}."""
        found = self.object(value, path, ("ja", "en"))
        if found is None:
            return
        for language in ("ja", "en"):
            if language in found:
                self.text(found[language], f"{path}.{language}", limit)

    def integer(self, value: Any, path: str, low: int, high: int) -> bool:
        if not _is_int(value):
            self.error(path, f"must be an integer, not {_kind(value)}")
            return False
        if not low <= value <= high:
            self.error(path, f"must be {low} to {high}, not {value}")
            return False
        return True

    def choice(self, value: Any, path: str, allowed: Iterable[str], what: str) -> bool:
        allowed = tuple(allowed)
        if not isinstance(value, str) or value not in allowed:
            shown = f'"{value}"' if isinstance(value, str) else _kind(value)
            self.error(path, f"unknown {what} {shown}; known: {_quoted(allowed)}")
            return False
        return True

    def choices(self, value: Any, path: str, allowed: Iterable[str], what: str, *,
                at_least: int = 0) -> list[str]:
        """A list of distinct choices; the valid ones."""
        if not isinstance(value, list):
            self.error(path, f"must be a list, not {_kind(value)}")
            return []
        if len(value) < at_least:
            self.error(path, f"must list at least {at_least}")
        found: list[str] = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if self.choice(item, item_path, allowed, what):
                if item in found:
                    self.error(item_path, f'"{item}" is listed twice')
                else:
                    found.append(item)
        return found


def check_definition(body: Any, stem: str | None = None) -> list[FormatError]:
    """Every error of the definition `body` (the parsed JSON of the file `stem`.json)."""
    checker = _Checker()
    top = checker.object(body, "$", TOP_REQUIRED, TOP_OPTIONAL)
    if top is None:
        return checker.errors
    _check_head(checker, top, stem)
    completion = top.get("completion")
    properties = _check_schema(checker, top.get("schema"))
    _check_layout(checker, top.get("layout"), properties)
    _check_fee(checker, top.get("fee"), properties, completion)
    _check_attachments(checker, top.get("attachments", []), completion)
    _check_completion(checker, top, completion, properties)
    return checker.errors


# --- the head: who, what, for whom ---------------------------------------------------


def _check_head(checker: _Checker, top: dict[str, Any], stem: str | None) -> None:
    if "format" in top and (not _is_int(top["format"]) or top["format"] != FORMAT):
        checker.error("$.format", f"must be {FORMAT} (this format), not {top['format']!r}")
    if "id" in top:
        value = top["id"]
        if not isinstance(value, str) or not _ID.fullmatch(value):
            checker.error("$.id", "must be 1 to 64 lowercase letters, digits and '-'")
        elif stem is not None and value != stem:
            checker.error("$.id", f'"{value}" is not the file name "{stem}.json"')
    if "version" in top:
        checker.integer(top["version"], "$.version", 1, 2**31 - 1)
    if "demo" in top and not isinstance(top["demo"], bool):
        checker.error("$.demo", f"must be true or false, not {_kind(top['demo'])}")
    if "title" in top:
        checker.translated(top["title"], "$.title", MAX_TITLE)
    if "summary" in top:
        checker.translated(top["summary"], "$.summary")
    if "department" in top:
        checker.choice(top["department"], "$.department", DEPARTMENTS_BY_ID, "department")
    if "keywords" in top:
        _check_keywords(checker, top["keywords"])
    if "life_events" in top:
        checker.choices(top["life_events"], "$.life_events", LIFE_EVENTS, "life event")
    if "eligibility" in top:
        _check_eligibility(checker, top["eligibility"])
    if "for_whom" in top:
        checker.choices(top["for_whom"], "$.for_whom", FOR_WHOM, "for_whom value", at_least=1)
    if "completion" in top:
        checker.choice(top["completion"], "$.completion", COMPLETIONS, "completion")
    if "statuses" in top:
        checker.choices(top["statuses"], "$.statuses", STATUSES, "status")
    if "pdf" in top:
        pdf = checker.object(top["pdf"], "$.pdf", ("title",), ("note",))
        if pdf is not None:
            if "title" in pdf:
                checker.text(pdf["title"], "$.pdf.title", MAX_TITLE)
            if "note" in pdf:
                checker.text(pdf["note"], "$.pdf.note")


def _check_keywords(checker: _Checker, value: Any) -> None:
    if not isinstance(value, list):
        checker.error("$.keywords", f"must be a list, not {_kind(value)}")
        return
    if len(value) > MAX_KEYWORDS:
        checker.error("$.keywords", f"{len(value)} keywords, at most {MAX_KEYWORDS}")
    for index, keyword in enumerate(value):
        checker.text(keyword, f"$.keywords[{index}]", MAX_TITLE)


def _check_eligibility(checker: _Checker, value: Any) -> None:
    found = checker.object(value, "$.eligibility", ("residency",), ("min_age", "household"))
    if found is None:
        return
    if "residency" in found:
        checker.choice(found["residency"], "$.eligibility.residency", RESIDENCY, "residency")
    if "min_age" in found:
        checker.integer(found["min_age"], "$.eligibility.min_age", 0, 120)
    if "household" in found:
        checker.choice(found["household"], "$.eligibility.household", HOUSEHOLD_RULES,
                       "household rule")


# --- the schema ----------------------------------------------------------------------


def _check_schema(checker: _Checker, value: Any) -> dict[str, dict[str, Any]]:
    """The schema's properties that are well-formed (name -> property schema)."""
    if value is None:
        return {}
    path = "$.schema"
    if not isinstance(value, dict):
        checker.error(path, f"must be an object, not {_kind(value)}")
        return {}
    for key in value:
        if key not in SCHEMA_KEYWORDS:
            checker.error(key_path(path, key), "unknown key (allowed here: "
                          f"{_quoted(sorted(SCHEMA_KEYWORDS))})")
    if "$schema" in value and value["$schema"] != DRAFT_07:
        checker.error(key_path(path, "$schema"), f'must be "{DRAFT_07}" (draft-07)')
    if value.get("type") != "object":
        checker.error(f"{path}.type", 'must be "object"')
    if value.get("additionalProperties") is not False:
        checker.error(f"{path}.additionalProperties",
                      "must be false (a form takes only its own fields)")
    raw_properties = value.get("properties")
    properties: dict[str, dict[str, Any]] = {}
    if not isinstance(raw_properties, dict):
        checker.error(f"{path}.properties", f"must be an object, not {_kind(raw_properties)}")
    else:
        for name, prop in raw_properties.items():
            prop_path = key_path(f"{path}.properties", name)
            if not _FIELD.fullmatch(name):
                checker.error(prop_path, "a field name is a lowercase letter, then up to 63 "
                              "lowercase letters, digits and '_'")
                continue
            if _check_property(checker, prop, prop_path):
                properties[name] = prop
    _check_required(checker, value.get("required", []), f"{path}.required", raw_properties)
    if all(not error.path.startswith(path) for error in checker.errors):
        try:
            fastjsonschema.compile(value, use_default=False)
        except Exception as exc:  # the library's message says what is wrong
            checker.error(path, f"not a valid JSON Schema (draft-07): {exc}")
    return properties


def _check_required(checker: _Checker, value: Any, path: str, properties: Any) -> None:
    if not isinstance(value, list):
        checker.error(path, f"must be a list of field names, not {_kind(value)}")
        return
    seen: set[str] = set()
    for index, name in enumerate(value):
        if not isinstance(name, str):
            checker.error(f"{path}[{index}]", f"must be a field name, not {_kind(name)}")
        elif isinstance(properties, dict) and name not in properties:
            checker.error(f"{path}[{index}]", f'no field "{name}" in the schema\'s properties')
        elif name in seen:
            checker.error(f"{path}[{index}]", f'"{name}" is listed twice')
        else:
            seen.add(name)



def _unique_id(checker: _Checker, found: dict[str, Any], path: str, seen: set[str],
               what: str) -> None:
    """`found["id"]` (when there) is a well-formed id not used before in `seen`."""
    if "id" not in found:
        return
    value = found["id"]
    if not isinstance(value, str) or not _ID.fullmatch(value):
        checker.error(f"{path}.id", "must be 1 to 64 lowercase letters, digits and '-'")
    elif value in seen:
        checker.error(f"{path}.id", f'{what} "{value}" is there twice')
    else:
        seen.add(value)

def _check_property(checker: _Checker, prop: Any, path: str, depth: int = 0) -> bool:
    """A property schema with known keywords and one type; whether it is usable."""
    if not isinstance(prop, dict):
        checker.error(path, f"must be an object (a JSON Schema), not {_kind(prop)}")
        return False
    before = len(checker.errors)
    for key in prop:
        if key not in PROPERTY_KEYWORDS:
            checker.error(key_path(path, key), "unknown JSON Schema keyword (allowed: "
                          f"{_quoted(sorted(PROPERTY_KEYWORDS))})")
    if "x-error" in prop:
        checker.translated(prop["x-error"], key_path(path, "x-error"))
    if "examples" in prop and not (isinstance(prop["examples"], list) and prop["examples"]):
        checker.error(key_path(path, "examples"), "must be a non-empty list of sample answers")
    kind = prop.get("type")
    if kind not in PROPERTY_TYPES:
        checker.error(f"{path}.type", f"must be one of {_quoted(PROPERTY_TYPES)}")
    if "format" in prop and (kind != "string" or prop["format"] not in FORMATS):
        checker.error(f"{path}.format", f"must be one of {_quoted(FORMATS)} on a string")
    if "pattern" in prop:
        try:
            re.compile(str(prop["pattern"]))
        except re.error as exc:
            checker.error(f"{path}.pattern", f"not a valid regular expression: {exc}")
    if "enum" in prop:
        enum = prop["enum"]
        if not isinstance(enum, list) or not enum:
            checker.error(f"{path}.enum", "must be a non-empty list")
        elif len({repr(v) for v in enum}) != len(enum):
            checker.error(f"{path}.enum", "lists a value twice")
    if kind == "array":
        if depth > 0:
            checker.error(f"{path}.type", "a list inside a list is not supported")
        elif "items" not in prop:
            checker.error(path, 'missing key "items" (what the list holds)')
        else:
            _check_property(checker, prop["items"], f"{path}.items", depth + 1)
    if kind == "object":
        nested = prop.get("properties")
        if not isinstance(nested, dict):
            checker.error(f"{path}.properties", f"must be an object, not {_kind(nested)}")
        else:
            for name, inner in nested.items():
                _check_property(checker, inner, key_path(f"{path}.properties", name),
                                depth + 1)
            if prop.get("additionalProperties") is not False:
                checker.error(f"{path}.additionalProperties", "must be false")
            _check_required(checker, prop.get("required", []), f"{path}.required", nested)
    return len(checker.errors) == before


# --- the layout ----------------------------------------------------------------------

FIELD_REQUIRED = ("field", "label", "widget")
FIELD_OPTIONAL = ("help", "prefill", "editable", "show_if", "options")


def _check_layout(checker: _Checker, value: Any, properties: dict[str, dict[str, Any]]
                  ) -> None:
    if value is None:
        return
    layout = checker.object(value, "$.layout", ("sections",))
    if layout is None or "sections" not in layout:
        return
    sections = layout["sections"]
    if not isinstance(sections, list):
        checker.error("$.layout.sections", f"must be a list, not {_kind(sections)}")
        return
    placed: dict[str, str] = {}  # field -> the path where the layout shows it
    section_ids: set[str] = set()
    for s_index, section in enumerate(sections):
        s_path = f"$.layout.sections[{s_index}]"
        found = checker.object(section, s_path, ("id", "title", "fields"), ("help",))
        if found is None:
            continue
        _unique_id(checker, found, s_path, section_ids, "section")
        if "title" in found:
            checker.translated(found["title"], f"{s_path}.title", MAX_TITLE)
        if "help" in found:
            checker.translated(found["help"], f"{s_path}.help")
        fields = found.get("fields", [])
        if not isinstance(fields, list):
            checker.error(f"{s_path}.fields", f"must be a list, not {_kind(fields)}")
            continue
        for f_index, entry in enumerate(fields):
            _check_field(checker, entry, f"{s_path}.fields[{f_index}]", properties, placed)
    if len(placed) > MAX_FIELDS:
        checker.error("$.layout", f"{len(placed)} fields, at most {MAX_FIELDS}")
    for name in properties:
        if name not in placed:
            checker.error(key_path("$.schema.properties", name),
                          "not in the layout (every field is shown once)")


def _check_field(checker: _Checker, entry: Any, path: str,
                 properties: dict[str, dict[str, Any]], placed: dict[str, str]) -> None:
    found = checker.object(entry, path, FIELD_REQUIRED, FIELD_OPTIONAL)
    if found is None:
        return
    name = found.get("field")
    prop: dict[str, Any] | None = None
    if "field" in found:
        if not isinstance(name, str):
            checker.error(f"{path}.field", f"must be a field name, not {_kind(name)}")
            name = None
        elif name in placed:
            checker.error(f"{path}.field", f'"{name}" is shown already at {placed[name]}')
            name = None
        else:
            prop = properties.get(name)
            if prop is None:
                checker.error(f"{path}.field", f'no field "{name}" in the schema')
    if "label" in found:
        checker.translated(found["label"], f"{path}.label", MAX_TITLE)
    if "help" in found:
        checker.translated(found["help"], f"{path}.help")
    widget = found.get("widget")
    if "widget" in found and checker.choice(widget, f"{path}.widget", WIDGETS, "widget") \
            and prop is not None:
        problem = widget_problem(str(widget), prop)
        if problem:
            checker.error(f"{path}.widget", problem)
    _check_options(checker, found, path, prop, widget)
    _check_prefill(checker, found, path, widget)
    if "show_if" in found:
        _check_show_if(checker, found["show_if"], f"{path}.show_if", name, properties, placed)
    if name is not None:
        placed[name] = path


def widget_problem(widget: str, prop: Mapping[str, Any]) -> str | None:
    """Why `widget` cannot edit a property with schema `prop`, or None."""
    kind = prop.get("type")
    if widget in STRING_WIDGETS:
        if kind != "string":
            return f'widget "{widget}" needs a string field, this one is {kind}'
        if "enum" in prop:
            return f'widget "{widget}" cannot show a choice (enum): use "select" or "radio"'
        if prop.get("format") == "date":
            return f'widget "{widget}" cannot edit a date: use "date"'
        return None
    if widget == "number":
        return None if kind in ("integer", "number") else \
            f'widget "number" needs an integer or number field, this one is {kind}'
    if widget == "date":
        return None if kind == "string" and prop.get("format") == "date" else \
            'widget "date" needs a string field with "format": "date"'
    if widget in ("select", "radio"):
        return None if kind == "string" and isinstance(prop.get("enum"), list) else \
            f'widget "{widget}" needs a string field with an "enum"'
    if widget == "checkbox":
        return None if kind == "boolean" else \
            f'widget "checkbox" needs a boolean field, this one is {kind}'
    items = prop.get("items")
    if kind != "array" or not isinstance(items, dict) or items.get("type") != "object":
        return 'widget "members" needs an array of objects'
    inner = items.get("properties")
    if not isinstance(inner, dict) or set(inner) != {"name", "birthdate"} \
            or inner["name"].get("type") != "string" \
            or inner["birthdate"].get("format") != "date":
        return ('widget "members" needs items with exactly "name" (string) and "birthdate" '
                '(string, "format": "date")')
    return None


def _check_options(checker: _Checker, found: dict[str, Any], path: str,
                   prop: dict[str, Any] | None, widget: Any) -> None:
    options = found.get("options")
    if widget not in ("select", "radio"):
        if "options" in found:
            checker.error(f"{path}.options", 'only a "select" or "radio" widget has options')
        return
    if "options" not in found:
        checker.error(path, f'missing key "options" (the labels of the {widget}\'s choices)')
        return
    if not isinstance(options, dict):
        checker.error(f"{path}.options", f"must be an object, not {_kind(options)}")
        return
    for value, label in options.items():
        checker.translated(label, key_path(f"{path}.options", value), MAX_TITLE)
    enum = prop.get("enum") if prop is not None else None
    if not isinstance(enum, list):
        return
    values = [v for v in enum if isinstance(v, str)]
    missing = [v for v in values if v not in options]
    if missing:
        checker.error(f"{path}.options", f"no label for the choice(s) {_quoted(missing)}")
    for value in options:
        if value not in values:
            checker.error(key_path(f"{path}.options", value),
                          f'"{value}" is not one of the schema\'s enum values')


def _check_prefill(checker: _Checker, found: dict[str, Any], path: str, widget: Any) -> None:
    source = found.get("prefill")
    if "prefill" in found and checker.choice(source, f"{path}.prefill", PREFILL_SOURCES,
                                             "prefill source"):
        if source == MINOR_CHILDREN and widget != "members":
            checker.error(f"{path}.prefill", f'"{MINOR_CHILDREN}" fills a "members" field only')
        elif source in NAME_SOURCES and widget not in ("text", "textarea"):
            checker.error(f"{path}.prefill", f'"{source}" fills a "text" or "textarea" field')
        elif source in DATE_SOURCES and widget != "date":
            checker.error(f"{path}.prefill", f'"{source}" fills a "date" field')
    if "editable" in found:
        editable = found["editable"]
        if not isinstance(editable, bool):
            checker.error(f"{path}.editable", f"must be true or false, not {_kind(editable)}")
        elif not editable and "prefill" not in found:
            checker.error(f"{path}.editable", '"editable": false needs a "prefill"')


def _check_show_if(checker: _Checker, value: Any, path: str, name: str | None,
                   properties: dict[str, dict[str, Any]], placed: dict[str, str]) -> None:
    found = checker.object(value, path, ("field",), ("equals", "in"))
    if found is None:
        return
    if ("equals" in found) == ("in" in found):
        checker.error(path, 'needs exactly one of "equals" and "in"')
    target = found.get("field")
    if "field" not in found:
        return
    if not isinstance(target, str):
        checker.error(f"{path}.field", f"must be a field name, not {_kind(target)}")
        return
    if target not in placed:
        later = " (it comes later: a condition may only name an earlier field)" \
            if target in properties or target == name else ""
        checker.error(f"{path}.field", f'no field "{target}" before this one{later}')
        return
    prop = properties.get(target)
    if prop is None:
        return
    matches = _validator(prop)
    if "equals" in found:
        _check_condition_value(checker, found["equals"], f"{path}.equals", target, matches)
    if "in" in found:
        values = found["in"]
        if not isinstance(values, list) or not values:
            checker.error(f"{path}.in", "must be a non-empty list of values")
            return
        for index, option in enumerate(values):
            _check_condition_value(checker, option, f"{path}.in[{index}]", target, matches)


def _validator(prop: dict[str, Any]) -> Callable[[Any], bool]:
    try:
        compiled = fastjsonschema.compile(prop, use_default=False)
    except Exception:  # reported with the schema already
        return lambda _value: True

    def matches(value: Any) -> bool:
        try:
            compiled(value)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    return matches


def _check_condition_value(checker: _Checker, value: Any, path: str, target: str,
                           matches: Callable[[Any], bool]) -> None:
    if value is None or not matches(value):
        checker.error(path, f'{value!r} is not a possible value of field "{target}": '
                      "the condition could never hold")


# --- fee, attachments, completion ----------------------------------------------------


def _check_fee(checker: _Checker, value: Any, properties: dict[str, dict[str, Any]],
               completion: Any) -> None:
    if value is None:
        return
    fee = checker.object(value, "$.fee", ("amount_yen", "methods"), ("per_field",))
    if fee is None:
        return
    if completion == "link":
        checker.error("$.fee", 'a "link" procedure has no fee (null)')
    if "amount_yen" in fee:
        checker.integer(fee["amount_yen"], "$.fee.amount_yen", 1, MAX_AMOUNT_YEN)
    if "methods" in fee:
        checker.choices(fee["methods"], "$.fee.methods", FEE_METHODS, "payment method",
                        at_least=1)
    if "per_field" in fee:
        per_field = fee["per_field"]
        prop = properties.get(per_field) if isinstance(per_field, str) else None
        if prop is None or prop.get("type") != "integer":
            checker.error("$.fee.per_field",
                          f"no integer field {per_field!r} in the schema (the fee counts it)")


def _check_attachments(checker: _Checker, value: Any, completion: Any) -> None:
    path = "$.attachments"
    if not isinstance(value, list):
        checker.error(path, f"must be a list, not {_kind(value)}")
        return
    if len(value) > MAX_ATTACHMENTS:
        checker.error(path, f"{len(value)} attachments, at most {MAX_ATTACHMENTS}")
    if value and completion == "link":
        checker.error(path, 'a "link" procedure has no attachments ([])')
    ids: set[str] = set()
    for index, item in enumerate(value):
        a_path = f"{path}[{index}]"
        found = checker.object(item, a_path, ("id", "label", "types", "max_bytes"),
                               ("help", "required"))
        if found is None:
            continue
        _unique_id(checker, found, a_path, ids, "attachment")
        if "label" in found:
            checker.translated(found["label"], f"{a_path}.label", MAX_TITLE)
        if "help" in found:
            checker.translated(found["help"], f"{a_path}.help")
        if "required" in found and not isinstance(found["required"], bool):
            checker.error(f"{a_path}.required",
                          f"must be true or false, not {_kind(found['required'])}")
        if "types" in found:
            checker.choices(found["types"], f"{a_path}.types", ATTACHMENT_TYPES, "file type",
                            at_least=1)
        if "max_bytes" in found:
            checker.integer(found["max_bytes"], f"{a_path}.max_bytes", 1, MAX_ATTACHMENT_BYTES)


def _check_completion(checker: _Checker, top: dict[str, Any], completion: Any,
                      properties: dict[str, dict[str, Any]]) -> None:
    link = top.get("link")
    if completion == "link":
        found = checker.object(link, "$.link", ("route",)) if link is not None else None
        if link is None:
            checker.error("$.link", 'a "link" procedure needs {"route": "/<tile>"}')
        elif found is not None and "route" in found:
            route = found["route"]
            if not isinstance(route, str) or not _ROUTE.fullmatch(route):
                checker.error("$.link.route", "must be an app route such as \"/waste\" "
                              f"(lowercase, at most {MAX_ROUTE} characters)")
        if properties:
            checker.error("$.schema.properties", 'a "link" procedure has no form: {}')
        sections = top.get("layout", {}).get("sections") if isinstance(
            top.get("layout"), dict) else None
        if sections:
            checker.error("$.layout.sections", 'a "link" procedure has no form: []')
        if top.get("statuses"):
            checker.error("$.statuses", 'a "link" procedure has no submissions: []')
        return
    if link is not None:
        checker.error("$.link", 'only a "link" procedure has a link (null here)')
    if completion in STATUSES_NEEDED and isinstance(top.get("statuses"), list):
        missing = [s for s in STATUSES_NEEDED[completion] if s not in top["statuses"]]
        if missing:
            checker.error("$.statuses", f'a "{completion}" procedure needs {_quoted(missing)}')
    if completion in STATUSES_NEEDED and "pdf" not in top:
        checker.error("$", 'missing key "pdf" (the official form\'s heading, for staff)')
