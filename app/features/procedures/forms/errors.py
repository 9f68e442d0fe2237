"""Field errors: a code the server and the device share and an English message id.

`message` is an English message id with `{name}` placeholders filled from `params` (the
Japanese translation is in assets/locale/ja/LC_MESSAGES/messages.po). A definition may give
its own wording for a pattern (`"x-error": {"ja": ..., "en": ...}` in a property's schema),
and the server's refusals carry both languages: both are kept in `texts` and win over the id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from app.features.procedures.forms.definition import text_in

# The codes both sides use (docs/procedures.md §1, the server's validation refusals).
ERROR_CODES = frozenset({
    "required", "type", "min_length", "max_length", "pattern", "minimum", "maximum", "enum",
    "format", "min_items", "max_items", "invalid", "prefill_missing",
})


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str  # an English message id with {placeholders}
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)
    # Wording in several languages ({"ja": ..., "en": ...}) that replaces the message id.
    texts: Mapping[str, str] | None = None

    def text(self, translate: Callable[..., str], language: str) -> str:
        """The message in `language`, through `translate` (the view's `ctx.t`)."""
        if self.texts:
            return text_in(self.texts, language)
        return translate(self.message, **dict(self.params))

    @classmethod
    def from_server(cls, row: Mapping[str, Any]) -> FieldError:
        """One entry of a validation refusal's detail: `{"field", "code", "message_ja",
        "message_en"}` (docs/procedures.md §3)."""
        name = str(row.get("field") or "")
        code = str(row.get("code") or "invalid")
        ja = row.get("message_ja")
        en = row.get("message_en")
        texts = {lang: text for lang, text in (("ja", ja), ("en", en))
                 if isinstance(text, str) and text}
        return cls(field=name, code=code, message=str(en or "Check {label}."),
                   params={"label": name}, texts=texts or None)
