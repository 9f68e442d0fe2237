"""The health export as one JSON document, and what every export format shares: `Subject`,
the food table's attribution and the records in time order.

The JSON export is the complete one: every record goes in as it is kept (the record contract,
docs/health.md), so the app, or another program, can read it back. The CSV and FHIR exports
are views of the same records for a spreadsheet and for a clinic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "FOOD_TABLE_SOURCE",
    "Subject",
    "export_json",
    "recorded_at",
    "sorted_records",
]

EXPORT_FORMAT = "tsuyama-portal/health-export"
EXPORT_VERSION = 1

# assets/health/food/ATTRIBUTION.md: the citation is required wherever the table's values
# are shown, and every export shows values computed from the table.
FOOD_TABLE_SOURCE: dict[str, str] = {
    "title": "日本食品標準成分表2020年版（八訂）",
    "publisher": "文部科学省 科学技術・学術審議会 資源調査分科会",
    "published": "2020-12-25",
    "url": "https://www.mext.go.jp/a_menu/syokuhinseibun/mext_01110.html",
    "citation": "出典：「日本食品標準成分表2020年版（八訂）」（文部科学省）",
    "licence": "文部科学省ウェブサイト利用規約 (https://www.mext.go.jp/b_menu/1351168.htm); "
               "CC BY 4.0 for the machine-readable repository it came through",
    "note": "Values processed by this app (assets/health/food/ATTRIBUTION.md); "
            "not MEXT's own publication and not endorsed by MEXT.",
}


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose records are exported: the resident, or a child a parent keeps them for."""

    common_id: str
    birth_year: int | None = None
    sex: str | None = None  # "male" | "female" | another word the caller uses
    name: str | None = None  # only when the resident chose to put it in the export

    def as_json(self) -> dict[str, Any]:
        return {"common_id": self.common_id, "birth_year": self.birth_year, "sex": self.sex,
                "name": self.name}


def recorded_at(record: Mapping[str, Any]) -> datetime:
    """The record's `recorded_at` as an aware datetime; ValueError when it is missing, not
    ISO 8601, or has no UTC offset (the contract always writes one)."""
    raw = record.get("recorded_at")
    try:
        when = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValueError(f"record {record.get('id')!r}: recorded_at {raw!r} is not a date "
                         "and time") from None
    if when.tzinfo is None:
        raise ValueError(f"record {record.get('id')!r}: recorded_at {raw!r} has no offset")
    return when


def sorted_records(records: Sequence[Mapping[str, Any]],
                   subject: Subject) -> list[Mapping[str, Any]]:
    """The records in time order (recorded_at as an instant, then created_at, then id), all
    of them. ValueError for a record of someone else (an export is of one subject)."""
    for record in records:
        owner = record.get("subject")
        if owner is not None and owner != subject.common_id:
            raise ValueError(f"record {record.get('id')!r} is not {subject.common_id!r}'s")
    return sorted(records, key=lambda r: (recorded_at(r).astimezone(UTC),
                                          str(r.get("created_at") or ""), str(r.get("id"))))


def export_json(records: Sequence[Mapping[str, Any]], subject: Subject,
                exported_at: datetime) -> bytes:
    """The UTF-8 JSON document of `subject`'s records, in time order, nothing dropped:
    {"format", "version", "exported_at", "subject", "source", "records"}."""
    if exported_at.tzinfo is None:
        raise ValueError("exported_at needs a UTC offset")
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "subject": subject.as_json(),
        "source": {"food_table": FOOD_TABLE_SOURCE},
        "records": [dict(record) for record in sorted_records(records, subject)],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")
