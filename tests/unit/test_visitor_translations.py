"""Chinese and Korean cover every message of the screens visitor mode shows.

The catalogs' message ids are English and a missing translation falls back to English
(app/i18n/translator.py): fine for a screen a visitor never sees (the waste tile, staff
screens, resident-only tiles), not for settings labels, field hints, the account and sync
screens or the notices. Decision (ADR 0028): Japanese is the complete catalog; Chinese and
Korean must translate every Japanese-catalog message that the visitor-mode code uses, found
as string constants in those modules (so `t("Text size")` and a label kept in a table and
translated later both count).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.i18n.translator import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
# What visitor mode shows: the shell (home, settings, account, sign-in, sync, my data), the
# design widgets and i18n helpers, and the tiles whose FeatureSpec has Mode.VISITOR.
VISITOR_CODE = ("app/shell", "app/account", "app/design", "app/i18n",
                "app/features/notices", "app/features/tourism", "app/features/transit")
VISITOR_LANGUAGES = ("zh", "ko")


@cache
def catalog(language: str) -> dict[str, str]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle, locale=language)
                if m.id and isinstance(m.id, str) and isinstance(m.string, str)}


def string_constants(folder: str) -> dict[str, str]:
    """Every string constant in the folder's modules → the first file it is in."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.setdefault(node.value, str(path.relative_to(ROOT)))
    return found


@cache
def visitor_messages() -> dict[str, str]:
    japanese = catalog("ja")
    messages: dict[str, str] = {}
    for folder in VISITOR_CODE:
        for text, path in string_constants(folder).items():
            if text in japanese:
                messages.setdefault(text, path)
    return messages


def test_the_visitor_screens_use_many_messages() -> None:
    assert len(visitor_messages()) > 100
    assert "Text size" in visitor_messages()  # a settings label


@pytest.mark.parametrize("language", VISITOR_LANGUAGES)
def test_every_visitor_message_is_translated(language: str) -> None:
    translated = catalog(language)
    missing = [f"{path}: {text!r}" for text, path in sorted(visitor_messages().items())
               if not translated.get(text, "").strip()]
    assert not missing, f"{len(missing)} messages fall back to English in {language}:\n" + \
        "\n".join(missing)


@pytest.mark.parametrize("language", ("ja", *VISITOR_LANGUAGES))
def test_translations_keep_their_placeholders(language: str) -> None:
    import re

    field = re.compile(r"\{(\w*)\}")
    wrong = [text for text, string in catalog(language).items()
             if string and set(field.findall(text)) != set(field.findall(string))]
    assert not wrong, wrong
