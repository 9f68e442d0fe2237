"""MHLW's 基本チェックリスト (25 questions) from assets/health/kihon_checklist.json: scoring
each answer, the published rules that mark a need, and which 介護予防 classes to suggest
(docs/health_checkups.md, "Checklist").

An answer is はい (True, "yes") or いいえ (False, "no"); each question says which answer scores
1 (question 1 「バスや電車で1人で外出していますか」 scores 1 for いいえ, question 11 for はい).
Question 12 is not asked: it scores 1 when BMI = weight (kg) / height (m)² is below 18.5,
computed unrounded from the height and weight entered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from app.features.health.checkups.json_file import read_json
from app.features.health.checkups.thresholds import bmi
from app.paths import ASSETS_DIR

__all__ = [
    "BMI_QUESTION",
    "DEFAULT_CHECKLIST_PATH",
    "QUESTION_COUNT",
    "RECORD_RULES",
    "Checklist",
    "ChecklistError",
    "ChecklistResult",
    "Question",
    "Rule",
    "default_checklist",
    "load_checklist",
    "parse_checklist",
    "score",
    "score_points",
]

DEFAULT_CHECKLIST_PATH = ASSETS_DIR / "health" / "kihon_checklist.json"
QUESTION_COUNT = 25
BMI_QUESTION = 12
# The rule ids a "checklist" health record keeps in data.result.
RECORD_RULES = ("overall", "motor", "nutrition", "oral", "housebound", "cognitive",
                "depression")
Answer = bool | Literal["yes", "no"]


@dataclass(frozen=True, slots=True)
class Question:
    no: int
    ja: str
    en: str
    scores_on: Literal["yes", "no", "bmi"]
    domain: str

    def text_in(self, language: str) -> str:
        return self.ja if language == "ja" else self.en

    @property
    def asked(self) -> bool:
        """False for question 12 (computed from height and weight)."""
        return self.scores_on != "bmi"

    def point(self, answer: bool) -> int:
        """1 when `answer` (True: はい) is the one that scores."""
        return int(answer == (self.scores_on == "yes"))


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name_ja: str
    name_en: str
    items: tuple[int, ...]
    at_least: int
    advice: str  # English message id
    suggest: tuple[str, ...]  # reservations resource ids

    def name_in(self, language: str) -> str:
        return self.name_ja if language == "ja" else self.name_en

    def met(self, points: Sequence[int]) -> bool:
        return sum(points[no - 1] for no in self.items) >= self.at_least


@dataclass(frozen=True, slots=True)
class Checklist:
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    bmi_below: Decimal
    rules_verified: bool = True

    def question(self, no: int) -> Question:
        return self.questions[no - 1]

    @property
    def asked(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.asked)


@dataclass(frozen=True, slots=True)
class ChecklistResult:
    """Points of the 25 questions (0 or 1 each, in order), the rules met, the BMI used for
    question 12, and the classes to suggest."""

    points: tuple[int, ...]
    met: tuple[Rule, ...]
    bmi: Decimal | None = None
    flags: dict[str, bool] = field(default_factory=dict)

    @property
    def any_need(self) -> bool:
        """Whether any rule is met (事業対象者に該当)."""
        return bool(self.met)

    @property
    def overall(self) -> bool:
        return self.flags.get("overall", False)

    @property
    def total(self) -> int:
        """Points of questions 1–20 (the 生活機能全般 count)."""
        return sum(self.points[:20])

    @property
    def suggested_resources(self) -> tuple[str, ...]:
        """Reservations resource ids of the met rules, each once, in the rules' order."""
        found: list[str] = []
        for rule in self.met:
            found += [r for r in rule.suggest if r not in found]
        return tuple(found)

    @property
    def advice(self) -> tuple[str, ...]:
        return tuple(rule.advice for rule in self.met)

    def record_data(self) -> dict[str, Any]:
        """The `answers` and `result` of a "checklist" health record."""
        return {"answers": list(self.points),
                "result": {rule: self.flags.get(rule, False) for rule in RECORD_RULES}}


class ChecklistError(ValueError):
    """Answers that cannot be scored: `missing` question numbers (12 when height or weight is
    missing), `invalid` ones (an answer that is not はい or いいえ, an unknown number, a
    height or weight out of range)."""

    def __init__(self, missing: Sequence[int] = (), invalid: Sequence[int] = ()) -> None:
        self.missing = tuple(missing)
        self.invalid = tuple(invalid)
        super().__init__(f"missing answers: {list(self.missing)}; "
                         f"invalid answers: {list(self.invalid)}")


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("yes", "はい"):
        return True
    if value in ("no", "いいえ"):
        return False
    return None


def score_points(points: Sequence[int], checklist: Checklist | None = None,
                 bmi_value: Decimal | None = None) -> ChecklistResult:
    """The rules met by 25 points already scored (a stored record's `answers`)."""
    checklist = checklist or default_checklist()
    if len(points) != QUESTION_COUNT or any(p not in (0, 1) for p in points):
        raise ValueError(f"points must be {QUESTION_COUNT} values of 0 or 1")
    kept = tuple(int(p) for p in points)
    met = tuple(rule for rule in checklist.rules if rule.met(kept))
    flags = {rule.id: rule in met for rule in checklist.rules}
    return ChecklistResult(kept, met, bmi_value, flags)


