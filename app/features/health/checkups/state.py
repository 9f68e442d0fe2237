"""The check-ups screen's state (plain Python over the health tile's state): the screenings
due for the person whose record it is, the check-up results form and its evaluation, and
the 基本チェックリスト for residents of 65 or more. Each saved answer is a health record
(kind "screening", "checkup" or "checklist"), so it is exported and deleted with the rest."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.features.health.checkups.checklist import (
    ChecklistError,
    ChecklistResult,
    score,
    score_points,
)
from app.features.health.checkups.schedule import Due, due_screenings, fiscal_year_age
from app.features.health.checkups.thresholds import CheckupInputError, Evaluation, evaluate
from app.features.health.records import Record, RecordRefused, plain_record
from app.features.health.state import HealthState

CHECKLIST_FROM_AGE = 65
# A screening booked or done under another name still counts: a 特定健診 result entered as
# a check-up record also marks the yearly check-up done.
CHECKUP_SCREENINGS = ("tokutei-kenshin", "koki-kenshin")


class CheckupsState:
    def __init__(self, health: HealthState, birthdate: date | None) -> None:
        self.health = health
        self.birthdate = birthdate
        self.checkup_errors: dict[str, str] = {}
        self.checkup_typed: dict[str, str] = {}
        self.evaluation: Evaluation | None = None
        self.answers: dict[int, bool] = {}
        self.height_cm = ""
        self.weight_kg = ""
        self.missing: tuple[int, ...] = ()
        self.checklist_result: ChecklistResult | None = None

    # --- who ----------------------------------------------------------------------------------
    def fiscal_age(self) -> int | None:
        subject = self.health.subject
        if not subject.is_child and self.birthdate is not None:
            return fiscal_year_age(self.birthdate, self.health.today())
        return subject.age

    @property
    def checklist_offered(self) -> bool:
        age = self.health.age
        return age is not None and age >= CHECKLIST_FROM_AGE

    # --- screenings ------------------------------------------------------------------------
    def done_dates(self) -> dict[str, date]:
        done: dict[str, date] = {}
        for record in self.health.mine():
            day = _record_date(record)
            if record.kind == "screening":
                ident = str(record.data.get("screening", ""))
                if ident and (ident not in done or done[ident] < day):
                    done[ident] = day
            elif record.kind == "checkup":
                for ident in CHECKUP_SCREENINGS:
                    if ident not in done or done[ident] < day:
                        done[ident] = day
        return done

    def dues(self) -> list[Due]:
        age, sex = self.fiscal_age(), self.health.sex
        if age is None or sex is None:
            return []
        return due_screenings(age, sex, self.done_dates(), self.health.today())

    async def mark_done(self, screening_id: str) -> None:
        today = self.health.today()
        record = plain_record("screening", self.health.subject_id, today, self.health.now(),
                              {"screening": screening_id, "date": today.isoformat()})
        await self.health.add_record(record)

    # --- check-up results --------------------------------------------------------------------
    def latest_checkup(self) -> Record | None:
        found = [r for r in self.health.mine() if r.kind == "checkup"]
        return found[-1] if found else None

    def shown_evaluation(self) -> Evaluation | None:
        if self.evaluation is not None:
            return self.evaluation
        latest, sex = self.latest_checkup(), self.health.sex
        if latest is None or sex is None:
            return None
        values = latest.data.get("values")
        try:
            return evaluate(values if isinstance(values, dict) else {}, sex)
        except (CheckupInputError, ValueError):
            return None

    async def save_checkup(self, typed: dict[str, str]) -> bool:
        self.checkup_typed = dict(typed)
        values = {key: text.strip() for key, text in typed.items() if text and text.strip()}
        sex = self.health.sex
        if sex is None:
            self.health.error = "Targets need your age and sex."
            return False
        if not values:
            self.checkup_errors = {}
            self.health.error = "Enter the values on your check-up sheet. Leave out what you " \
                                "do not have."
            return False
        try:
            evaluation = evaluate(values, sex)
        except CheckupInputError as exc:
            self.checkup_errors = dict(exc.errors)
            self.evaluation = None
            return False
        self.checkup_errors = {}
        self.evaluation = evaluation
        today = self.health.today()
        data: dict[str, Any] = {"date": today.isoformat(), **evaluation.record_data()}
        try:
            record = plain_record("checkup", self.health.subject_id, today, self.health.now(),
                                  data)
        except RecordRefused:
            return False
        await self.health.add_record(record)
        return True

    # --- 基本チェックリスト -------------------------------------------------------------------
    def answer(self, number: int, yes: bool) -> None:
        self.answers[number] = yes
        self.checklist_result = None

    def measure(self, which: str, text: str) -> None:
        if which == "height_cm":
            self.height_cm = text
        elif which == "weight_kg":
            self.weight_kg = text

    def latest_checklist(self) -> ChecklistResult | None:
        found = [r for r in self.health.mine() if r.kind == "checklist"]
        if not found:
            return None
        points = found[-1].data.get("answers")
        try:
            return score_points([int(p) for p in points or ()])
        except (TypeError, ValueError):
            return None

    async def submit_checklist(self) -> bool:
        try:
            result = score(self.answers, height_cm=self.height_cm or None,
                           weight_kg=self.weight_kg or None)
        except ChecklistError as exc:
            self.missing = tuple(sorted({*getattr(exc, "missing", ()),
                                         *getattr(exc, "invalid", ())}))
            return False
        self.missing = ()
        self.checklist_result = result
        today = self.health.today()
        record = plain_record("checklist", self.health.subject_id, today, self.health.now(),
                              {"date": today.isoformat(), **result.record_data()})
        await self.health.add_record(record)
        return True


def _record_date(record: Record) -> date:
    raw = record.data.get("date")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    return record.day

