"""A procedure's definition (docs/procedures.md §1), read from the JSON row the device pulled.

`parse_definition` is tolerant of what a newer format adds (unknown keys are ignored, an
unknown widget falls back to a text field when `format` is above the one this app knows) and
raises `DefinitionUnreadable` with the JSON path of the first problem on a broken row: the
device must never crash on a row it pulled, it shows that the procedure cannot be opened.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FORMAT = 1
WIDGETS = frozenset({"text", "textarea", "number", "date", "select", "radio", "checkbox",
                     "tel", "email", "postal_code", "members"})
PREFILL_SOURCES = frozenset({
    "applicant.name", "applicant.address", "applicant.birthdate",
    "subject.name", "subject.address", "subject.birthdate", "household.minor_children",
})
COMPLETIONS = frozenset({"online", "counter", "link"})
MAX_FIELDS = 400
_ID = re.compile(r"[a-z0-9-]{1,64}")

Texts = Mapping[str, str]


class DefinitionUnreadable(ValueError):
    """A definition row this app cannot use; `path` says where (`$.layout.sections[0]...`)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def text_in(texts: Texts | None, language: str) -> str:
    """The text for `language`: Japanese for ja, English for every other language (zh and
    ko fall back to en), then whichever the definition has."""
    if not texts:
        return ""
    wanted = "ja" if language.startswith("ja") else "en"
    for lang in (wanted, "en", "ja"):
        text = texts.get(lang)
        if isinstance(text, str) and text:
            return text
    return next((t for t in texts.values() if isinstance(t, str)), "")


@dataclass(frozen=True)
class ShowIf:
    field: str
    values: tuple[Any, ...]

    def holds_on(self, data: Mapping[str, Any]) -> bool:
        """Whether the named field's value equals one of `values`; an absent value never
        matches (the server's rule, backend/tiles/procedures/form_check.py)."""
        if self.field not in data:
            return False
        value = data[self.field]
        return any(_same(value, wanted) for wanted in self.values)


def _same(value: Any, wanted: Any) -> bool:
    """JSON equality, as the server compares: `true` is not `1`, `1` is not `1.0`."""
    if type(value) is type(wanted) and isinstance(value, str | int):
        return bool(value == wanted)
    try:
        return json.dumps(value, sort_keys=True) == json.dumps(wanted, sort_keys=True)
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Texts
    help: Texts
    widget: str
    prefill: str | None
    editable: bool
    show_if: ShowIf | None
    options: tuple[tuple[Any, Texts], ...]
    schema: Mapping[str, Any]
    required: bool
    section: str = ""

    @property
    def json_type(self) -> str:
        kind = self.schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        return kind if isinstance(kind, str) else "string"


@dataclass(frozen=True)
class SectionSpec:
    id: str
    title: Texts
    help: Texts
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class FeeRule:
    amount_yen: int
    per_field: str | None
    methods: tuple[str, ...]

    def total(self, data: Mapping[str, Any]) -> int:
        """amount_yen × data[per_field] (× 1 without a per_field or a whole-number count),
        as the server computes it."""
        count = data.get(self.per_field) if self.per_field else None
        if isinstance(count, bool) or not isinstance(count, int | float) or count != int(count):
            return self.amount_yen
        return self.amount_yen * int(count)


@dataclass(frozen=True)
class AttachmentRule:
    id: str
    label: Texts
    help: Texts
    required: bool
    types: tuple[str, ...]
    max_bytes: int


@dataclass(frozen=True)
class Eligibility:
    residency: str = "card"
    min_age: int | None = None
    household: str | None = None


@dataclass(frozen=True)
class ProcedureDefinition:
    id: str
    version: int
    demo: bool
    title: Texts
    summary: Texts
    department: str
    keywords: tuple[str, ...]
    life_events: tuple[str, ...]
    eligibility: Eligibility
    for_whom: tuple[str, ...]
    completion: str
    link_route: str | None
    fee: FeeRule | None
    attachments: tuple[AttachmentRule, ...]
    statuses: tuple[str, ...]
    schema: Mapping[str, Any]
    sections: tuple[SectionSpec, ...]
    pdf_title: str
    format: int = FORMAT

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """Every field in layout order."""
        return tuple(f for section in self.sections for f in section.fields)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


def parse_definition(raw: Mapping[str, Any]) -> ProcedureDefinition:
    """The definition in `raw` (a pulled row: the file's JSON, maybe with `imported_at`)."""
    if not isinstance(raw, Mapping):
        raise DefinitionUnreadable("$", "not an object")
    reader = _Reader(raw)
    return reader.definition()


