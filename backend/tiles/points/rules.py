"""The city's earning rules and recycling districts, read from its points folder.

A city sets how residents earn points without code: `rules.json` (what earns how much, the
caps, who may receive, how it is granted) and `districts.json` (the recycling districts'
monthly goals). `read_folder` validates both and reports every malformed entry
(`rules.json: rules[2] (id 'x'): amount must be ...`); good entries load, bad ones are
skipped. The format is in `assets/points/tsuyama_demo/README.md` and docs/points.md.
No I/O besides reading the files, no database: `rules_store.py` publishes the result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

RULES_FILE = "rules.json"
DISTRICTS_FILE = "districts.json"
DEMO_DIR = Path(__file__).resolve().parents[3] / "assets" / "points" / "tsuyama_demo"

HOW_CODE = "code"  # a signed QR code staff issue (an event check-in, a collection point)
HOW_STAFF = "staff"  # staff grant it (a health check done)
HOWS = (HOW_CODE, HOW_STAFF)
ELIGIBLE_RESIDENTS = "residents"  # accounts verified with the My Number card
ELIGIBLE_EVERYONE = "everyone"  # also email-only accounts (visitors)
ELIGIBLE = (ELIGIBLE_RESIDENTS, ELIGIBLE_EVERYONE)
# Purposes a rule usually has; a city may add others of the same shape.
KNOWN_PURPOSES = ("recycling", "health_check", "event", "stamp_rally")
# Purposes the ledger uses for other things: a rule may not borrow them.
RESERVED_PURPOSES = ("district_goal", "shop_payment", "bulky_waste_fee", "procedure_fee",
                     "staff_grant", "expiry", "correction", "refund")

MAX_AMOUNT = 100_000  # points one grant may give
MAX_CAP = 10_000
MAX_GOAL_KG = Decimal(10_000_000)
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_PURPOSE = re.compile(r"[a-z][a-z0-9_]{2,31}")


@dataclass(frozen=True)
class EarnRule:
    id: str
    purpose: str
    name_ja: str
    name_en: str
    amount: int
    daily_cap: int | None  # grants per person per day (Asia/Tokyo); None: no cap
    yearly_cap: int | None  # grants per person per fiscal year (from 1 April)
    how: tuple[str, ...]
    eligible: str
    min_age: int | None = None
    description_ja: str = ""
    description_en: str = ""

    def data(self) -> dict[str, Any]:
        """The rule as `GET /points/rules` shows it (and as stored)."""
        return {"id": self.id, "purpose": self.purpose, "name_ja": self.name_ja,
                "name_en": self.name_en, "amount": self.amount,
                "caps": {"daily": self.daily_cap, "yearly": self.yearly_cap},
                "how": list(self.how), "eligible": self.eligible, "min_age": self.min_age,
                "description_ja": self.description_ja, "description_en": self.description_en}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> EarnRule:
        caps = data.get("caps") or {}
        return cls(id=data["id"], purpose=data["purpose"], name_ja=data["name_ja"],
                   name_en=data["name_en"], amount=int(data["amount"]),
                   daily_cap=caps.get("daily"), yearly_cap=caps.get("yearly"),
                   how=tuple(data["how"]), eligible=data["eligible"],
                   min_age=data.get("min_age"), description_ja=data.get("description_ja", ""),
                   description_en=data.get("description_en", ""))


@dataclass(frozen=True)
class District:
    id: str  # the waste tile's area id where there is one
    name: str
    name_en: str
    goal_grams: int  # the month's goal of sorted recyclables
    points: int  # each taking-part household's grant when the goal is reached
    towns: tuple[str, ...] = ()  # 町字 to find a household's district from its address

    @property
    def goal_kg(self) -> float:
        return self.goal_grams / 1000

    def data(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "name_en": self.name_en,
                "goal_kg": self.goal_kg, "points": self.points, "towns": list(self.towns)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], goal_grams: int, points: int) -> District:
        return cls(id=data["id"], name=data["name"], name_en=data.get("name_en", ""),
                   goal_grams=goal_grams, points=points, towns=tuple(data.get("towns", ())))


@dataclass(frozen=True)
class Problem:
    file: str
    where: str  # "rules[2] (id 'x')", or "" for the whole file
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.reason}" if self.where else (
            f"{self.file}: {self.reason}")


@dataclass
class RulesFolder:
    """What a points folder holds: the good entries and one problem per bad one."""

    rules: list[EarnRule] = field(default_factory=list)
    districts: list[District] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    is_demo: bool = False
    rules_file_ok: bool = False  # read and of the right shape (even with bad entries)
    districts_file_ok: bool = False

    def lines(self) -> list[str]:
        kind = "demo data" if self.is_demo else "city data"
        out = [f"loaded ({kind}): {len(self.rules)} rules, {len(self.districts)} districts"]
        out += [str(problem) for problem in self.problems]
        return out

    @property
    def anything_loaded(self) -> bool:
        return bool(self.rules or self.districts)


class _Entry:
    """Reads one entry's fields, collecting what is wrong instead of stopping at it."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: list[str] = []

    def text(self, name: str, *, required: bool = True, max_length: int = 200) -> str:
        value = self.data.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.errors.append(f"{name} must be a non-empty text")
            return ""
        if len(value) > max_length:
            self.errors.append(f"{name} must be at most {max_length} characters")
        return value.strip()

    def integer(self, name: str, low: int, high: int, *, required: bool = True) -> int | None:
        value = self.data.get(name)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.errors.append(f"{name} must be a whole number from {low} to {high}, "
                               f"got {value!r}")
            return None
        return value


