"""The food composition table on the device: `Food` rows whose values are `Nutrient`s.

The bundled file is `assets/health/food/food_table.csv`, derived from
日本食品標準成分表2020年版（八訂） by `table_build` (see assets/health/food/ATTRIBUTION.md). Each
value cell keeps the table's own string, so the app can say "trace" or "estimated"; the marks
are read as the table's notes define them (docs/health.md, "Marks"):

| cell      | `Mark`            | `amount` (per 100 g edible portion) |
|-----------|-------------------|-------------------------------------|
| `12.3`    | MEASURED          | 12.3                                |
| `(12.3)`  | ESTIMATED         | 12.3                                |
| `Tr`      | TRACE             | 0 in sums, shown as trace           |
| `(Tr)`    | ESTIMATED_TRACE   | 0 in sums, shown as trace           |
| `(0)`     | ESTIMATED_ZERO    | 0                                   |
| `-`, ``   | NOT_MEASURED      | None: unknown, a sum says so        |
| `*`       | FLAG              | None: a flag, not a value           |

A value with a footnote sign (`14.0†`) is read as its number; the sign is kept in `footnote`.
"""

from __future__ import annotations

import csv
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from app.paths import ASSETS_DIR

log = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "DEFAULT_TABLE_PATH",
    "FOOD_GROUPS",
    "NUTRIENT_KEYS",
    "Food",
    "FoodTable",
    "Mark",
    "Nutrient",
    "NutrientKey",
    "default_table",
    "load_food_table",
    "parse_cell",
]

DEFAULT_TABLE_PATH = ASSETS_DIR / "health" / "food" / "food_table.csv"
# A city may point the app at its own copy of the table (same columns) without code.
TABLE_ENV = "TSUYAMA_FOOD_TABLE"


class NutrientKey(StrEnum):
    """The six values the health tile follows; each is also the table's column name."""

    ENERGY_KCAL = "energy_kcal"
    PROTEIN_G = "protein_g"
    FAT_G = "fat_g"
    CARBOHYDRATE_G = "carbohydrate_g"
    FIBER_G = "fiber_g"
    SALT_EQUIV_G = "salt_equiv_g"


NUTRIENT_KEYS: tuple[NutrientKey, ...] = tuple(NutrientKey)
COLUMNS: tuple[str, ...] = ("code", "group", "name", "refuse_pct", *NUTRIENT_KEYS)

# 食品群 (the first two digits of a food code), as the table names them.
FOOD_GROUPS: dict[str, str] = {
    "01": "穀類", "02": "いも及びでん粉類", "03": "砂糖及び甘味類", "04": "豆類",
    "05": "種実類", "06": "野菜類", "07": "果実類", "08": "きのこ類", "09": "藻類",
    "10": "魚介類", "11": "肉類", "12": "卵類", "13": "乳類", "14": "油脂類", "15": "菓子類",
    "16": "し好飲料類", "17": "調味料及び香辛料類", "18": "調理済み流通食品類",
}


class Mark(StrEnum):
    """What a value cell of the table says about its number."""

    MEASURED = "measured"
    ESTIMATED = "estimated"  # (12.3)
    TRACE = "trace"  # Tr
    ESTIMATED_TRACE = "estimated_trace"  # (Tr)
    ESTIMATED_ZERO = "estimated_zero"  # (0)
    NOT_MEASURED = "not_measured"  # -
    FLAG = "flag"  # * (a flag of the source table, not a value)


ESTIMATED_MARKS = frozenset({Mark.ESTIMATED, Mark.ESTIMATED_TRACE, Mark.ESTIMATED_ZERO})
TRACE_MARKS = frozenset({Mark.TRACE, Mark.ESTIMATED_TRACE})
UNKNOWN_MARKS = frozenset({Mark.NOT_MEASURED, Mark.FLAG})


@dataclass(frozen=True, slots=True)
class Nutrient:
    """One value cell: the table's string, its mark and the amount per 100 g edible portion
    (None when the table gives no amount)."""

    raw: str
    mark: Mark
    amount: Decimal | None
    footnote: str = ""

    @property
    def known(self) -> bool:
        return self.amount is not None

    @property
    def trace(self) -> bool:
        return self.mark in TRACE_MARKS

    @property
    def estimated(self) -> bool:
        return self.mark in ESTIMATED_MARKS


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FOOTNOTE = re.compile(r"(-?\d+(?:\.\d+)?)([†‡*]+)")
# Full-width brackets some rows use (（0）) read as ASCII ones.
_WIDTH = str.maketrans({"（": "(", "）": ")", "－": "-", "‐": "-", "ー": "-", "−": "-"})