class _Reader:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        fmt = raw.get("format", FORMAT)
        if isinstance(fmt, bool) or not isinstance(fmt, int) or fmt < 1:
            raise DefinitionUnreadable("$.format", "not a format number")
        self.format = fmt

    def definition(self) -> ProcedureDefinition:
        raw = self.raw
        ident = _string(raw, "id", "$")
        if not _ID.fullmatch(ident):
            raise DefinitionUnreadable("$.id", "not [a-z0-9-]{1,64}")
        version = raw.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise DefinitionUnreadable("$.version", "not an integer ≥ 1")
        completion = _string(raw, "completion", "$", default="online")
        if completion not in COMPLETIONS and self.format <= FORMAT:
            raise DefinitionUnreadable("$.completion", f"unknown completion {completion!r}")
        link = raw.get("link")
        link_route = None
        if isinstance(link, Mapping) and isinstance(link.get("route"), str):
            link_route = link["route"]
        if completion == "link" and link_route is None:
            raise DefinitionUnreadable("$.link.route", "a link procedure needs a route")
        schema = raw.get("schema")
        if schema is None and completion == "link":
            schema = {"type": "object", "properties": {}}
        if not isinstance(schema, Mapping):
            raise DefinitionUnreadable("$.schema", "not an object")
        properties = schema.get("properties", {})
        if not isinstance(properties, Mapping):
            raise DefinitionUnreadable("$.schema.properties", "not an object")
        required = schema.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise DefinitionUnreadable("$.schema.required", "not a list of field names")
        sections = self._sections(properties, frozenset(required), completion)
        pdf = raw.get("pdf")
        pdf_title = pdf.get("title") if isinstance(pdf, Mapping) else None
        return ProcedureDefinition(
            id=ident,
            version=version,
            demo=raw.get("demo") is True,
            title=_texts(raw.get("title"), "$.title", required=True),
            summary=_texts(raw.get("summary"), "$.summary"),
            department=_string(raw, "department", "$"),
            keywords=_strings(raw.get("keywords"), "$.keywords"),
            life_events=_strings(raw.get("life_events"), "$.life_events"),
            eligibility=_eligibility(raw.get("eligibility")),
            for_whom=_strings(raw.get("for_whom"), "$.for_whom") or ("self",),
            completion=completion,
            link_route=link_route,
            fee=_fee(raw.get("fee")),
            attachments=_attachments(raw.get("attachments")),
            statuses=_strings(raw.get("statuses"), "$.statuses"),
            schema=schema,
            sections=sections,
            pdf_title=pdf_title if isinstance(pdf_title, str) else text_in(
                _texts(raw.get("title"), "$.title"), "ja"),
            format=self.format,
        )

    def _sections(self, properties: Mapping[str, Any], required: frozenset[str],
                  completion: str) -> tuple[SectionSpec, ...]:
        layout = self.raw.get("layout")
        if layout is None and completion == "link":
            return ()
        if not isinstance(layout, Mapping) or not isinstance(layout.get("sections"), list):
            raise DefinitionUnreadable("$.layout.sections", "not a list")
        seen: set[str] = set()
        sections: list[SectionSpec] = []
        for s_index, section in enumerate(layout["sections"]):
            path = f"$.layout.sections[{s_index}]"
            if not isinstance(section, Mapping):
                raise DefinitionUnreadable(path, "not an object")
            section_id = _string(section, "id", path)
            raw_fields = section.get("fields")
            if not isinstance(raw_fields, list):
                raise DefinitionUnreadable(f"{path}.fields", "not a list")
            fields = []
            for f_index, raw_field in enumerate(raw_fields):
                spec = self._field(raw_field, f"{path}.fields[{f_index}]", properties,
                                   required, seen, section_id)
                seen.add(spec.name)
                fields.append(spec)
            sections.append(SectionSpec(
                id=section_id, title=_texts(section.get("title"), f"{path}.title"),
                help=_texts(section.get("help"), f"{path}.help"), fields=tuple(fields)))
        missing = sorted(set(properties) - seen)
        if missing:
            raise DefinitionUnreadable("$.layout", f"fields not laid out: {', '.join(missing)}")
        if len(seen) > MAX_FIELDS:
            raise DefinitionUnreadable("$.layout", f"more than {MAX_FIELDS} fields")
        return tuple(sections)

    def _field(self, raw: Any, path: str, properties: Mapping[str, Any],
               required: frozenset[str], seen: set[str], section_id: str) -> FieldSpec:
        if not isinstance(raw, Mapping):
            raise DefinitionUnreadable(path, "not an object")
        name = _string(raw, "field", path)
        if name in seen:
            raise DefinitionUnreadable(f"{path}.field", f"field {name!r} laid out twice")
        schema = properties.get(name)
        if not isinstance(schema, Mapping):
            raise DefinitionUnreadable(f"{path}.field", f"no field {name!r} in the schema")
        widget = raw.get("widget", "text")
        if widget not in WIDGETS:
            if self.format <= FORMAT:
                raise DefinitionUnreadable(f"{path}.widget", f"unknown widget {widget!r}")
            widget = "text"
        prefill = raw.get("prefill")
        if prefill is not None and prefill not in PREFILL_SOURCES:
            if self.format <= FORMAT:
                raise DefinitionUnreadable(f"{path}.prefill", f"unknown source {prefill!r}")
            prefill = None
        editable = raw.get("editable", True)
        if not isinstance(editable, bool):
            raise DefinitionUnreadable(f"{path}.editable", "not true or false")
        return FieldSpec(
            name=name,
            label=_texts(raw.get("label"), f"{path}.label", required=True),
            help=_texts(raw.get("help"), f"{path}.help"),
            widget=str(widget),
            prefill=prefill,
            editable=editable,
            show_if=_show_if(raw.get("show_if"), f"{path}.show_if", seen),
            options=_options(raw.get("options"), schema, f"{path}.options"),
            schema=schema,
            required=name in required,
            section=section_id,
        )


