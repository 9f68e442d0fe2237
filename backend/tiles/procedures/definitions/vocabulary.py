"""The fixed words of the definition format (docs/procedures.md §1): what a definition may
name. The device keeps its own copy of the parts it needs (life events, widgets)."""

from __future__ import annotations

FORMAT = 1
ID_PATTERN = r"[a-z0-9-]{1,64}"
FIELD_PATTERN = r"[a-z][a-z0-9_]{0,63}"

LIFE_EVENTS: dict[str, str] = {
    "moving": "引っ越し",
    "birth": "出産",
    "childcare": "子育て",
    "care": "介護",
    "certificates": "証明書",
    "waste": "ごみ",
    "opinion": "市への意見",
    "death": "おくやみ",
}
RESIDENCY = ("card", "any")
HOUSEHOLD_RULES = ("parent_of_minor", "aged_65_plus")
FOR_WHOM = ("self", "delegator", "minor_child")
COMPLETIONS = ("online", "counter", "link")
FEE_METHODS = ("points", "counter")
STATUSES = ("received", "counter", "reviewing", "returned", "completed", "rejected",
            "withdrawn")
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "application/pdf")

WIDGETS = ("text", "textarea", "number", "date", "select", "radio", "checkbox", "tel",
           "email", "postal_code", "members")
STRING_WIDGETS = ("text", "textarea", "tel", "email", "postal_code")

APPLICANT_NAME = "applicant.name"
APPLICANT_ADDRESS = "applicant.address"
APPLICANT_BIRTHDATE = "applicant.birthdate"
SUBJECT_NAME = "subject.name"
SUBJECT_ADDRESS = "subject.address"
SUBJECT_BIRTHDATE = "subject.birthdate"
MINOR_CHILDREN = "household.minor_children"
PREFILL_SOURCES = (APPLICANT_NAME, APPLICANT_ADDRESS, APPLICANT_BIRTHDATE, SUBJECT_NAME,
                   SUBJECT_ADDRESS, SUBJECT_BIRTHDATE, MINOR_CHILDREN)

# JSON Schema keywords a form's property may use: anything else is refused, so that a typo
# ("maxlength") cannot pass silently.
PROPERTY_KEYWORDS = frozenset({
    "type", "title", "description", "enum", "const", "minLength", "maxLength", "pattern",
    "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "items", "properties", "required", "additionalProperties", "minItems", "maxItems",
    "uniqueItems",
    # Ours, ignored by the validator: the message of a failed `pattern` ({"ja", "en"}) and
    # sample answers the form shows as a hint.
    "x-error", "examples",
})
SCHEMA_KEYWORDS = frozenset({"$schema", "type", "title", "description", "properties",
                             "required", "additionalProperties"})
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
FORMATS = ("date", "email")
PROPERTY_TYPES = ("string", "integer", "number", "boolean", "array", "object")

MAX_FIELDS = 400
MAX_FILE_BYTES = 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_DATA_BYTES = 64 * 1024
MAX_TEXT = 2000
MAX_TITLE = 200
