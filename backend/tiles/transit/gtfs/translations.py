"""translations.txt in both of its styles, and `TranslationIndex` to look texts up.

- GTFS style: table_name, field_name, language, translation, and either record_id (with
  record_sub_id) or field_value.
- Older GTFS-JP style: trans_id, lang, translation; it translates every field whose value is
  trans_id and is read as `Translation(table_name="", field_name="", language=lang,
  translation=..., field_value=trans_id)`."""

from __future__ import annotations

from collections.abc import Iterable

from .csv_table import CsvTable
from .feed import Translation

FILE = "translations.txt"


def read_translations(table: CsvTable) -> list[Translation]:
    """The rows of translations.txt in either style (told apart by the header)."""
    if table.has("trans_id"):
        table.require_columns("trans_id", "lang", "translation")
        return [
            Translation(
                table_name="",
                field_name="",
                language=row.required("lang").strip(),
                translation=row.text("translation"),
                field_value=row.required("trans_id"),
            )
            for row in table.rows()
        ]
    table.require_columns("table_name", "field_name", "language", "translation")
    result: list[Translation] = []
    for row in table.rows():
        record_id = row.text("record_id")
        field_value = row.text("field_value")
        if not record_id and not field_value and row.text("table_name").strip() != "feed_info":
            row.error("record_id", "either record_id or field_value must be given")
        result.append(
            Translation(
                table_name=row.required("table_name").strip(),
                field_name=row.required("field_name").strip(),
                language=row.required("language").strip(),
                translation=row.text("translation"),
                record_id=record_id,
                record_sub_id=row.text("record_sub_id"),
                field_value=field_value,
            )
        )
    return result


class TranslationIndex:
    """Looks up the translation of a field value, built once from `Feed.translations`.

    `text()` tries, in this order: a GTFS-style translation of the record (table, field,
    record_id[, record_sub_id]); one of the value (table, field, field_value); an old-style
    one of the value (trans_id). At each step the language must equal the one asked for,
    first exactly, then ignoring case ("ja-hrkt" finds "ja-Hrkt"); "en" does not find
    "en-US". When a feed gives the same key twice, the first row wins."""

    def __init__(self, translations: Iterable[Translation]) -> None:
        self._exact: dict[tuple[str, ...], str] = {}
        self._folded: dict[tuple[str, ...], str] = {}
        for t in translations:
            if not t.table_name:  # old style: any table and field
                key: tuple[str, ...] = ("any", t.field_value)
            elif t.record_id or t.table_name == "feed_info":  # feed_info has one record
                key = ("record", t.table_name, t.field_name, t.record_id, t.record_sub_id)
            else:
                key = ("value", t.table_name, t.field_name, t.field_value)
            self._exact.setdefault((*key, t.language), t.translation)
            self._folded.setdefault((*key, t.language.casefold()), t.translation)

    def __len__(self) -> int:
        return len(self._exact)

    def text(
        self,
        table: str,
        field_name: str,
        record_id: str,
        value: str,
        language: str,
        record_sub_id: str = "",
    ) -> str | None:
        """The translation of `value`, the field `field_name` of the record `record_id` of
        `table` (e.g. "stops", "stop_name", "18_1", "岡山駅", "en"), or None."""
        keys: list[tuple[str, ...]] = []
        if record_id or table == "feed_info":
            keys.append(("record", table, field_name, record_id, record_sub_id))
        if value:
            keys.append(("value", table, field_name, value))
            keys.append(("any", value))
        folded = language.casefold()
        for key in keys:
            found = self._exact.get((*key, language))
            if found is None:
                found = self._folded.get((*key, folded))
            if found is not None:
                return found
        return None
