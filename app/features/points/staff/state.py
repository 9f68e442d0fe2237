"""The points staff screens' state and actions in plain Python (testable with a fake source).

Staff of 地域振興課 register shops and name their clerks, read the city's totals, look up a
resident's history (with the purpose stated: the backend logs the read in the resident's
access log), issue signed earn codes to print, record a district's recyclables weight for a
month, run the expiry job and correct a transfer (asked first by the view).

Each part keeps what was typed, and either what the city answered or why it refused, under
the part's name (`Part`): the views show it next to the form."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from app.features.points.staff.ports import PointsStaffSource
from app.i18n.formatting import CITY_TIMEZONE
from app.observable import Observable
from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.points_staff import (
    EarningRule,
    HistoryLine,
    PointsShop,
    PointsTotals,
    StaffDistrict,
)

__all__ = ["EarningRule", "HistoryLine", "Load", "Part", "PointsShop", "PointsStaffState",
           "PointsTotals", "Refusal", "StaffDistrict"]

log = logging.getLogger(__name__)

MIN_PURPOSE = 3  # the backend's minimum for a stated purpose
MAX_TEXT = 200
MAX_KG = 1_000_000.0
MAX_CODE_DAYS = 366
_WIDE = str.maketrans("０１２３４５６７８９－ー．", "0123456789--.")
_MERCHANT = re.compile(r"\d{13}")
_POSTAL = re.compile(r"(\d{3})-?(\d{4})")
_PERIOD = re.compile(r"(\d{4})-(\d{2})")
_PERSON = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class Load(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


class Part(StrEnum):
    SHOPS = "shops"
    REGISTER = "register"
    CLERK = "clerk"
    TOTALS = "totals"
    HISTORY = "history"
    CODE = "code"
    WEIGHT = "weight"
    EXPIRY = "expiry"
    CORRECTION = "correction"
    GRANT = "grant"


@dataclass(frozen=True)
class Refusal:
    """Why something was not done: the backend's code, or the form's own (`invalid_name`,
    `invalid_merchant_id`, `invalid_category`, `invalid_postal_code`, `invalid_person`,
    `no_purpose`, `no_rule`, `invalid_label`, `invalid_days`, `invalid_district`,
    `invalid_period`, `invalid_kg`, `invalid_transfer`, `no_reason`, `offline`, `failed`)."""

    code: str
    detail: str = ""
    info: dict[str, object] = field(default_factory=dict)


def refusal_of(exc: Exception) -> Refusal:
    if isinstance(exc, BackendRejected):
        return Refusal(exc.code or "failed", exc.detail, dict(exc.info))
    if isinstance(exc, BackendUnavailable):
        return Refusal("offline", str(exc))
    return Refusal("failed", str(exc))


def _narrow(text: str) -> str:
    return text.strip().translate(_WIDE)


def parse_merchant_id(text: str) -> str | None:
    """The 13 digits of a JPQR merchant id (統一店舗識別コード), spaces and full-width
    digits allowed."""
    digits = "".join(_narrow(text).split())
    return digits if _MERCHANT.fullmatch(digits) else None


def parse_postal_code(text: str) -> str | None:
    """A Japanese postal code as NNN-NNNN."""
    match = _POSTAL.fullmatch(_narrow(text))
    return f"{match[1]}-{match[2]}" if match else None


def parse_period(text: str) -> str | None:
    """A month YYYY-MM."""
    match = _PERIOD.fullmatch(_narrow(text))
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        return None
    return f"{match[1]}-{match[2]}"


def parse_kg(text: str) -> float | None:
    try:
        value = float(_narrow(text).replace(",", ""))
    except ValueError:
        return None
    return value if 0 <= value <= MAX_KG and value == value else None


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(_narrow(text))
    except ValueError:
        return None


def code_window(first: date, last: date) -> tuple[datetime, datetime]:
    """An earn code valid from the start of `first` to the end of `last`, city time."""
    zone = ZoneInfo(CITY_TIMEZONE)
    return (datetime.combine(first, time(0, 0), zone),
            datetime.combine(last + timedelta(days=1), time(0, 0), zone))


def _text(text: str, limit: int = MAX_TEXT) -> str | None:
    cleaned = " ".join(text.split())
    return cleaned if 0 < len(cleaned) <= limit else None


class PointsStaffState(Observable):
    def __init__(self, source: PointsStaffSource, today: Callable[[], date],
                 make_key: Callable[[], str] = lambda: uuid.uuid4().hex) -> None:
        super().__init__()
        self._source = source
        self._today = today
        self._make_key = make_key
        self.revision = 0  # bumped when the state itself empties typed fields
        self.form: dict[str, str] = {}  # what was typed, by field name
        self.refusals: dict[Part, Refusal] = {}
        self.done: dict[Part, Any] = {}  # what the city answered, by part
        self.busy: set[Part] = set()
        # --- read data
        self.shops: list[PointsShop] = []
        self.shops_load = Load.IDLE
        self.totals: PointsTotals | None = None
        self.totals_load = Load.IDLE
        self.rules: list[EarningRule] = []
        self.rules_load = Load.IDLE
        self.districts: list[StaffDistrict] = []
        self.districts_period = ""
        self.districts_load = Load.IDLE
        self.history: list[HistoryLine] | None = None
        self.history_person = ""
        self.code = ""  # the last earn code made (the QR's text)
        self._correction_keys: dict[str, str] = {}
        self._grant_key: tuple[tuple[str, str, str], str] | None = None

    # --- fields --------------------------------------------------------------------------
    def typed(self, name: str) -> str:
        return self.form.get(name, "")

    def set_field(self, name: str, text: str) -> None:
        self.form[name] = text

    def _refuse(self, part: Part, refusal: Refusal) -> bool:
        self.refusals[part] = refusal
        self.done.pop(part, None)
        self._changed()
        return False

    def _succeed(self, part: Part, answer: Any, *clear: str) -> bool:
        self.refusals.pop(part, None)
        self.done[part] = answer
        for name in clear:
            self.form.pop(name, None)
        if clear:
            self.revision += 1
        self._changed()
        return True

    # --- reads ---------------------------------------------------------------------------
    def claim_shops_load(self) -> bool:
        if self.shops_load in (Load.LOADING, Load.LOADED):
            return False
        self.shops_load = Load.LOADING
        return True

    async def load_shops(self) -> None:
        self.shops_load = Load.LOADING
        try:
            self.shops = await self._source.shops()
            self.shops_load = Load.LOADED
            self.refusals.pop(Part.SHOPS, None)
        except BackendError as exc:
            log.warning("points shops could not be read: %s", exc)
            self.shops_load = Load.FAILED
            self.refusals[Part.SHOPS] = refusal_of(exc)
        self._changed()

    def claim_totals_load(self) -> bool:
        if self.totals_load in (Load.LOADING, Load.LOADED):
            return False
        self.totals_load = Load.LOADING
        return True

    async def load_totals(self) -> None:
        self.totals_load = Load.LOADING
        try:
            self.totals = await self._source.totals()
            self.totals_load = Load.LOADED
            self.refusals.pop(Part.TOTALS, None)
        except BackendError as exc:
            log.warning("points totals could not be read: %s", exc)
            self.totals_load = Load.FAILED
            self.refusals[Part.TOTALS] = refusal_of(exc)
        self._changed()

    def reload(self) -> None:
        """Read the shops and totals again on the next render."""
        self.shops_load = self.totals_load = Load.IDLE
        self._changed()

    def claim_rules_load(self) -> bool:
        if self.rules_load in (Load.LOADING, Load.LOADED):
            return False
        self.rules_load = Load.LOADING
        return True

    async def load_rules(self) -> None:
        try:
            self.rules = await self._source.rules()
            self.rules_load = Load.LOADED
        except BackendError as exc:
            log.warning("earning rules could not be read: %s", exc)
            self.rules_load = Load.FAILED
            self.refusals[Part.CODE] = refusal_of(exc)
        self._changed()

    def claim_districts_load(self) -> bool:
        if self.districts_load in (Load.LOADING, Load.LOADED):
            return False
        self.districts_load = Load.LOADING
        return True

    def weight_period(self) -> str:
        """The month the weight form is for: as typed when it is a month, else this one."""
        return parse_period(self.typed("weight_period")) or self._today().strftime("%Y-%m")

    async def load_districts(self) -> None:
        """The districts the weight form chooses from, with the month's recording."""
        period = self.weight_period()
        self.districts_load = Load.LOADING
        try:
            self.districts = await self._source.districts(period)
            self.districts_period = period
            self.districts_load = Load.LOADED
        except BackendError as exc:
            log.warning("points districts could not be read: %s", exc)
            self.districts_load = Load.FAILED
            self.refusals[Part.WEIGHT] = refusal_of(exc)
        self._changed()

    def district_name(self, district_id: str, language: str) -> str:
        found = next((d for d in self.districts if d.id == district_id), None)
        return found.label(language) if found is not None else district_id

    # --- shops ---------------------------------------------------------------------------
    async def register_shop(self) -> bool:
        name = _text(self.typed("shop_name"), 100)
        merchant_id = parse_merchant_id(self.typed("merchant_id"))
        category = _text(self.typed("category"), 50)
        postal_code = parse_postal_code(self.typed("postal_code"))
        for value, code in ((name, "invalid_name"), (merchant_id, "invalid_merchant_id"),
                            (category, "invalid_category"),
                            (postal_code, "invalid_postal_code")):
            if value is None:
                return self._refuse(Part.REGISTER, Refusal(code))
        assert name and merchant_id and category and postal_code
        try:
            shop = await self._source.register_shop(name=name, merchant_id=merchant_id,
                                                    category=category,
                                                    postal_code=postal_code)
        except BackendError as exc:
            return self._refuse(Part.REGISTER, refusal_of(exc))
        self.shops = sorted([s for s in self.shops if s.id != shop.id] + [shop],
                            key=lambda s: s.name)
        self.totals_load = Load.IDLE  # the number of shops changed
        return self._succeed(Part.REGISTER, shop, "shop_name", "merchant_id", "category",
                             "postal_code")

    async def set_clerk(self, clerk: bool) -> bool:
        shop_id = self.typed("clerk_shop")
        person_id = _narrow(self.typed("clerk_person"))
        if not any(s.id == shop_id for s in self.shops):
            return self._refuse(Part.CLERK, Refusal("no_shop"))
        if not _PERSON.fullmatch(person_id):
            return self._refuse(Part.CLERK, Refusal("invalid_person"))
        try:
            await self._source.set_clerk(shop_id, person_id, clerk)
        except BackendError as exc:
            return self._refuse(Part.CLERK, refusal_of(exc))
        return self._succeed(Part.CLERK, (shop_id, person_id, clerk), "clerk_person")

    # --- a resident's history ------------------------------------------------------------
    async def look_up_history(self) -> bool:
        person_id = _narrow(self.typed("history_person"))
        purpose = " ".join(self.typed("history_purpose").split())
        if not _PERSON.fullmatch(person_id):
            return self._refuse(Part.HISTORY, Refusal("invalid_person"))
        if len(purpose) < MIN_PURPOSE or len(purpose) > MAX_TEXT:
            return self._refuse(Part.HISTORY, Refusal("no_purpose"))
        try:
            lines = await self._source.resident_history(person_id, purpose)
        except BackendError as exc:
            self.history = None
            return self._refuse(Part.HISTORY, refusal_of(exc))
        self.history, self.history_person = lines, person_id
        return self._succeed(Part.HISTORY, len(lines))

    # --- corrections ---------------------------------------------------------------------
    def correction_ready(self) -> Refusal | None:
        """Why the correction cannot be asked for yet, or None (the view then asks)."""
        if not _PERSON.fullmatch(_narrow(self.typed("correct_transfer"))):
            return Refusal("invalid_transfer")
        if len(" ".join(self.typed("correct_reason").split())) < MIN_PURPOSE:
            return Refusal("no_reason")
        return None

    def refuse_correction(self, refusal: Refusal) -> None:
        self._refuse(Part.CORRECTION, refusal)

    async def correct(self) -> bool:
        problem = self.correction_ready()
        if problem is not None:
            return self._refuse(Part.CORRECTION, problem)
        transfer_id = _narrow(self.typed("correct_transfer"))
        reason = " ".join(self.typed("correct_reason").split())[:MAX_TEXT]
        key = self._correction_keys.setdefault(transfer_id, self._make_key())
        try:
            answer = await self._source.correct(transfer_id=transfer_id, reason=reason,
                                                idempotency_key=key)
        except BackendError as exc:
            if isinstance(exc, BackendRejected):
                self._correction_keys.pop(transfer_id, None)
            return self._refuse(Part.CORRECTION, refusal_of(exc))
        self._correction_keys.pop(transfer_id, None)
        self.totals_load = Load.IDLE
        return self._succeed(Part.CORRECTION, answer, "correct_transfer", "correct_reason")

    # --- grants by staff -----------------------------------------------------------------
    def grantable_rules(self) -> list[EarningRule]:
        """The rules staff may grant (a health check done), not those earned by a code."""
        return [rule for rule in self.rules if rule.granted_by_staff]

    async def grant(self) -> bool:
        """Grant a resident the points of a rule. The idempotency key stays the same until
        the city has answered this very request, so a grant sent again after a lost answer
        is granted once."""
        person_id = _narrow(self.typed("grant_person"))
        rule_id = self.typed("grant_rule")
        reason = " ".join(self.typed("grant_reason").split())
        if not any(rule.id == rule_id for rule in self.grantable_rules()):
            return self._refuse(Part.GRANT, Refusal("no_rule"))
        if not _PERSON.fullmatch(person_id):
            return self._refuse(Part.GRANT, Refusal("invalid_person"))
        if not MIN_PURPOSE <= len(reason) <= MAX_TEXT:
            return self._refuse(Part.GRANT, Refusal("no_reason"))
        request = (person_id, rule_id, reason)
        if self._grant_key is None or self._grant_key[0] != request:
            self._grant_key = (request, self._make_key())
        key = self._grant_key[1]
        self.busy.add(Part.GRANT)
        try:
            answer = await self._source.grant(person_id=person_id, rule_id=rule_id,
                                              reason=reason, idempotency_key=key)
        except BackendError as exc:
            if isinstance(exc, BackendRejected):
                self._grant_key = None
            return self._refuse(Part.GRANT, refusal_of(exc))
        finally:
            self.busy.discard(Part.GRANT)
        self._grant_key = None
        self.totals_load = Load.IDLE  # points were issued
        transfer = answer.get("transfer") if isinstance(answer.get("transfer"), dict) else {}
        amount = transfer.get("amount") if isinstance(transfer, dict) else None
        return self._succeed(Part.GRANT, {
            "person_id": person_id, "rule_id": rule_id,
            "amount": amount if isinstance(amount, int) else None,
            "replayed": answer.get("replayed") is True}, "grant_person", "grant_reason")

    # --- earn codes ------------------------------------------------------------------------
    def rule_name(self, rule_id: str, language: str) -> str:
        rule = next((r for r in self.rules if r.id == rule_id), None)
        return rule.name(language) if rule is not None else rule_id

    async def make_earn_code(self) -> bool:
        rule_id = self.typed("code_rule")
        label = _text(self.typed("code_label"), 100)
        first = parse_day(self.typed("code_from") or self._today().isoformat())
        last = parse_day(self.typed("code_until") or self.typed("code_from")
                         or self._today().isoformat())
        if not rule_id:
            return self._refuse(Part.CODE, Refusal("no_rule"))
        if label is None:
            return self._refuse(Part.CODE, Refusal("invalid_label"))
        if (first is None or last is None or last < first
                or (last - first).days >= MAX_CODE_DAYS):
            return self._refuse(Part.CODE, Refusal("invalid_days"))
        valid_from, valid_until = code_window(first, last)
        try:
            code = await self._source.earn_code(rule_id=rule_id, label=label,
                                                valid_from=valid_from, valid_until=valid_until)
        except BackendError as exc:
            self.code = ""
            return self._refuse(Part.CODE, refusal_of(exc))
        self.code = code
        return self._succeed(Part.CODE, {"rule_id": rule_id, "label": label, "from": first,
                                         "until": last})

    # --- district weights ----------------------------------------------------------------
    async def record_weight(self) -> bool:
        district_id = _narrow(self.typed("weight_district"))
        typed_period = self.typed("weight_period").strip()
        period = parse_period(typed_period) if typed_period else self.weight_period()
        kg = parse_kg(self.typed("weight_kg"))
        if not _PERSON.fullmatch(district_id):
            return self._refuse(Part.WEIGHT, Refusal("invalid_district"))
        if period is None:
            return self._refuse(Part.WEIGHT, Refusal("invalid_period"))
        if kg is None:
            return self._refuse(Part.WEIGHT, Refusal("invalid_kg"))
        try:
            answer = await self._source.record_weight(district_id=district_id, period=period,
                                                      kg=kg)
        except BackendError as exc:
            return self._refuse(Part.WEIGHT, refusal_of(exc))
        self.districts_load = Load.IDLE  # read the month's recordings again
        return self._succeed(Part.WEIGHT, {"district_id": district_id, "period": period,
                                           "kg": kg, **answer}, "weight_kg")

    # --- expiry ----------------------------------------------------------------------------
    async def run_expiry(self) -> bool:
        """Runs the expiry job now (asked first by the view). It expires only what is due,
        so running it twice changes nothing the second time."""
        if Part.EXPIRY in self.busy:
            return False
        self.busy.add(Part.EXPIRY)
        try:
            answer = await self._source.run_expiry()
        except BackendError as exc:
            return self._refuse(Part.EXPIRY, refusal_of(exc))
        finally:
            self.busy.discard(Part.EXPIRY)
        self.totals_load = Load.IDLE
        return self._succeed(Part.EXPIRY, answer)