def _where(kind: str, index: int, data: object) -> str:
    ident = data.get("id") if isinstance(data, Mapping) else None
    return f"{kind}[{index}]" + (f" (id {ident!r})" if isinstance(ident, str) else "")


def parse_rule(data: object) -> tuple[EarnRule | None, list[str]]:
    """One entry of `rules`: the rule, or None and what is wrong with it."""
    if not isinstance(data, Mapping):
        return None, ["a rule must be an object"]
    entry = _Entry(data)
    rule_id = entry.text("id", max_length=64)
    if rule_id and not _ID.fullmatch(rule_id):
        entry.errors.append("id must be lowercase letters, digits, '-' and '_' (at most 64)")
    purpose = entry.text("purpose", max_length=32)
    if purpose and not _PURPOSE.fullmatch(purpose):
        entry.errors.append("purpose must be a code of lowercase letters, digits and '_'")
    elif purpose in RESERVED_PURPOSES:
        entry.errors.append(f"purpose {purpose!r} is the ledger's own; choose another")
    name_ja = entry.text("name_ja", max_length=100)
    name_en = entry.text("name_en", max_length=100)
    amount = entry.integer("amount", 1, MAX_AMOUNT)
    caps = data.get("caps", {})
    daily: int | None = None
    yearly: int | None = None
    if not isinstance(caps, Mapping):
        entry.errors.append("caps must be an object {\"daily\", \"yearly\"}")
    else:
        unknown = sorted(set(caps) - {"daily", "yearly"})
        if unknown:
            entry.errors.append(f"caps has unknown keys {unknown}; use daily and yearly")
        cap_entry = _Entry(caps)
        daily = cap_entry.integer("daily", 1, MAX_CAP, required=False)
        yearly = cap_entry.integer("yearly", 1, MAX_CAP, required=False)
        entry.errors += [f"caps.{error}" for error in cap_entry.errors]
        if daily is not None and yearly is not None and daily > yearly:
            entry.errors.append("caps.daily cannot be more than caps.yearly")
    how = data.get("how")
    if (not isinstance(how, list) or not how or any(h not in HOWS for h in how)
            or len(set(how)) != len(how)):
        entry.errors.append(f"how must be a list of {' and/or '.join(HOWS)}, got {how!r}")
        how = []
    eligible = data.get("eligible", ELIGIBLE_RESIDENTS)
    if eligible not in ELIGIBLE:
        entry.errors.append(f"eligible must be one of {', '.join(ELIGIBLE)}, got {eligible!r}")
    min_age = entry.integer("min_age", 0, 120, required=False)
    if min_age is not None and eligible != ELIGIBLE_RESIDENTS:
        entry.errors.append("min_age needs eligible \"residents\" (only they have a birthdate)")
    description_ja = entry.text("description_ja", required=False, max_length=500)
    description_en = entry.text("description_en", required=False, max_length=500)
    unknown_keys = sorted(set(data) - {"id", "purpose", "name_ja", "name_en", "amount", "caps",
                                       "how", "eligible", "min_age", "description_ja",
                                       "description_en"})
    if unknown_keys:
        entry.errors.append(f"unknown keys {unknown_keys}")
    if entry.errors or amount is None:
        return None, entry.errors
    return EarnRule(id=rule_id, purpose=purpose, name_ja=name_ja, name_en=name_en,
                    amount=amount, daily_cap=daily, yearly_cap=yearly,
                    how=tuple(str(h) for h in how), eligible=str(eligible), min_age=min_age,
                    description_ja=description_ja, description_en=description_en), []


