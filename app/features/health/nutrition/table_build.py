"""Derive the app's compact food table from the slim CSV of 日本食品標準成分表2020年版（八訂）.

    python -m app.features.health.nutrition.table_build SRC DEST

SRC is `fcj2020_8th_slim.csv` (columns food_code, group, name_ja, refuse_pct, energy_kcal,
protein_g, fat_g, carbohydrate_g, fiber_g, salt_equiv_g, ...); DEST is the app's CSV
(`food_table.COLUMNS`). Value cells are copied as the table writes them ("Tr", "(11.3)", "-",
"(0)") with two clean-ups only: surrounding spaces are removed and, in value cells, full-width
brackets become ASCII ("（0）" → "(0)"); names are kept exactly. Every cell is checked with
`food_table.parse_cell`; the build stops on a cell the app could not read, so a city's
replacement file is checked the same way.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from app.features.health.nutrition.food_table import COLUMNS, NUTRIENT_KEYS, parse_cell

__all__ = ["SOURCE_COLUMNS", "build_rows", "main", "write_table"]

# The app's column ← the slim CSV's column.
SOURCE_COLUMNS: dict[str, str] = {
    "code": "food_code",
    "group": "group",
    "name": "name_ja",
    "refuse_pct": "refuse_pct",
    **{key.value: key.value for key in NUTRIENT_KEYS},
}


def _clean(value: str) -> str:
    return value.strip().replace("（", "(").replace("）", ")")


def build_rows(source_rows: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """The app's rows from the slim CSV's rows; ValueError on a missing column or a value
    the app cannot read."""
    rows: list[dict[str, str]] = []
    for number, source in enumerate(source_rows, start=2):
        missing = [src for src in SOURCE_COLUMNS.values() if src not in source]
        if missing:
            raise ValueError(f"line {number}: missing columns {', '.join(missing)}")
        row = {dest: (source[src] or "").strip() for dest, src in SOURCE_COLUMNS.items()}
        row["code"] = row["code"].zfill(5)
        row["group"] = row["group"].zfill(2)
        if not row["code"].isdigit() or not row["name"]:
            raise ValueError(f"line {number}: no food code or name")
        for column in ("refuse_pct", *NUTRIENT_KEYS):
            row[column] = _clean(row[column])
            try:
                parse_cell(row[column])
            except ValueError as error:
                raise ValueError(f"line {number} ({row['code']}), {column}: {error}") from None
        rows.append(row)
    return rows


def write_table(rows: Sequence[dict[str, str]], dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m app.features.health.nutrition.table_build SRC DEST",
              file=sys.stderr)
        return 2
    src, dest = Path(args[0]), Path(args[1])
    with src.open(encoding="utf-8-sig", newline="") as handle:
        try:
            rows = build_rows(csv.DictReader(handle))
        except ValueError as error:
            print(f"{src}: {error}", file=sys.stderr)
            return 1
    write_table(rows, dest)
    print(f"{len(rows)} foods written to {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
