"""Translations (gettext catalogs read with Babel) and locale-aware formatting."""

from app.i18n.formatting import format_date_long, format_datetime_short, format_yen
from app.i18n.translator import LANGUAGE_NAMES, Translator, load_translator

__all__ = [
    "LANGUAGE_NAMES",
    "Translator",
    "format_date_long",
    "format_datetime_short",
    "format_yen",
    "load_translator",
]
