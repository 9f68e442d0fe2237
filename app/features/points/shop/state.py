"""The shop screen's state and actions in plain Python (testable with a fake `ShopSource`).

A clerk of a registered shop sees the shop's static JPQR and can make a dynamic one for an
amount; scans a customer's code (a picture or pasted text) and charges an amount; reads the
day's takings and refunds a payment. Everything here needs the network: an unreachable
server is a `Refusal("offline")`, never a queued write.

Charges and refunds carry an idempotency key made once per request and kept until the
server answers it: a retry after a lost answer (a timeout, a dropped connection) sends the
same key, so the customer is never charged twice."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from app.features.points.shop.amounts import parse_amount
from app.features.points.shop.ports import ShopSource
from app.features.points.shop.qr_input import clean_token, decode_qr_image
from app.observable import Observable
from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.points_shop import ClerkShop, ShopCode, ShopTransfer, Takings

__all__ = ["ClerkShop", "Load", "Refusal", "ShopCode", "ShopState", "ShopTransfer", "Takings"]

log = logging.getLogger(__name__)

DEFAULT_REFUND_REASON = "店頭での返金（refund at the shop）"


class Load(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


@dataclass(frozen=True)
class Refusal:
    """Why something was not done. `code` is the backend's (`bad_token`, `token_expired`,
    `token_used`, `insufficient_points`, `refund_too_large`, `not_refundable`, ...) or the
    screen's own: `offline`, `no_token`, `invalid_amount`, `unreadable_image`, `no_reason`,
    `failed`. `about`: what was being done ("charge", "refund", "code", "takings", "shops")."""

    code: str
    about: str
    detail: str = ""
    info: dict[str, object] = field(default_factory=dict)


def refusal_of(exc: Exception, about: str) -> Refusal:
    if isinstance(exc, BackendRejected):
        return Refusal(exc.code or "failed", about, exc.detail, dict(exc.info))
    if isinstance(exc, BackendUnavailable):
        return Refusal("offline", about, str(exc))
    return Refusal("failed", about, str(exc))


def new_key() -> str:
    return uuid.uuid4().hex


class ShopState(Observable):
    def __init__(self, source: ShopSource, today: Callable[[], date],
                 make_key: Callable[[], str] = new_key) -> None:
        super().__init__()
        self._source = source
        self._today = today
        self._make_key = make_key
        self.open = False  # the shop screen is shown instead of the resident screens
        self.revision = 0  # bumped when the state itself empties typed fields
        # --- the caller's shops
        self.shops: list[ClerkShop] = []
        self.shops_load = Load.IDLE
        self.shop_id = ""
        # --- codes
        self.static_code: ShopCode | None = None
        self.code_for = ""  # the shop the static code was read for
        self.dynamic_amount_text = ""
        self.dynamic_code: ShopCode | None = None
        self.code_refusal: Refusal | None = None
        # --- charging a customer's code
        self.token_text = ""
        self.charge_amount_text = ""
        self.charging = False
        self._charge_key: tuple[tuple[str, str, int], str] | None = None
        self.receipt: ShopTransfer | None = None
        self.charge_refusal: Refusal | None = None
        # --- the day's takings and refunds
        self.takings: Takings | None = None
        self.takings_load = Load.IDLE
        self.takings_for: tuple[str, date] | None = None
        self.takings_refusal: Refusal | None = None
        self.refund_reason = DEFAULT_REFUND_REASON
        self._refund_keys: dict[str, str] = {}
        self.refunded_last: ShopTransfer | None = None
        self.refund_refusal: Refusal | None = None

    # --- derived ----------------------------------------------------------------------
    @property
    def is_clerk(self) -> bool:
        return bool(self.shops)

    @property
    def shop(self) -> ClerkShop | None:
        return next((s for s in self.shops if s.id == self.shop_id), None)

    # --- opening --------------------------------------------------------------------------
    def show(self, open_: bool) -> None:
        if self.open != open_:
            self.open = open_
            self._changed()

    def claim_shops_load(self) -> bool:
        if self.shops_load is not Load.IDLE:
            return False
        self.shops_load = Load.LOADING
        return True

    async def load_shops(self) -> None:
        """Whether the caller is a clerk, and of which shops (read once per session)."""
        self.shops_load = Load.LOADING
        try:
            self.shops = await self._source.my_shops()
            self.shops_load = Load.LOADED
        except BackendError as exc:
            log.info("the caller's shops could not be read: %s", exc)
            self.shops_load = Load.FAILED
        if self.shop is None:
            self.shop_id = self.shops[0].id if self.shops else ""
        self._changed()

    def retry_shops(self) -> None:
        """After a failed read (offline): the next render reads again."""
        if self.shops_load is Load.FAILED:
            self.shops_load = Load.IDLE

    def choose_shop(self, shop_id: str) -> None:
        if shop_id != self.shop_id and any(s.id == shop_id for s in self.shops):
            self.shop_id = shop_id
            self.static_code = self.dynamic_code = self.receipt = None
            self.takings = None
            self.code_for = ""
            self.takings_for = None
            self.code_refusal = self.charge_refusal = self.refund_refusal = None
            self._changed()

    # --- codes ----------------------------------------------------------------------------
    def claim_code_load(self) -> bool:
        if not self.open or not self.shop_id or self.code_for == self.shop_id:
            return False
        self.code_for = self.shop_id
        return True

    async def load_static_code(self) -> None:
        shop_id = self.shop_id
        try:
            code = await self._source.code(shop_id)
        except BackendError as exc:
            self.code_for = ""  # read again on a later render
            self.code_refusal = refusal_of(exc, "code")
        else:
            if shop_id == self.shop_id:
                self.static_code, self.code_refusal = code, None
        self._changed()

    def set_dynamic_amount(self, text: str) -> None:
        self.dynamic_amount_text = text

    async def make_dynamic_code(self) -> None:
        amount = parse_amount(self.dynamic_amount_text)
        if amount is None:
            self.dynamic_code = None
            self.code_refusal = Refusal("invalid_amount", "code")
        else:
            try:
                self.dynamic_code = await self._source.code(self.shop_id, amount)
                self.code_refusal = None
            except BackendError as exc:
                self.dynamic_code = None
                self.code_refusal = refusal_of(exc, "code")
        self._changed()

    # --- charging ---------------------------------------------------------------------------
    def set_token_text(self, text: str) -> None:
        self.token_text = text

    def set_charge_amount(self, text: str) -> None:
        self.charge_amount_text = text

    def scanned_image(self, data: bytes) -> bool:
        """A picture of the customer's code: its text goes into the token field."""
        return self.scanned_text(decode_qr_image(data))

    def scanned_text(self, text: str | None) -> bool:
        """A code read by the camera (or from a picture): its text goes into the token
        field; None or a text that cannot be a code is refused as unreadable."""
        if text is None or not clean_token(text):
            self.charge_refusal = Refusal("unreadable_image", "charge")
            self._changed()
            return False
        self.token_text = clean_token(text)
        self.charge_refusal = None
        self.revision += 1
        self._changed()
        return True

    def charge_key(self, token: str, amount: int) -> str:
        """The idempotency key of charging `token` `amount` points: the same until the
        server has answered that request, a new one for any other."""
        request = (self.shop_id, token, amount)
        if self._charge_key is None or self._charge_key[0] != request:
            self._charge_key = (request, self._make_key())
        return self._charge_key[1]

    async def charge(self) -> bool:
        token = clean_token(self.token_text)
        amount = parse_amount(self.charge_amount_text)
        if not token:
            return self._refuse_charge(Refusal("no_token", "charge"))
        if amount is None:
            return self._refuse_charge(Refusal("invalid_amount", "charge"))
        if self.charging:
            return False
        key = self.charge_key(token, amount)
        self.charging = True
        self.receipt = None
        self._changed()
        try:
            receipt = await self._source.charge(self.shop_id, customer_token=token,
                                                amount=amount, idempotency_key=key)
        except BackendError as exc:
            self.charging = False
            if isinstance(exc, BackendRejected):
                self._charge_key = None  # answered: a new request gets a new key
            # Unanswered (offline, a lost answer): the key stays for the retry.
            return self._refuse_charge(refusal_of(exc, "charge"))
        self.charging = False
        self._charge_key = None
        self.receipt, self.charge_refusal = receipt, None
        self.token_text = self.charge_amount_text = ""  # a customer's code is used once
        self.revision += 1
        self.takings_for = None  # the takings changed: read them again
        self._changed()
        return True

    def _refuse_charge(self, refusal: Refusal) -> bool:
        self.charge_refusal = refusal
        self._changed()
        return False

    # --- takings and refunds -----------------------------------------------------------------
    def claim_takings_load(self) -> bool:
        query = (self.shop_id, self._today())
        if (not self.open or not self.shop_id or self.takings_load is Load.LOADING
                or self.takings_for == query):
            return False
        self.takings_load = Load.LOADING
        self.takings_for = query
        return True

    async def load_takings(self) -> None:
        shop_id, day = self.shop_id, self._today()
        self.takings_load = Load.LOADING
        try:
            takings = await self._source.takings(shop_id, day)
        except BackendError as exc:
            self.takings_load = Load.FAILED
            self.takings_refusal = refusal_of(exc, "takings")
        else:
            if shop_id == self.shop_id:
                self.takings, self.takings_refusal = takings, None
            self.takings_load = Load.LOADED
        self.takings_for = (shop_id, day)
        self._changed()

    def reload_takings(self) -> None:
        self.takings_for = None
        self.takings_load = Load.IDLE
        self._changed()

    def set_refund_reason(self, text: str) -> None:
        self.refund_reason = text

    def refund_key(self, transfer_id: str) -> str:
        if transfer_id not in self._refund_keys:
            self._refund_keys[transfer_id] = self._make_key()
        return self._refund_keys[transfer_id]

    async def refund(self, payment: ShopTransfer) -> bool:
        """Refunds what is left of one of the shop's payments (asked first by the view)."""
        reason = self.refund_reason.strip()
        if not reason:
            self.refund_refusal = Refusal("no_reason", "refund")
            self._changed()
            return False
        key = self.refund_key(payment.id)
        try:
            refund = await self._source.refund(self.shop_id, transfer_id=payment.id,
                                               reason=reason[:200], idempotency_key=key)
        except BackendError as exc:
            if isinstance(exc, BackendRejected):
                self._refund_keys.pop(payment.id, None)
            self.refund_refusal = refusal_of(exc, "refund")
            self.refunded_last = None
            self._changed()
            return False
        self._refund_keys.pop(payment.id, None)
        self.refunded_last, self.refund_refusal = refund, None
        self.takings_for = None
        self.takings_load = Load.IDLE
        self._changed()
        return True