def score(answers: Mapping[int, Answer], *, height_cm: Decimal | str | None = None,
          weight_kg: Decimal | str | None = None, bmi_value: Decimal | None = None,
          checklist: Checklist | None = None) -> ChecklistResult:
    """Score the answers to the 24 asked questions (by number: True or "yes" for はい, False
    or "no" for いいえ) and question 12 from `height_cm` and `weight_kg` (or a BMI already
    computed). ChecklistError (a ValueError) lists every missing or invalid answer."""
    checklist = checklist or default_checklist()
    missing: list[int] = []
    invalid = sorted(no for no in answers
                     if not isinstance(no, int) or not 1 <= no <= QUESTION_COUNT
                     or no == BMI_QUESTION)
    points: list[int] = []
    value = bmi_value
    for question in checklist.questions:
        if not question.asked:
            if value is None and (height_cm in (None, "") or weight_kg in (None, "")):
                missing.append(question.no)
                points.append(0)
                continue
            if value is None:
                try:
                    value = bmi(height_cm or "", weight_kg or "")
                except ValueError:
                    invalid.append(question.no)
                    points.append(0)
                    continue
            points.append(int(value < checklist.bmi_below))
            continue
        if question.no not in answers:
            missing.append(question.no)
            points.append(0)
            continue
        answer = _as_bool(answers[question.no])
        if answer is None:
            invalid.append(question.no)
            points.append(0)
            continue
        points.append(question.point(answer))
    if missing or invalid:
        raise ChecklistError(missing, sorted(set(invalid)))
    return score_points(points, checklist, value)


# --- loading --------------------------------------------------------------------------------

def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _question(row: Any, index: int, where: str) -> Question:
    if not isinstance(row, dict):
        raise _fail(where, "must be an object")
    if row.get("no") != index + 1:
        raise _fail(f"{where}.no", f"must be {index + 1} (questions in order)")
    for key in ("ja", "en", "domain"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise _fail(f"{where}.{key}", "must be text")
    scores_on = row.get("scores_on")
    if index + 1 == BMI_QUESTION:
        if scores_on != "bmi":
            raise _fail(f"{where}.scores_on", "question 12 must be \"bmi\"")
    elif scores_on not in ("yes", "no"):
        raise _fail(f"{where}.scores_on", "must be \"yes\" or \"no\"")
    return Question(row["no"], row["ja"], row["en"], scores_on, row["domain"])


def _rule(row: Any, where: str) -> Rule:
    if not isinstance(row, dict):
        raise _fail(where, "must be an object")
    ident = row.get("id")
    if not isinstance(ident, str) or not ident:
        raise _fail(f"{where}.id", "must be text")
    name = row.get("name")
    if not isinstance(name, dict) or not all(isinstance(name.get(k), str) and name[k]
                                             for k in ("ja", "en")):
        raise _fail(f"{where}.name", 'must be {"ja": text, "en": text}')
    items = row.get("items")
    if (not isinstance(items, list) or not items
            or not all(isinstance(i, int) and not isinstance(i, bool)
                       and 1 <= i <= QUESTION_COUNT for i in items)
            or len(set(items)) != len(items)):
        raise _fail(f"{where}.items", f"must be distinct question numbers 1–{QUESTION_COUNT}")
    at_least = row.get("at_least")
    if (not isinstance(at_least, int) or isinstance(at_least, bool)
            or not 1 <= at_least <= len(items)):
        raise _fail(f"{where}.at_least", f"must be from 1 to {len(items)}")
    suggest = row.get("suggest", [])
    if not isinstance(suggest, list) or not all(isinstance(s, str) and s for s in suggest):
        raise _fail(f"{where}.suggest", "must be a list of resource ids")
    advice = row.get("advice")
    if not isinstance(advice, str) or not advice:
        raise _fail(f"{where}.advice", "must be text")
    return Rule(ident, name["ja"], name["en"], tuple(items), at_least, advice, tuple(suggest))


def parse_checklist(document: Any, name: str = "kihon_checklist.json") -> Checklist:
    """The checklist of a parsed file; ValueError naming the file and the place."""
    if not isinstance(document, dict) or document.get("format") != 1:
        raise _fail(f"{name}: $.format", "must be 1")
    rows = document.get("questions")
    if not isinstance(rows, list) or len(rows) != QUESTION_COUNT:
        raise _fail(f"{name}: $.questions", f"must be a list of {QUESTION_COUNT} questions")
    questions = tuple(_question(row, i, f"{name}: $.questions[{i}]")
                      for i, row in enumerate(rows))
    rule_rows = document.get("rules")
    if not isinstance(rule_rows, list) or not rule_rows:
        raise _fail(f"{name}: $.rules", "must be a list of at least one rule")
    rules = tuple(_rule(row, f"{name}: $.rules[{i}]") for i, row in enumerate(rule_rows))
    if len({r.id for r in rules}) != len(rules):
        raise _fail(f"{name}: $.rules", "a rule id is there twice")
    try:
        below = Decimal(str(document.get("bmi_below", "18.5")))
    except ArithmeticError as exc:
        raise _fail(f"{name}: $.bmi_below", "must be a number") from exc
    return Checklist(questions, rules, below, not document.get("rules_verify", False))


def load_checklist(path: Path | None = None) -> Checklist:
    path = path or DEFAULT_CHECKLIST_PATH
    document = read_json(path)
    return parse_checklist(document, path.name)


@lru_cache(maxsize=1)
def default_checklist() -> Checklist:
    return load_checklist()