def kg_to_grams(value: object) -> int | None:
    """A weight in kg (a number, at most 3 decimals) as grams; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        kg = Decimal(str(value))
    except InvalidOperation:
        return None
    if not kg.is_finite() or kg < 0 or kg > MAX_GOAL_KG:
        return None
    grams = kg * 1000
    if grams != grams.to_integral_value():
        return None
    return int(grams)


def parse_district(data: object, default_points: int | None
                   ) -> tuple[District | None, list[str]]:
    if not isinstance(data, Mapping):
        return None, ["a district must be an object"]
    entry = _Entry(data)
    district_id = entry.text("id", max_length=64)
    if district_id and not _ID.fullmatch(district_id):
        entry.errors.append("id must be lowercase letters, digits, '-' and '_' (at most 64)")
    name = entry.text("name", max_length=100)
    name_en = entry.text("name_en", required=False, max_length=100)
    goal_grams = kg_to_grams(data.get("goal_kg"))
    if goal_grams is None or goal_grams == 0:
        entry.errors.append(f"goal_kg must be a number of kg above 0 (at most 3 decimals), "
                            f"got {data.get('goal_kg')!r}")
    points = (entry.integer("points", 1, MAX_AMOUNT) if "points" in data
              else default_points)
    if points is None and "points" not in data:
        entry.errors.append("points is missing (and the file has no default \"points\")")
    towns = data.get("towns", [])
    if not isinstance(towns, list) or any(not isinstance(t, str) or not t.strip()
                                          for t in towns):
        entry.errors.append("towns must be a list of town names (町字)")
        towns = []
    unknown_keys = sorted(set(data) - {"id", "name", "name_en", "goal_kg", "points", "towns"})
    if unknown_keys:
        entry.errors.append(f"unknown keys {unknown_keys}")
    if entry.errors or goal_grams is None or points is None:
        return None, entry.errors
    return District(id=district_id, name=name, name_en=name_en, goal_grams=goal_grams,
                    points=points, towns=tuple(t.strip() for t in towns)), []


class PointsFileError(Exception):
    """A folder or file that cannot be used at all."""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise PointsFileError(f"{path.name}: missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PointsFileError(f"{path.name}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise PointsFileError(f"{path.name}: not JSON (line {exc.lineno}: {exc.msg})") from None


def _entries(document: object, file: str, key: str, folder: RulesFolder) -> list[Any] | None:
    if not isinstance(document, Mapping) or not isinstance(document.get(key), list):
        folder.problems.append(Problem(file, "", f"must be an object with a list {key!r}"))
        return None
    return list(document[key])


def parse_rules_document(document: object, folder: RulesFolder) -> None:
    entries = _entries(document, RULES_FILE, "rules", folder)
    if entries is None:
        return
    folder.rules_file_ok = True
    seen: set[str] = set()
    for index, data in enumerate(entries):
        rule, errors = parse_rule(data)
        if rule is not None and rule.id in seen:
            errors, rule = [f"id {rule.id!r} is used by an earlier rule"], None
        for error in errors:
            folder.problems.append(Problem(RULES_FILE, _where("rules", index, data), error))
        if rule is not None:
            seen.add(rule.id)
            folder.rules.append(rule)


def parse_districts_document(document: object, folder: RulesFolder) -> None:
    entries = _entries(document, DISTRICTS_FILE, "districts", folder)
    if entries is None:
        return
    folder.districts_file_ok = True
    assert isinstance(document, Mapping)
    default_points = document.get("points")
    if default_points is not None and (isinstance(default_points, bool) or not isinstance(
            default_points, int) or not 1 <= default_points <= MAX_AMOUNT):
        folder.problems.append(Problem(DISTRICTS_FILE, "points",
                                       f"must be a whole number from 1 to {MAX_AMOUNT}"))
        default_points = None
    seen: set[str] = set()
    for index, data in enumerate(entries):
        district, errors = parse_district(data, default_points)
        if district is not None and district.id in seen:
            errors, district = [f"id {district.id!r} is used by an earlier district"], None
        for error in errors:
            folder.problems.append(Problem(DISTRICTS_FILE, _where("districts", index, data),
                                           error))
        if district is not None:
            seen.add(district.id)
            folder.districts.append(district)


def read_folder(path: Path) -> RulesFolder:
    """Read and validate `rules.json` and `districts.json` in `path`.

    A missing or unreadable file is a problem of that file (the other still loads); a
    folder that is not there raises `PointsFileError`."""
    if not path.is_dir():
        raise PointsFileError(f"{path}: not a folder")
    folder = RulesFolder()
    demo_flags: list[bool] = []
    for name, parse in ((RULES_FILE, parse_rules_document),
                        (DISTRICTS_FILE, parse_districts_document)):
        try:
            document = _read_json(path / name)
        except PointsFileError as exc:
            folder.problems.append(Problem(name, "", str(exc).split(": ", 1)[1]))
            continue
        if isinstance(document, Mapping):
            demo_flags.append(document.get("is_demo") is True)
        parse(document, folder)
    folder.is_demo = bool(demo_flags) and all(demo_flags)
    return folder


def read_demo() -> RulesFolder:
    return read_folder(DEMO_DIR)
