"""Paying a shop with points, in plain Python: the scanned JPQR code is shown as the shop
and the amount (`POST /points/payments/preview`), the resident enters the amount when the
code has none (a shop's static code), then the PIN, and gets the receipt.

Each payment carries an idempotency key made when the code is read. A refusal (wrong PIN,
not enough points...) is an answer: the next try gets a new key. A lost answer is not: the
payment may have gone through, so the same request is sent again with the same key (the
server answers a replay with the first result) and nothing can be changed until it is
answered; the resident is never charged twice."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from app.features.points.pin_rules import digits_only, pin_entered
from app.features.points.ports import PointsService
from app.features.points.problems import OFFLINE, Problem, problem_for
from backend_client import BackendError, BackendUnavailable
from backend_client.points_dto import PaymentPreview, Receipt

log = logging.getLogger(__name__)

MAX_AMOUNT = 1_000_000
MAX_PAYLOAD = 1024  # a JPQR code is a few hundred characters
NO_CODE = "Please scan the shop's code or paste its text."
NO_AMOUNT = "Please enter the amount to pay."
NO_PIN = "Please enter your PIN (4 to 6 digits)."


class PayStep(StrEnum):
    SCAN = "scan"  # the code: a picture, the camera, or pasted text
    CONFIRM = "confirm"  # the shop, the amount, the PIN
    DONE = "done"  # the receipt


@dataclass(frozen=True)
class _Sent:
    payload: str
    amount: int | None
    pin: str
    key: str


class PaymentFlow:
    def __init__(self, server: PointsService, offline: Callable[[], bool]) -> None:
        self._server = server
        self._offline = offline
        self.step = PayStep.SCAN
        self.payload_text = ""  # what was pasted or read from a picture
        self.payload_revision = 0  # bumped when the flow itself sets the text
        self.preview: PaymentPreview | None = None
        self.amount_text = ""
        self.pin = ""
        self.pin_revision = 0
        self.receipt: Receipt | None = None
        self.problem: Problem | None = None
        self.busy = False
        self.unsure: _Sent | None = None  # sent, answer lost: to be sent again as it was
        self._payload = ""
        self._key = ""

    # --- input -------------------------------------------------------------------------
    def set_payload_text(self, text: str) -> None:
        self.payload_text = text

    def scanned(self, payload: str) -> None:
        """A code read from a picture or the camera."""
        self.payload_text = payload
        self.payload_revision += 1
        self.problem = None

    def set_amount(self, text: str) -> None:
        self.amount_text = digits_only(text, 7)

    def set_pin(self, text: str) -> None:
        self.pin = digits_only(text)

    @property
    def amount(self) -> int | None:
        """The amount to pay: the code's (dynamic), else what the resident entered."""
        if self.preview is None:
            return None
        if self.preview.dynamic:
            return self.preview.amount
        if not self.amount_text:
            return None
        value = int(self.amount_text)
        return value if 0 < value <= MAX_AMOUNT else None

    @property
    def can_pay(self) -> bool:
        return (self.step is PayStep.CONFIRM and not self.busy
                and (self.unsure is not None
                     or (self.amount is not None and pin_entered(self.pin))))

    # --- actions -----------------------------------------------------------------------
    async def read_code(self) -> bool:
        """Asks the city whom the code pays; True when it can be paid."""
        payload = self.payload_text.strip()
        if not payload or len(payload) > MAX_PAYLOAD:
            self.problem = Problem(NO_CODE)
            return False
        if self._offline():
            self.problem = Problem(OFFLINE, code="offline")
            return False
        self.busy, self.problem = True, None
        try:
            preview = await self._server.preview(payload)
        except BackendError as exc:
            log.info("payment code refused: %s", exc)
            self.problem = problem_for(exc)
            return False
        finally:
            self.busy = False
        self.preview, self._payload = preview, payload
        self.amount_text, self.pin = "", ""
        self.pin_revision += 1
        self._key = _new_key()
        self.step = PayStep.CONFIRM
        return True

    async def pay(self) -> bool:
        """Sends the payment; True when the receipt came back."""
        if self.step is not PayStep.CONFIRM or self.busy:
            return False
        if self._offline():
            self.problem = Problem(OFFLINE, code="offline")
            return False
        sent = self.unsure
        if sent is None:
            if self.amount is None:
                self.problem = Problem(NO_AMOUNT)
                return False
            if not pin_entered(self.pin):
                self.problem = Problem(NO_PIN)
                return False
            sent = _Sent(self._payload, None if self.preview and self.preview.dynamic
                         else self.amount, self.pin, self._key)
        self.busy, self.problem = True, None
        try:
            receipt = await self._server.pay(sent.payload, sent.amount, sent.pin, sent.key)
        except BackendUnavailable as exc:
            log.info("payment answer lost: %s", exc)
            self.unsure = sent
            self.problem = Problem(
                "The connection was lost, so it is not known whether you paid. Send it "
                "again: you will not be charged twice.", code="unsure")
            return False
        except BackendError as exc:
            self.unsure = None
            self.problem = problem_for(exc)
            self.pin = ""  # a refusal is an answer: the next try is a new request
            self.pin_revision += 1
            self._key = _new_key()
            return False
        finally:
            self.busy = False
        self.unsure = None
        self.receipt, self.pin = receipt, ""
        self.pin_revision += 1
        self.step = PayStep.DONE
        self._server.changed()
        return True

    def restart(self) -> None:
        """Back to scanning (a new payment). Not while an answer is unknown."""
        if self.unsure is not None:
            return
        self.step, self.preview, self.receipt, self.problem = PayStep.SCAN, None, None, None
        self.payload_text, self.amount_text, self.pin = "", "", ""
        self.payload_revision += 1
        self.pin_revision += 1


def _new_key() -> str:
    return f"pay:{uuid.uuid4().hex}"
