"""The points tile's public API for other app tiles (the only module of the tile they may
import, ADR 0024). Used by the waste tile:

- `DistrictProgressState`: the resident's district toward its sorted-recyclables goal
  (`GET /points/district-progress`), for the waste screen's chart;
- `FeePayment`: paying a city fee with points after the PIN (the bulky-waste fee: `POST
  /bulky/bookings/{number}/points-payment`; a procedure's fee: `procedure_fee_payment`,
  `POST /procedures/submissions/{id}/points-payment`), with the receipt or the refusal per
  booking or submission.

Both need the network: offline, a payment is refused at once with `needs_network` (nothing is
queued: money is never paid "later" without the resident seeing it), and the progress keeps
what it last read."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from app.features.points.views.fee_payment import fee_payment_controls
from app.services import AppServices
from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.points_shop import PointsFeeClient, parse_moment
from backend_client.procedures import ProceduresClient

__all__ = [
    "FEE_REFUSALS",
    "DistrictProgress",
    "DistrictProgressState",
    "FeePayment",
    "FeeReceipt",
    "FeeRefusal",
    "PayFee",
    "PeriodProgress",
    "ProgressLoad",
    "decode_qr",
    "district_progress",
    "fee_payment",
    "fee_payment_controls",
    "pick_qr_text",
    "procedure_fee_payment",
    "valid_pin",
]

log = logging.getLogger(__name__)

_PIN = re.compile(r"\d{4,6}")
_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")

# What each refusal of a fee payment says (English message ids; the caller translates).
FEE_REFUSALS: dict[str, str] = {
    "needs_network": "Paying with points needs the network. Please try again when you are "
                     "online.",
    "offline": "The city's server cannot be reached. Nothing was paid; please try again.",
    "invalid_pin": "Enter your 4- to 6-digit points PIN.",
    "pin_wrong": "The PIN is wrong. {attempts_left} attempts left.",
    "pin_locked": "Too many wrong PINs. Paying with points is locked until {locked_until}.",
    "pin_not_set": "Set a points PIN first (on the points screen).",
    "insufficient_points": "You do not have enough points for this fee.",
    "already_paid": "This fee has already been paid.",
    "not_booked": "Only a booked collection can be paid.",
    "no_fee": "This booking has no fee to pay.",
    "not_found": "The city does not know this booking yet. Wait until it is confirmed.",
    "idempotency_key_reused": "This payment was already sent with other details. Start "
                              "again.",
    # a procedure's fee (procedure_fee_payment)
    "points_not_accepted": "This fee cannot be paid with points. Please pay at the counter.",
    "wrong_status": "This application's fee cannot be paid now.",
}


def valid_pin(text: str) -> str | None:
    """A PIN of 4 to 6 digits (full-width digits allowed), or None."""
    pin = text.strip().translate(_WIDE)
    return pin if _PIN.fullmatch(pin) else None


# --- district progress -------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodProgress:
    period: str  # YYYY-MM
    kg: float
    goal_kg: float
    reached: bool
    granted: bool


@dataclass(frozen=True)
class DistrictProgress:
    district: str
    goal_kg: float
    periods: tuple[PeriodProgress, ...]
    opted_in: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DistrictProgress:
        def number(row: dict[str, Any], key: str, default: float = 0.0) -> float:
            value = row.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return default
            return float(value) if value >= 0 else default

        goal = number(data, "goal_kg")
        periods = []
        for row in data.get("periods") or []:
            if not isinstance(row, dict) or not isinstance(row.get("period"), str):
                continue
            period_goal = number(row, "goal_kg", goal)
            kg = number(row, "kg")
            periods.append(PeriodProgress(
                period=row["period"], kg=kg, goal_kg=period_goal,
                reached=bool(row.get("reached", period_goal > 0 and kg >= period_goal)),
                granted=row.get("granted") is True))
        district = data.get("district")
        if isinstance(district, dict):
            district = district.get("name") or district.get("id")
        return cls(district=district if isinstance(district, str) else "", goal_kg=goal,
                   periods=tuple(sorted(periods, key=lambda p: p.period)),
                   opted_in=data.get("opted_in") is True)


class ProgressLoad(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


class ProgressSource(Protocol):
    async def district_progress(self) -> dict[str, Any]: ...


class DistrictProgressState:
    """The caller's district progress, read once per session (`reload` reads again)."""

    def __init__(self, source: ProgressSource) -> None:
        self._source = source
        self.progress: DistrictProgress | None = None
        self.load_state = ProgressLoad.IDLE
        self.problem = ""  # "offline", "no_district" (404), "failed"

    def claim_load(self) -> bool:
        if self.load_state is not ProgressLoad.IDLE:
            return False
        self.load_state = ProgressLoad.LOADING
        return True

    def reload(self) -> None:
        if self.load_state is not ProgressLoad.LOADING:
            self.load_state = ProgressLoad.IDLE

    async def load(self) -> None:
        try:
            self.progress = DistrictProgress.from_json(await self._source.district_progress())
            self.load_state, self.problem = ProgressLoad.LOADED, ""
        except BackendError as exc:
            log.info("district progress could not be read: %s", exc)
            self.load_state = ProgressLoad.FAILED
            if isinstance(exc, BackendUnavailable):
                self.problem = "offline"
            elif isinstance(exc, BackendRejected) and exc.status_code == 404:
                self.problem = "no_district"
            else:
                self.problem = "failed"


# --- paying a city fee -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeeReceipt:
    reference: str  # the booking number
    transfer_id: str
    amount: int
    balance_after: int | None
    created_at: datetime | None

    @classmethod
    def from_json(cls, reference: str, data: dict[str, Any]) -> FeeReceipt:
        amount = data.get("amount")
        balance = data.get("balance_after")
        return cls(reference=str(data.get("booking_number") or reference),
                   transfer_id=str(data.get("transfer_id") or ""),
                   amount=abs(amount) if isinstance(amount, int) else 0,
                   balance_after=balance if isinstance(balance, int) else None,
                   created_at=parse_moment(data.get("created_at")))


