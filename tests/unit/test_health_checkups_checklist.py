"""The 基本チェックリスト (app/features/health/checkups/checklist.py): the published questions
and the answer that scores each, question 12 from BMI, the seven rules at their boundaries,
the classes suggested, bad answers and bad files."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from app.features.health.checkups.checklist import (
    DEFAULT_CHECKLIST_PATH,
    RECORD_RULES,
    ChecklistError,
    default_checklist,
    load_checklist,
    parse_checklist,
    score,
    score_points,
)

# The answer (True: はい) that scores 1 for each asked question, as the published form
# prints it (0.はい 1.いいえ for 1–8, 16, 19; 1.はい 0.いいえ for the others).
SCORING_YES = {9, 10, 11, 13, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25}
SCORING_NO = {1, 2, 3, 4, 5, 6, 7, 8, 16, 19}
HEALTHY = {"height_cm": "160", "weight_kg": "55"}  # BMI 21.48


def answers_scoring(*numbers: int) -> dict[int, bool]:
    """Answers where exactly `numbers` score 1 (12 is set by height and weight)."""
    chosen = set(numbers)
    return {no: ((no in SCORING_YES) == (no in chosen))
            for no in SCORING_YES | SCORING_NO}


def test_the_questions_are_the_published_ones() -> None:
    checklist = default_checklist()
    assert len(checklist.questions) == 25
    assert checklist.question(1).ja == "バスや電車で1人で外出していますか"
    assert checklist.question(11).ja == "6ヵ月間で2～3kg以上の体重減少がありましたか"
    assert checklist.question(18).ja == (
        "周りの人から「いつも同じ事を聞く」などの物忘れがあると言われますか")
    assert checklist.question(25).ja == "（ここ2週間）わけもなく疲れたような感じがする"
    assert {q.no for q in checklist.questions if q.scores_on == "yes"} == SCORING_YES
    assert {q.no for q in checklist.questions if q.scores_on == "no"} == SCORING_NO
    assert checklist.question(12).scores_on == "bmi" and not checklist.question(12).asked
    assert all(q.en for q in checklist.questions)
    assert not checklist.rules_verified  # the rules' official text was not found


def test_q1_scores_for_no_and_q11_for_yes() -> None:
    base = answers_scoring()
    assert score(base, **HEALTHY).points == (0,) * 25
    assert score({**base, 1: False}, **HEALTHY).points[0] == 1
    assert score({**base, 1: True}, **HEALTHY).points[0] == 0
    assert score({**base, 11: True}, **HEALTHY).points[10] == 1
    assert score({**base, 11: "no"}, **HEALTHY).points[10] == 0


def test_q12_is_bmi_below_18_5_unrounded() -> None:
    base = answers_scoring()
    # 150 cm, 41.6 kg: BMI 18.488..., printed 18.5 but below 18.5, so it scores.
    low = score(base, height_cm="150", weight_kg="41.6")
    assert low.points[11] == 1 and low.bmi is not None and low.bmi < Decimal("18.5")
    # 150 cm, 41.625 kg: exactly 18.5, does not score.
    assert score(base, height_cm="150", weight_kg="41.625").points[11] == 0
    assert score(base, bmi_value=Decimal("18.4")).points[11] == 1


@pytest.mark.parametrize(("rule", "below", "at"), [
    ("overall", (1, 2, 3, 4, 5, 13, 16, 17, 18), (1, 2, 3, 4, 5, 13, 16, 17, 18, 20)),
    ("motor", (6, 7), (6, 7, 10)),
    ("nutrition", (11,), (11, 12)),
    ("oral", (13,), (14, 15)),
    ("housebound", (17,), (16,)),
    ("cognitive", (), (19,)),
    ("depression", (21,), (23, 25)),
])
def test_each_rule_at_its_boundary(rule: str, below: tuple[int, ...],
                                   at: tuple[int, ...]) -> None:
    def run(numbers: tuple[int, ...]) -> dict[str, bool]:
        measures = ({"height_cm": "160", "weight_kg": "45"} if 12 in numbers  # BMI 17.6
                    else HEALTHY)
        return score(answers_scoring(*[n for n in numbers if n != 12]), **measures).flags

    assert run(below)[rule] is False
    assert run(at)[rule] is True


def test_nine_points_in_1_to_20_is_not_overall_and_ten_is() -> None:
    nine = score(answers_scoring(1, 2, 3, 4, 5, 9, 13, 17, 20), **HEALTHY)
    assert nine.total == 9 and not nine.overall
    ten = score(answers_scoring(1, 2, 3, 4, 5, 9, 13, 17, 20, 21, 22, 14), **HEALTHY)
    assert ten.total == 10 and ten.overall
    # Points in 21–25 do not count towards the 1–20 total.
    assert score(answers_scoring(21, 22, 23, 24, 25), **HEALTHY).total == 0


def test_the_result_suggests_classes_once_and_the_record_keeps_the_seven_flags() -> None:
    result = score(answers_scoring(6, 7, 8, 16), **HEALTHY)
    assert [r.id for r in result.met] == ["motor", "housebound"]
    assert result.any_need
    assert result.suggested_resources == ("course-kaigo-yobo",)
    assert len(result.advice) == 2
    data = result.record_data()
    assert data["answers"] == [0] * 5 + [1, 1, 1] + [0] * 7 + [1] + [0] * 9
    assert data["result"] == {"overall": False, "motor": True, "nutrition": False,
                              "oral": False, "housebound": True, "cognitive": False,
                              "depression": False}
    assert tuple(data["result"]) == RECORD_RULES
    # Low mood alone suggests no class (a talk with the support centre instead).
    mood = score(answers_scoring(21, 24), **HEALTHY)
    assert [r.id for r in mood.met] == ["depression"] and mood.suggested_resources == ()
    assert not score(answers_scoring(), **HEALTHY).any_need


def test_stored_points_give_the_same_result() -> None:
    result = score(answers_scoring(6, 7, 8, 16, 18), **HEALTHY)
    again = score_points(result.record_data()["answers"])
    assert again.flags == result.flags
    with pytest.raises(ValueError, match="25 values"):
        score_points([0] * 24)
    with pytest.raises(ValueError, match="25 values"):
        score_points([0] * 24 + [2])


def test_missing_and_invalid_answers_are_listed() -> None:
    answers: dict[Any, Any] = answers_scoring()
    del answers[3]
    answers[5] = "maybe"
    answers[30] = True
    with pytest.raises(ChecklistError) as caught:
        score(answers)
    assert caught.value.missing == (3, 12)
    assert caught.value.invalid == (5, 30)
    with pytest.raises(ChecklistError) as bad_height:
        score(answers_scoring(), height_cm="16", weight_kg="50")
    assert bad_height.value.invalid == (12,)


def bundled() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEFAULT_CHECKLIST_PATH.read_text("utf-8"))
    return document


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["questions"].pop(), r"\$\.questions: must be a list of 25"),
    (lambda d: d["questions"][0].update(scores_on="maybe"), r"questions\[0\]\.scores_on"),
    (lambda d: d["questions"][11].update(scores_on="yes"), r"question 12 must be"),
    (lambda d: d["questions"][3].update(no=5), r"questions\[3\]\.no: must be 4"),
    (lambda d: d["rules"][1].update(at_least=9), r"rules\[1\]\.at_least"),
    (lambda d: d["rules"][1].update(items=[6, 6]), r"rules\[1\]\.items"),
    (lambda d: d["rules"][2].update(id="overall"), r"twice"),
    (lambda d: d.update(format=0), r"\$\.format"),
])
def test_a_bad_file_is_refused(change: Any, message: str) -> None:
    document = bundled()
    change(document)
    with pytest.raises(ValueError, match=message):
        parse_checklist(document)


def test_the_bundled_file_loads() -> None:
    checklist = load_checklist(DEFAULT_CHECKLIST_PATH)
    assert [(r.id, r.items, r.at_least) for r in checklist.rules] == [
        ("overall", tuple(range(1, 21)), 10), ("motor", (6, 7, 8, 9, 10), 3),
        ("nutrition", (11, 12), 2), ("oral", (13, 14, 15), 2), ("housebound", (16,), 1),
        ("cognitive", (18, 19, 20), 1), ("depression", (21, 22, 23, 24, 25), 2)]
    assert checklist.bmi_below == Decimal("18.5")