def _string(raw: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value:
        raise DefinitionUnreadable(f"{path}.{key}", "not a text")
    return value


def _strings(value: Any, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DefinitionUnreadable(path, "not a list of texts")
    return tuple(value)


def _texts(value: Any, path: str, required: bool = False) -> Texts:
    if value is None and not required:
        return {}
    if isinstance(value, str) and value:
        return {"ja": value}
    if not isinstance(value, Mapping) or not value:
        raise DefinitionUnreadable(path, "not a {language: text} object")
    texts = {lang: text for lang, text in value.items()
             if isinstance(lang, str) and isinstance(text, str)}
    if required and not texts:
        raise DefinitionUnreadable(path, "no text")
    return texts


def _show_if(value: Any, path: str, seen: set[str]) -> ShowIf | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise DefinitionUnreadable(path, "not an object")
    target = value.get("field")
    if not isinstance(target, str) or target not in seen:
        raise DefinitionUnreadable(f"{path}.field", f"no earlier field {target!r}")
    if "equals" in value:
        return ShowIf(target, (value["equals"],))
    values = value.get("in")
    if not isinstance(values, list) or not values:
        raise DefinitionUnreadable(path, "needs equals or a non-empty in")
    return ShowIf(target, tuple(values))


def _options(value: Any, schema: Mapping[str, Any], path: str
             ) -> tuple[tuple[Any, Texts], ...]:
    """(value, labels) pairs: the layout's labels, in the schema's enum order when there is
    one; an enum value without a label shows itself. A layout key names an enum value by
    its text (JSON keys are texts; an integer enum 1 is the key "1")."""
    if value is not None and not isinstance(value, Mapping):
        raise DefinitionUnreadable(path, "not an object")
    labels: dict[str, Texts] = {}
    for key, texts in (value or {}).items():
        labels[str(key)] = _texts(texts, f"{path}.{key}", required=True)
    enum = schema.get("enum")
    if enum is None and isinstance(schema.get("items"), Mapping):
        enum = schema["items"].get("enum")
    if isinstance(enum, list):
        return tuple((item, labels.get(_key(item), {"ja": _key(item)})) for item in enum)
    return tuple((key, texts) for key, texts in labels.items())


def _key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _eligibility(value: Any) -> Eligibility:
    if value is None:
        return Eligibility()
    if not isinstance(value, Mapping):
        raise DefinitionUnreadable("$.eligibility", "not an object")
    min_age = value.get("min_age")
    if min_age is not None and (isinstance(min_age, bool) or not isinstance(min_age, int)):
        raise DefinitionUnreadable("$.eligibility.min_age", "not an integer")
    residency = value.get("residency", "card")
    household = value.get("household")
    return Eligibility(residency=residency if isinstance(residency, str) else "card",
                       min_age=min_age,
                       household=household if isinstance(household, str) else None)


def _fee(value: Any) -> FeeRule | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise DefinitionUnreadable("$.fee", "not an object")
    amount = value.get("amount_yen")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise DefinitionUnreadable("$.fee.amount_yen", "not an integer ≥ 0")
    per_field = value.get("per_field")
    if per_field is not None and not isinstance(per_field, str):
        raise DefinitionUnreadable("$.fee.per_field", "not a field name")
    return FeeRule(amount, per_field, _strings(value.get("methods"), "$.fee.methods"))


def _attachments(value: Any) -> tuple[AttachmentRule, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise DefinitionUnreadable("$.attachments", "not a list")
    rules = []
    for index, item in enumerate(value):
        path = f"$.attachments[{index}]"
        if not isinstance(item, Mapping):
            raise DefinitionUnreadable(path, "not an object")
        max_bytes = item.get("max_bytes")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise DefinitionUnreadable(f"{path}.max_bytes", "not an integer ≥ 1")
        types = _strings(item.get("types"), f"{path}.types")
        if not types:
            raise DefinitionUnreadable(f"{path}.types", "no file type")
        rules.append(AttachmentRule(
            id=_string(item, "id", path),
            label=_texts(item.get("label"), f"{path}.label", required=True),
            help=_texts(item.get("help"), f"{path}.help"),
            required=item.get("required") is True,
            types=types,
            max_bytes=max_bytes,
        ))
    return tuple(rules)