@dataclass(frozen=True)
class FeeRefusal:
    code: str  # a key of FEE_REFUSALS, or another backend code (shown with `detail`)
    detail: str = ""
    info: dict[str, object] = field(default_factory=dict)


class FeeSource(Protocol):
    async def pay_bulky_fee(self, number: str, *, pin: str,
                            idempotency_key: str) -> dict[str, Any]: ...


# Pays one fee: (reference, pin, idempotency key) -> the server's receipt.
PayFee = Callable[[str, str, str], Awaitable[dict[str, Any]]]


class FeePayment:
    """Paying fees with points: the PIN typed per booking (or submission), one payment at a
    time, and per reference the receipt or why it was refused. The idempotency key of a
    payment is kept until the server answered, so a retry after a lost answer pays once.
    `pay` pays another kind of fee than a bulky-waste booking's (a procedure's)."""

    def __init__(self, source: FeeSource, make_key: Callable[[], str] | None = None, *,
                 pay: PayFee | None = None) -> None:
        self._source = source
        self._pay = pay
        self._make_key = make_key or (lambda: uuid.uuid4().hex)
        self.open_for = ""  # the booking whose PIN field is shown
        self.pin_text: dict[str, str] = {}
        self.paying = ""
        self.receipts: dict[str, FeeReceipt] = {}
        self.refusals: dict[str, FeeRefusal] = {}
        self._keys: dict[str, str] = {}
        self.revision = 0

    def start(self, number: str) -> None:
        """Shows the PIN field of one booking (again: hides it)."""
        self.open_for = "" if self.open_for == number else number
        self.refusals.pop(number, None)

    def set_pin(self, number: str, text: str) -> None:
        self.pin_text[number] = text

    async def pay(self, number: str, *, online: bool) -> bool:
        if self.paying:
            return False
        if not online:
            self.refusals[number] = FeeRefusal("needs_network")
            return False
        pin = valid_pin(self.pin_text.get(number, ""))
        if pin is None:
            self.refusals[number] = FeeRefusal("invalid_pin")
            return False
        key = self._keys.setdefault(number, self._make_key())
        self.paying = number
        try:
            if self._pay is not None:
                answer = await self._pay(number, pin, key)
            else:
                answer = await self._source.pay_bulky_fee(number, pin=pin,
                                                          idempotency_key=key)
        except BackendError as exc:
            if isinstance(exc, BackendRejected):
                self._keys.pop(number, None)
                self.refusals[number] = FeeRefusal(exc.code or "failed", exc.detail,
                                                   dict(exc.info))
            elif isinstance(exc, BackendUnavailable):
                self.refusals[number] = FeeRefusal("offline", str(exc))
            else:
                self.refusals[number] = FeeRefusal("failed", str(exc))
            return False
        finally:
            self.paying = ""
            self.pin_text.pop(number, None)  # a PIN is never kept longer than one try
            self.revision += 1
        self._keys.pop(number, None)
        self.receipts[number] = FeeReceipt.from_json(number, answer)
        self.refusals.pop(number, None)
        self.open_for = ""
        return True


# --- per session -----------------------------------------------------------------------------


class _BackendFees:
    def __init__(self, services: AppServices) -> None:
        self._client = PointsFeeClient(services.backend)
        self._token: Callable[[], Awaitable[str]] = services.account.access_token

    async def district_progress(self) -> dict[str, Any]:
        return await self._client.district_progress(await self._token())

    async def pay_bulky_fee(self, number: str, *, pin: str,
                            idempotency_key: str) -> dict[str, Any]:
        return await self._client.pay_bulky_fee(await self._token(), number, pin=pin,
                                                idempotency_key=idempotency_key)


def _owner(services: AppServices) -> str:
    me = services.account.me
    return str(me.common_id) if me is not None else ""


def district_progress(services: AppServices) -> DistrictProgressState:
    """The signed-in resident's district progress state for this session."""
    return services.feature_state(f"points-district:{_owner(services)}",
                                  lambda: DistrictProgressState(_BackendFees(services)))


def fee_payment(services: AppServices) -> FeePayment:
    """The signed-in resident's fee payments for this session."""
    return services.feature_state(f"points-fees:{_owner(services)}",
                                  lambda: FeePayment(_BackendFees(services)))


# --- reading a QR code (for other tiles' scanners: the procedures counter) -------------------


def decode_qr(image: bytes) -> str:
    """The text of the first QR code in an encoded picture (the points tile's OpenCV reader,
    ADR 0036); raises ValueError when there is none. Imported when first used: OpenCV is
    heavy and most tiles using this module never read a code."""
    from app.features.points.qr_decode import decode_qr as read

    return read(image)


async def pick_qr_text() -> str | None:
    """The text of the QR code in a picture the user picks (a photo or a screenshot); None
    when nothing was picked; ValueError when the picture has no readable code."""
    from app.features.points.picture_scan import pick_qr_text as pick

    return await pick()


def procedure_fee_payment(services: AppServices) -> FeePayment:
    """The signed-in resident's payments of procedure fees (by submission id) this session."""
    procedures = ProceduresClient(services.backend)

    async def pay(submission_id: str, pin: str, key: str) -> dict[str, Any]:
        return await procedures.pay_fee_with_points(await services.account.access_token(),
                                                    submission_id, pin=pin,
                                                    idempotency_key=key)

    return services.feature_state(f"points-procedure-fees:{_owner(services)}",
                                  lambda: FeePayment(_BackendFees(services), pay=pay))
