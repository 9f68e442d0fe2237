"""The points tile's state in plain Python (testable with fakes of `ports.py`).

The resident's own balance and history come from this device (the `wallet` rows the sync
pulls), so they show at once and offline with their age; a family member's come from the
city's server. The flows (pay, my code, earn, PIN) are their own small states."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from app.features.points.customer_code import CustomerCodeState
from app.features.points.earning import EarnFlow
from app.features.points.payment import PaymentFlow, PayStep
from app.features.points.pin_form import PinForm
from app.features.points.ports import PointsService, WalletStore
from app.features.points.problems import Problem, problem_for
from app.features.points.wallet_rows import (
    KINDS,
    ClaimItem,
    FamilyMember,
    WalletSnapshot,
    filtered,
    months_in,
)
from backend_client import BackendError
from backend_client.points_dto import PointsTransfer, Receipt
from offline_store import OfflineStoreError

__all__ = ["KINDS", "ClaimItem", "FamilyMember", "PayStep", "PointsState", "PointsTransfer",
           "Problem", "Receipt", "Screen", "WalletSnapshot"]

log = logging.getLogger(__name__)


class Screen(StrEnum):
    HOME = "home"  # balance, expiring points, the latest lines, the actions
    HISTORY = "history"
    PAY = "pay"
    EARN = "earn"
    MY_CODE = "my_code"
    PIN = "pin"


class PointsState:
    def __init__(self, store: WalletStore, server: PointsService,
                 now: Callable[[], datetime], server_now: Callable[[], datetime],
                 offline: Callable[[], bool]) -> None:
        self._store = store
        self._server = server
        self._now = now
        self._offline = offline
        self.screen = Screen.HOME
        self.own: WalletSnapshot | None = None  # from this device
        self.pin_set: bool | None = None  # from the server when online; None: not known
        self.pin_locked_until: datetime | None = None
        self.claims: list[ClaimItem] = []
        self.family: list[FamilyMember] = []
        self.family_loaded = False
        self.acting_for: FamilyMember | None = None
        self.other: WalletSnapshot | None = None  # the family member's, from the server
        self.kind: str | None = None  # history filter
        self.month: str | None = None  # history filter, YYYY-MM
        self.receipt: Receipt | None = None
        self.receipt_of: PointsTransfer | None = None  # the line whose receipt is open
        self.receipt_problem: Problem | None = None
        self.problem: Problem | None = None  # the last read failed
        self.loading = False
        self.stamp: object = None
        self.payment = PaymentFlow(server, offline)
        self.code = CustomerCodeState(server, server_now, offline)
        self.earn = EarnFlow(server, store, now, offline)
        self.pin = PinForm(server, offline)

    # --- reads ---------------------------------------------------------------------------
    @property
    def signed_in(self) -> bool:
        return self._store.signed_in

    def claim_load(self) -> bool:
        """Marks a read as started when the stores changed since the last one."""
        stamp = self._store.stamp()
        if self.loading or self.stamp == stamp:
            return False
        self.stamp, self.loading = stamp, True
        return True

    async def load(self) -> None:
        """The resident's own wallet and claims from the device; online also the PIN status
        and the family (once): their failure leaves what the device has."""
        self.loading = True
        try:
            try:
                self.own = await self._store.snapshot()
                self.claims = await self._store.claims(self._now())
                self.problem = None
            except OfflineStoreError as exc:
                log.warning("the wallet could not be read from this device: %s", exc)
                self.problem = Problem("The points on this device could not be read.")
            if self._offline():
                return
            try:
                server = await self._server.wallet()
                self.pin_set, self.pin_locked_until = server.pin_set, server.pin_locked_until
                if self.own is None or self.own.balance is None:
                    # No store on this device, or it has not received the balance yet:
                    # the server's (shown without "as of": it is current).
                    self.own = server
                if not self.family_loaded:
                    self.family = await self._server.family()
                    self.family_loaded = True
            except BackendError as exc:
                log.info("points: the server could not be read: %s", exc)
        finally:
            self.loading = False

    async def load_other(self) -> None:
        """The family member's balance and history, from the server (logged there)."""
        member = self.acting_for
        if member is None:
            return
        self.loading, self.problem = True, None
        try:
            wallet = await self._server.wallet(member.person_id)
            page = await self._server.history(member.person_id, None, None)
            self.other = WalletSnapshot(wallet.balance, wallet.expiring, page.items,
                                        local=False)
        except BackendError as exc:
            self.problem = problem_for(exc)
            self.other = None
        finally:
            self.loading = False

    # --- what the screen shows -----------------------------------------------------------
    @property
    def shown(self) -> WalletSnapshot | None:
        return self.other if self.acting_for is not None else self.own

    @property
    def never_received(self) -> bool:
        """The device has no balance yet (never synced since the first points)."""
        shown = self.shown
        return shown is None or shown.balance is None

    def history(self) -> list[PointsTransfer]:
        shown = self.shown
        return filtered(shown.transfers, self.kind, self.month) if shown else []

    def months(self) -> list[str]:
        shown = self.shown
        return months_in(shown.transfers) if shown else []

    @property
    def pending_claims(self) -> int:
        return sum(c.state == "waiting" for c in self.claims)

    # --- navigation and filters ----------------------------------------------------------
    def open(self, screen: Screen) -> None:
        if self.screen is Screen.MY_CODE and screen is not Screen.MY_CODE:
            self.code.forget()
        if self.acting_for is not None and screen not in (Screen.HOME, Screen.HISTORY):
            return  # paying, earning and the PIN are the resident's own
        self.screen = screen

    def filter_by(self, kind: str | None = None, month: str | None = None) -> None:
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        self.kind, self.month = kind, month

    def act_for(self, member: FamilyMember | None) -> bool:
        """Shows a family member's points (None: the resident's own); True when a read of
        theirs is needed."""
        self.code.forget()
        self.acting_for, self.other, self.problem = member, None, None
        self.kind = self.month = None
        self.close_receipt()
        if self.screen not in (Screen.HOME, Screen.HISTORY):
            self.screen = Screen.HOME
        return member is not None

    async def open_receipt(self, line: PointsTransfer) -> None:
        """A line's receipt from the server; offline the line itself stands for it."""
        self.receipt_of, self.receipt, self.receipt_problem = line, None, None
        if self._offline():
            return
        try:
            self.receipt = await self._server.receipt(line.id)
        except BackendError as exc:
            self.receipt_problem = problem_for(exc)

    def close_receipt(self) -> None:
        self.receipt_of, self.receipt, self.receipt_problem = None, None, None

    def reset_pay(self) -> None:
        self.payment.restart()
        if self.payment.step is PayStep.SCAN:
            self.screen = Screen.PAY
