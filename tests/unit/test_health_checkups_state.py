"""The check-ups screen's state over the health state (fakes of the store and the ledger):
what is due for a woman of 40 (fiscal-year age from her birth date), 「受けました」 and a
check-up result mark them done, a result is evaluated and kept as a record (a bad value is
refused by item, nothing kept), and the 基本チェックリスト is offered from 65 and kept."""

from __future__ import annotations

import asyncio
from datetime import date

from app.features.health.checkups.state import CheckupsState
from app.features.health.state import HealthState, Subject
from tests.unit.test_health_views import NOW, Online, Repo


def _health(age: int, sex: str = "female") -> tuple[HealthState, Repo]:
    repo = Repo()
    health = HealthState(repo, Online(), Subject("me-1", "", age), sex, lambda: NOW)
    asyncio.run(health.load())
    asyncio.run(health.grant("ja"))
    return health, repo


def _status(state: CheckupsState) -> dict[str, str]:
    return {due.screening.id: due.status for due in state.dues()}


def test_what_is_due_and_marking_it_done() -> None:
    health, repo = _health(40)
    # Born 1986-07-03: 40 on 31 March 2027, the end of fiscal year 2026.
    state = CheckupsState(health, date(1986, 7, 3))
    assert state.fiscal_age() == 40
    due = _status(state)
    assert due["tokutei-kenshin"] == "due" and due["breast-cancer"] == "due"
    assert due["osteoporosis"] == "due"  # women at 40, 45, ... 70
    assert "stomach-cancer" not in due or due["stomach-cancer"] == "not_yet"  # from 50
    assert due["koki-kenshin"] == "not_yet"  # from 75
    asyncio.run(state.mark_done("breast-cancer"))
    assert _status(state)["breast-cancer"] == "done_this_period"
    kinds = [r["kind"] for r in repo.rows.values()]
    assert kinds == ["screening"]
    men = CheckupsState(_health(40, "male")[0], date(1986, 7, 3))
    assert "breast-cancer" not in _status(men)


def test_a_check_up_result_is_evaluated_kept_and_marks_the_check_up_done() -> None:
    health, repo = _health(40)
    state = CheckupsState(health, date(1986, 7, 3))
    assert asyncio.run(state.save_checkup({"sbp": "300000", "hba1c": "abc"})) is False
    assert set(state.checkup_errors) == {"sbp", "hba1c"} and repo.rows == {}
    assert asyncio.run(state.save_checkup({"sbp": "130", "dbp": "79", "hba1c": "6.5",
                                           "ldl": ""}))
    evaluation = state.shown_evaluation()
    assert evaluation is not None and evaluation.at_risk
    levels = evaluation.levels()
    assert levels["sbp"] == "guidance" and levels["hba1c"] == "referral"
    assert levels["dbp"] == "normal" and "ldl" not in levels
    (record,) = repo.rows.values()
    assert record["kind"] == "checkup" and record["data"]["at_risk"] is True
    assert record["data"]["values"]["sbp"] == "130"
    assert _status(state)["tokutei-kenshin"] == "done_this_period"


def test_the_checklist_from_65_is_scored_and_kept() -> None:
    young = CheckupsState(_health(64)[0], date(1962, 1, 1))
    assert not young.checklist_offered
    health, repo = _health(70)
    state = CheckupsState(health, date(1956, 5, 5))
    assert state.checklist_offered
    assert asyncio.run(state.submit_checklist()) is False and 1 in state.missing
    for number in range(1, 26):
        if number != 12:
            # No need anywhere: はい for 1-8, 16 and 19 (いいえ scores there), いいえ elsewhere.
            state.answer(number, number in (1, 2, 3, 4, 5, 6, 7, 8, 16, 19))
    state.measure("height_cm", "155")
    state.measure("weight_kg", "40")  # BMI 16.6: question 12 scores
    assert asyncio.run(state.submit_checklist())
    result = state.checklist_result
    assert result is not None and result.points[11] == 1
    (record,) = repo.rows.values()
    assert record["kind"] == "checklist" and len(record["data"]["answers"]) == 25
    assert state.latest_checklist() is not None
