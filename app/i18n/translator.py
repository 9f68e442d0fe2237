"""Gettext catalogs in `assets/locale/<lang>/LC_MESSAGES/messages.po`, read with Babel.

Message ids are English (the gettext convention), so a string missing from a catalog falls
back to English: exactly what visitor mode promises for Chinese and Korean. The `.po` files
are compiled in memory at start-up, so no compiled `.mo` file needs to be kept in git.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.paths import ASSETS_DIR

LOCALE_DIR = ASSETS_DIR / "locale"

# Each language's own name, shown in that language in the language picker.
LANGUAGE_NAMES: dict[str, str] = {
    "ja": "日本語",
    "en": "English",
    "zh": "中文",
    "ko": "한국어",
}

# Babel locale identifiers used for dates, numbers and currency.
BABEL_LOCALES: dict[str, str] = {"ja": "ja_JP", "en": "en_US", "zh": "zh_Hans_CN", "ko": "ko_KR"}


@cache
def _catalog(lang: str, locale_dir: Path) -> NullTranslations:
    po_path = locale_dir / lang / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


@dataclass(frozen=True)
class Translator:
    """Translates English message ids into one language, with `{name}` placeholders."""

    lang: str
    _translations: NullTranslations

    @property
    def babel_locale(self) -> str:
        return BABEL_LOCALES.get(self.lang, "en_US")

    def __call__(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def has(self, message: str) -> bool:
        """True when this language has its own translation of `message`."""
        return self._translations.gettext(message) != message or self.lang == "en"


def load_translator(lang: str, locale_dir: Path = LOCALE_DIR) -> Translator:
    if lang not in LANGUAGE_NAMES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {sorted(LANGUAGE_NAMES)}")
    return Translator(lang, _catalog(lang, locale_dir))