@lru_cache(maxsize=4096)
def parse_cell(raw: str) -> Nutrient:
    """The `Nutrient` a table cell stands for; ValueError when the cell is not one of the
    table's forms (a number, `(number)`, `Tr`, `(Tr)`, `(0)`, `-`, `*`, empty)."""
    text = raw.strip().translate(_WIDTH)
    if text in ("", "-"):
        return Nutrient(raw, Mark.NOT_MEASURED, None)
    if text == "*":
        return Nutrient(raw, Mark.FLAG, None)
    if text == "Tr":
        return Nutrient(raw, Mark.TRACE, Decimal(0))
    if text == "(Tr)":
        return Nutrient(raw, Mark.ESTIMATED_TRACE, Decimal(0))
    if text.startswith("(") and text.endswith(")") and _NUMBER.fullmatch(text[1:-1]):
        amount = Decimal(text[1:-1])
        mark = Mark.ESTIMATED_ZERO if amount == 0 else Mark.ESTIMATED
        return Nutrient(raw, mark, amount)
    if _NUMBER.fullmatch(text):
        return Nutrient(raw, Mark.MEASURED, Decimal(text))
    if match := _FOOTNOTE.fullmatch(text):
        return Nutrient(raw, Mark.MEASURED, Decimal(match.group(1)), footnote=match.group(2))
    raise ValueError(f"not a value of the food composition table: {raw!r}")


@dataclass(frozen=True, slots=True)
class Food:
    """One row of the table; every value is per 100 g of the edible portion (可食部)."""

    code: str  # 食品番号, five digits ("01088")
    group: str  # 食品群, two digits ("01")
    name: str  # as the table writes it: "こめ ［水稲めし］ 精白米 うるち米"
    refuse_pct: Decimal  # 廃棄率 (%): the part of the food as bought that is not eaten
    energy_kcal: Nutrient
    protein_g: Nutrient
    fat_g: Nutrient
    carbohydrate_g: Nutrient
    fiber_g: Nutrient
    salt_equiv_g: Nutrient

    def nutrient(self, key: NutrientKey) -> Nutrient:
        value: Nutrient = getattr(self, key.value)
        return value

    @property
    def group_name(self) -> str:
        return FOOD_GROUPS.get(self.group, "")


class FoodTable:
    """All foods by code, in the table's order."""

    def __init__(self, foods: list[Food], source: Path | None = None) -> None:
        self._foods = foods
        self._by_code = {food.code: food for food in foods}
        self.source = source

    def __len__(self) -> int:
        return len(self._foods)

    def __iter__(self) -> Iterator[Food]:
        return iter(self._foods)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Food | None:
        return self._by_code.get(code)

    def __getitem__(self, code: str) -> Food:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"no food {code!r} in the food composition table") from None


def _cell(raw: str, code: str, column: str, strict: bool) -> Nutrient:
    try:
        return parse_cell(raw)
    except ValueError:
        if strict:
            raise ValueError(f"food {code}, {column}: unreadable value {raw!r}") from None
        log.warning("food %s, %s: unreadable value %r read as not measured", code, column, raw)
        return Nutrient(raw, Mark.NOT_MEASURED, None)


def _food(row: dict[str, str], strict: bool) -> Food:
    code = row["code"].strip().zfill(5)
    refuse = parse_cell(row.get("refuse_pct") or "0").amount or Decimal(0)
    values = {key.value: _cell(row.get(key.value, ""), code, key.value, strict)
              for key in NUTRIENT_KEYS}
    return Food(code=code, group=(row.get("group") or code[:2]).strip().zfill(2),
                name=row["name"].strip(), refuse_pct=refuse, **values)


def load_food_table(path: Path | None = None, *, strict: bool = False) -> FoodTable:
    """Read a table in the app's format (`COLUMNS`; extra columns are ignored). `strict` raises
    on an unreadable value (the build does); otherwise it is logged and read as not measured.
    Without `path`: `$TSUYAMA_FOOD_TABLE`, else the bundled table."""
    path = path or Path(os.environ.get(TABLE_ENV) or DEFAULT_TABLE_PATH)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(missing)}")
        foods = [_food(row, strict) for row in reader if (row.get("code") or "").strip()]
    codes = [food.code for food in foods]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path}: a food code appears twice")
    return FoodTable(foods, source=path)


@lru_cache(maxsize=1)
def default_table() -> FoodTable:
    """The table the app uses, read once."""
    return load_food_table()
