"""Which checks and screenings are due (app/features/health/checkups/schedule.py): fiscal
years, fiscal-year ages, the national guideline's ages and intervals, sorting, bad files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.features.health.checkups import schedule
from app.features.health.checkups.schedule import (
    DEFAULT_SCREENINGS_PATH,
    SCREENINGS_ENV,
    days_left_in_fiscal_year,
    due_screenings,
    fiscal_year,
    fiscal_year_age,
    load_screenings,
    parse_screenings,
)

TODAY = date(2026, 12, 5)  # fiscal 2026 (April 2026 – March 2027)


def by_id(dues: list[schedule.Due]) -> dict[str, schedule.Due]:
    return {d.screening.id: d for d in dues}


def bundled() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEFAULT_SCREENINGS_PATH.read_text("utf-8"))
    return document


def test_fiscal_years_run_from_april_to_march() -> None:
    assert fiscal_year(date(2026, 3, 31)) == 2025
    assert fiscal_year(date(2026, 4, 1)) == 2026
    assert fiscal_year(TODAY) == 2026
    assert days_left_in_fiscal_year(date(2027, 3, 31)) == 1
    assert days_left_in_fiscal_year(date(2027, 3, 1)) == 31


def test_fiscal_year_age_is_the_age_on_31_march_counted_as_the_law_counts() -> None:
    # Fiscal 2026 ends on 31 March 2027.
    assert fiscal_year_age(date(1987, 3, 31), TODAY) == 40
    # Born 1 April: the year is completed at the end of 31 March, so 40 already.
    assert fiscal_year_age(date(1987, 4, 1), TODAY) == 40
    assert fiscal_year_age(date(1987, 4, 2), TODAY) == 39
    # The same person in the spring of the fiscal year: the age at its end.
    assert fiscal_year_age(date(1987, 4, 2), date(2026, 4, 1)) == 39
    assert fiscal_year_age(date(1987, 4, 2), date(2027, 4, 1)) == 40
    with pytest.raises(ValueError, match="after the end"):
        fiscal_year_age(date(2027, 4, 1), TODAY)


def test_a_woman_of_40_with_nothing_done_has_these_due_in_the_files_order() -> None:
    dues = due_screenings(40, "female", {}, TODAY)
    due = [d.screening.id for d in dues if d.status == "due"]
    assert due == ["tokutei-kenshin", "colorectal-cancer", "lung-cancer", "breast-cancer",
                   "cervical-cancer", "periodontal", "osteoporosis"]
    later = [(d.screening.id, d.next_from) for d in dues if d.status == "not_yet"]
    # Stomach from 50 (fiscal 2036), the 75+ check-up from 75 (fiscal 2061), soonest first;
    # periodontal and osteoporosis are due now, so they are listed once, as due.
    assert later == [("stomach-cancer", date(2036, 4, 1)), ("koki-kenshin", date(2061, 4, 1))]
    assert [d.status for d in dues] == ["due"] * 7 + ["not_yet"] * 2
    # Once osteoporosis is done at 40, the next is at 45 (fiscal 2031).
    done = by_id(due_screenings(40, "female", {"osteoporosis": date(2026, 9, 1)}, TODAY))
    assert (done["osteoporosis"].status, done["osteoporosis"].next_from) == (
        "done_this_period", date(2031, 4, 1))


def test_a_man_never_sees_the_womens_screenings() -> None:
    ids = set(by_id(due_screenings(55, "male", {}, TODAY)))
    assert not ids & {"breast-cancer", "cervical-cancer", "osteoporosis"}
    assert {"tokutei-kenshin", "stomach-cancer", "lung-cancer", "colorectal-cancer"} <= ids


def test_two_yearly_screenings_are_not_due_in_the_fiscal_year_after() -> None:
    done = {"stomach-cancer": date(2025, 6, 1),  # fiscal 2025: done this period
            "breast-cancer": date(2025, 3, 31),  # fiscal 2024: due again
            "lung-cancer": date(2026, 4, 1)}  # yearly, this fiscal year
    dues = by_id(due_screenings(52, "female", done, TODAY))
    stomach = dues["stomach-cancer"]
    assert (stomach.status, stomach.next_from) == ("done_this_period", date(2027, 4, 1))
    assert stomach.last_done == date(2025, 6, 1)
    assert dues["breast-cancer"].status == "due"
    assert dues["breast-cancer"].last_done == date(2025, 3, 31)
    lung = dues["lung-cancer"]
    assert (lung.status, lung.next_from) == ("done_this_period", date(2027, 4, 1))
    # Yearly, done last fiscal year: due again.
    again = by_id(due_screenings(52, "female", {"lung-cancer": date(2026, 3, 31)}, TODAY))
    assert again["lung-cancer"].status == "due"


def test_due_items_come_first_then_the_rest_by_date() -> None:
    done = {"tokutei-kenshin": date(2026, 6, 1), "stomach-cancer": date(2025, 6, 1)}
    dues = due_screenings(60, "male", done, TODAY)
    statuses = [d.status for d in dues]
    assert statuses.index("done_this_period") > max(
        i for i, s in enumerate(statuses) if s == "due")
    assert [d.screening.id for d in dues if d.status == "due"] == [
        "colorectal-cancer", "lung-cancer", "periodontal"]
    rest = [d.next_from for d in dues if d.status != "due"]
    assert rest == sorted(rest)


def test_listed_ages_come_once_and_end() -> None:
    # Periodontal at 70 done this year: no later age, so no next date.
    dues = by_id(due_screenings(70, "male", {"periodontal": date(2026, 7, 1)}, TODAY))
    assert (dues["periodontal"].status, dues["periodontal"].next_from) == (
        "done_this_period", None)
    # At 71 it is gone for good; at 69 it is next year.
    assert "periodontal" not in by_id(due_screenings(71, "male", {}, TODAY))
    soon = by_id(due_screenings(69, "male", {}, TODAY))["periodontal"]
    assert (soon.status, soon.next_from) == ("not_yet", date(2027, 4, 1))


def test_at_74_the_specific_check_up_ends_and_the_75_plus_one_follows() -> None:
    dues = by_id(due_screenings(74, "male", {"tokutei-kenshin": date(2026, 5, 1)}, TODAY))
    assert (dues["tokutei-kenshin"].status, dues["tokutei-kenshin"].next_from) == (
        "done_this_period", None)
    assert (dues["koki-kenshin"].status, dues["koki-kenshin"].next_from) == (
        "not_yet", date(2027, 4, 1))
    older = by_id(due_screenings(75, "male", {}, TODAY))
    assert "tokutei-kenshin" not in older and older["koki-kenshin"].status == "due"
    assert older["koki-kenshin"].screening.points_rule == "health-check"


def test_a_child_sees_only_what_comes_later() -> None:
    dues = due_screenings(15, "female", {}, TODAY)
    assert all(d.status == "not_yet" for d in dues)
    assert dues[0].screening.id == "cervical-cancer" and dues[0].next_from == date(2031, 4, 1)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="sex"):
        due_screenings(40, "x", {}, TODAY)
    with pytest.raises(ValueError, match="age"):
        due_screenings(-1, "male", {}, TODAY)


def test_the_bundled_file_follows_the_national_guidance() -> None:
    items = {s.id: s for s in load_screenings(DEFAULT_SCREENINGS_PATH)}
    stomach, breast = items["stomach-cancer"], items["breast-cancer"]
    assert (stomach.min_age, stomach.max_age, stomach.interval_years) == (50, None, 2)
    assert (breast.sex, breast.min_age, breast.interval_years) == ("female", 40, 2)
    assert (items["cervical-cancer"].min_age, items["cervical-cancer"].interval_years) == (20, 2)
    assert (items["lung-cancer"].min_age, items["lung-cancer"].interval_years) == (40, 1)
    assert (items["colorectal-cancer"].min_age,
            items["colorectal-cancer"].interval_years) == (40, 1)
    assert (items["tokutei-kenshin"].min_age, items["tokutei-kenshin"].max_age) == (40, 74)
    assert items["periodontal"].age_list == (20, 30, 40, 50, 60, 70)
    assert items["osteoporosis"].age_list == (40, 45, 50, 55, 60, 65, 70)
    assert items["tokutei-kenshin"].book_resource == "health-check-group"
    assert items["periodontal"].book_resource is None
    assert {i for i, s in items.items() if s.points_rule == "health-check"} == {
        "tokutei-kenshin", "koki-kenshin"}
    assert {i for i, s in items.items() if not s.verified} == {"koki-kenshin", "periodontal"}


def test_every_bookable_screening_names_a_demo_resource() -> None:
    demo = Path(DEFAULT_SCREENINGS_PATH).parents[1] / "reservations" / "demo"
    for item in load_screenings(DEFAULT_SCREENINGS_PATH):
        if item.book_resource is not None:
            assert (demo / f"{item.book_resource}.json").is_file(), item.book_resource


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["screenings"][0].update(sex="both"),
     r"\$\.screenings\[0\]\.sex: must be any, male or female"),
    (lambda d: d["screenings"][1].update(id="tokutei-kenshin"), r"\[1\]\.id: .* twice"),
    (lambda d: d["screenings"][0].update(ages={"min": 75, "max": 40}),
     r"\[0\]\.ages\.max: 40 is below min 75"),
    (lambda d: d["screenings"][7].update(interval_years=1), r"must be null with a list"),
    (lambda d: d["screenings"][2].update(interval_years=0), r"interval_years: must be"),
    (lambda d: d["screenings"][2].update(colour="red"), r"unknown key\(s\): colour"),
    (lambda d: d["screenings"][2].update(book_resource="Bad Id"), r"book_resource"),
    (lambda d: d["screenings"][8].update(ages={"list": [45, 40]}), r"increasing order"),
    (lambda d: d.update(format=2), r"\$\.format: must be 1"),
    (lambda d: d.update(screenings=[]), r"\$\.screenings: must be a list"),
])
def test_a_bad_file_is_refused_with_where_and_why(change: Any, message: str) -> None:
    document = bundled()
    change(document)
    with pytest.raises(ValueError, match=message):
        parse_screenings(document)


def test_an_unreadable_file_is_a_value_error(tmp_path: Path) -> None:
    broken = tmp_path / "screenings.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a JSON file"):
        load_screenings(broken)
    with pytest.raises(ValueError, match="cannot be read"):
        load_screenings(tmp_path / "missing.json")


def test_the_environment_variable_replaces_the_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    document = bundled()
    document["screenings"] = [document["screenings"][2]]  # colorectal only
    own = tmp_path / "city.json"
    own.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setenv(SCREENINGS_ENV, str(own))
    assert [s.id for s in schedule.default_screenings()] == ["colorectal-cancer"]
    assert [d.screening.id for d in due_screenings(45, "male", {}, TODAY)] == [
        "colorectal-cancer"]
    monkeypatch.delenv(SCREENINGS_ENV)
    assert len(schedule.default_screenings()) == 9
