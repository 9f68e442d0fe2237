"""The food composition table on the device: the bundled copy of 日本食品標準成分表2020年版
（八訂）, its marks read as the table defines them, and the build that derives it."""

from __future__ import annotations

import csv
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from app.features.health.nutrition import table_build
from app.features.health.nutrition.food_table import (
    COLUMNS,
    DEFAULT_TABLE_PATH,
    FOOD_GROUPS,
    Mark,
    NutrientKey,
    default_table,
    load_food_table,
    parse_cell,
)

SLIM = Path("/work/shared/data/food/fcj2020_8th_slim.csv")
HEADER = ",".join(COLUMNS)


def write(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("raw", "mark", "amount"), [
    ("12.3", Mark.MEASURED, Decimal("12.3")),
    ("0", Mark.MEASURED, Decimal(0)),
    ("(11.3)", Mark.ESTIMATED, Decimal("11.3")),
    ("Tr", Mark.TRACE, Decimal(0)),
    ("(Tr)", Mark.ESTIMATED_TRACE, Decimal(0)),
    ("(0)", Mark.ESTIMATED_ZERO, Decimal(0)),
    ("（0）", Mark.ESTIMATED_ZERO, Decimal(0)),  # full-width brackets, as in food 07137
    ("-", Mark.NOT_MEASURED, None),
    ("", Mark.NOT_MEASURED, None),
    ("*", Mark.FLAG, None),
    (" 7.4 ", Mark.MEASURED, Decimal("7.4")),
])
def test_each_mark_of_the_table_is_read_as_defined(raw: str, mark: Mark,
                                                     amount: Decimal | None) -> None:
    nutrient = parse_cell(raw)
    assert (nutrient.mark, nutrient.amount, nutrient.raw) == (mark, amount, raw)
    assert nutrient.known is (amount is not None)
    assert nutrient.trace is (mark in (Mark.TRACE, Mark.ESTIMATED_TRACE))
    assert nutrient.estimated is (mark in (Mark.ESTIMATED, Mark.ESTIMATED_TRACE,
                                           Mark.ESTIMATED_ZERO))


def test_a_footnote_sign_keeps_the_number() -> None:
    nutrient = parse_cell("14.0†")  # 還元水あめ's fibre
    assert (nutrient.mark, nutrient.amount, nutrient.footnote) == (
        Mark.MEASURED, Decimal("14.0"), "†")


@pytest.mark.parametrize("raw", ["abc", "1,2", "(", "Tr?", "()", "12.3.4"])
def test_a_cell_that_is_no_form_of_the_table_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="not a value"):
        parse_cell(raw)


def test_the_bundled_table_has_every_food_with_its_raw_marks() -> None:
    table = default_table()
    assert len(table) == 2478
    assert len({food.code for food in table}) == 2478
    assert {food.group for food in table} == set(FOOD_GROUPS)
    amaranth = table["01001"]
    assert amaranth.name == "アマランサス 玄穀" and amaranth.group_name == "穀類"
    assert amaranth.energy_kcal.amount == 343 and amaranth.protein_g.amount == Decimal("12.7")
    dashi = table["17021"]  # かつお・昆布だし: fat Tr, fibre -
    assert dashi.fat_g.mark is Mark.TRACE and dashi.fat_g.raw == "Tr"
    assert dashi.fiber_g.mark is Mark.NOT_MEASURED and dashi.fiber_g.amount is None
    omelette = table["12018"]  # 厚焼きたまご: estimated values
    assert omelette.protein_g.mark is Mark.ESTIMATED and omelette.protein_g.raw == "(10.5)"
    assert table["17007"].fiber_g.mark is Mark.ESTIMATED_TRACE  # こいくちしょうゆ (Tr)
    assert table["10136"].fiber_g.mark is Mark.ESTIMATED_ZERO  # しろさけ 焼き (0)
    assert table["06223"].refuse_pct == 9  # にんにく: 9 % refuse
    assert table.get("99999") is None and "99999" not in table
    with pytest.raises(KeyError, match="99999"):
        table["99999"]
    assert amaranth.nutrient(NutrientKey.FAT_G) is amaranth.fat_g


@pytest.mark.skipif(not SLIM.exists(), reason="the shared slim CSV is not on this machine")
def test_the_bundled_table_is_what_the_build_makes_from_the_slim_csv(tmp_path: Path) -> None:
    dest = tmp_path / "food_table.csv"
    assert table_build.main([str(SLIM), str(dest)]) == 0
    assert dest.read_bytes() == DEFAULT_TABLE_PATH.read_bytes()
    with SLIM.open(encoding="utf-8") as handle:
        source = {row["food_code"]: row for row in csv.DictReader(handle)}
    for food in load_food_table(dest, strict=True):  # every cell kept as the table writes it
        row = source[food.code]
        assert food.name == row["name_ja"]
        for key in NutrientKey:
            assert food.nutrient(key).raw == row[key.value].strip().replace(
                "（", "(").replace("）", ")")


def test_the_build_stops_on_a_value_the_app_cannot_read(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    header = ("food_code,group,name_ja,refuse_pct,energy_kcal,protein_g,fat_g,"
              "carbohydrate_g,fiber_g,salt_equiv_g")
    good = write(tmp_path / "good.csv", "01001,01,アマランサス 玄穀,0,343,12.7,6.0,64.9,7.4,0",
                 header=header)
    bad = write(tmp_path / "bad.csv", "01001,01,アマランサス 玄穀,0,343,12.7,six,64.9,7.4,0",
                header=header)
    assert table_build.main([str(good), str(tmp_path / "out.csv")]) == 0
    assert load_food_table(tmp_path / "out.csv")["01001"].fat_g.amount == Decimal("6.0")
    assert table_build.main([str(bad), str(tmp_path / "out2.csv")]) == 1
    assert "fat_g" in capsys.readouterr().err
    assert not (tmp_path / "out2.csv").exists()
    assert table_build.main([str(good)]) == 2


def test_a_replaced_table_is_read_without_code(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    city = write(tmp_path / "city.csv", "1001,1,アマランサス 玄穀,0,343,12.7,oops,64.9,7.4,0")
    monkeypatch.setenv("TSUYAMA_FOOD_TABLE", str(city))
    with caplog.at_level(logging.WARNING):
        table = load_food_table()
    assert list(f.code for f in table) == ["01001"]  # codes padded to five digits
    assert table["01001"].fat_g.mark is Mark.NOT_MEASURED  # unreadable: unknown, logged
    assert "oops" in caplog.text
    with pytest.raises(ValueError, match="unreadable"):
        load_food_table(city, strict=True)


def test_a_table_without_a_needed_column_or_with_a_code_twice_is_refused(tmp_path: Path
                                                                        ) -> None:
    with pytest.raises(ValueError, match="salt_equiv_g"):
        load_food_table(write(tmp_path / "a.csv", "01001,01,x,0,1,1,1,1,1",
                              header=HEADER.removesuffix(",salt_equiv_g")))
    with pytest.raises(ValueError, match="twice"):
        load_food_table(write(tmp_path / "b.csv", "01001,01,x,0,1,1,1,1,1,0",
                              "01001,01,y,0,1,1,1,1,1,0"))
