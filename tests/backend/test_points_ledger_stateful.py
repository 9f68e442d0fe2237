"""The ledger against a simple model (Hypothesis stateful testing), on SQLite.

The model keeps each resident's lots (what they earned, when it expires, what is left),
each shop's balance, each payment's refunds, which transfers were corrected and which
idempotency keys were used for what. Hypothesis runs random sequences of earns, payments,
refunds, corrections, clock jumps and expiry runs, with keys drawn from a small pool (so
replays and conflicting reuses happen), and after every step the database must agree with
the model: balances, lots and the double-entry invariants.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from backend.db import make_engine
from backend.tiles.points import api, ledger
from backend.tiles.points.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    NotCorrectable,
    NotRefundable,
    PointsError,
    RefundTooLarge,
)
from backend.tiles.points.models import PointsAccount, PointsLot
from backend.tiles.points.results import Payee, TransferResult
from tests.backend.points_helpers import add_person, add_shop, check_invariants, migrated

EXPIRY_DAYS = 3
KEYS = [f"key-{n:05}" for n in range(6)]
START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
REASON = "テスト"


@dataclass
class Lot:
    tag: str  # the transfer that made it
    expires: datetime
    remaining: int


@dataclass
class Model:
    lots: dict[str, list[Lot]] = field(default_factory=lambda: defaultdict(list))
    shops: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # transfer id -> (kind, person, amount, shop or None)
    transfers: dict[str, tuple[str, str, int, str | None]] = field(default_factory=dict)
    uses: dict[str, dict[str, int]] = field(default_factory=dict)  # transfer -> lot -> taken
    reversed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    corrected: set[str] = field(default_factory=set)
    keys: dict[tuple[str, str], tuple[tuple[object, ...], str]] = field(default_factory=dict)

    def balance(self, person: str) -> int:
        return sum(lot.remaining for lot in self.lots[person])

    def lot(self, person: str, tag: str) -> Lot:
        return next(lot for lot in self.lots[person] if lot.tag == tag)

    def take(self, person: str, transfer: str, amount: int, prefer: str | None = None) -> None:
        order = sorted(self.lots[person], key=lambda lot: (lot.tag != prefer, lot.expires))
        taken: dict[str, int] = {}
        for lot in order:
            if amount == 0:
                break
            used = min(amount, lot.remaining)
            if used:
                lot.remaining -= used
                taken[lot.tag] = used
                amount -= used
        self.uses[transfer] = taken

    def give_back(self, person: str, original: str, transfer: str, amount: int) -> None:
        net: dict[str, int] = defaultdict(int)
        for tid in [original, *self.reversed[original]]:
            for tag, used in self.uses.get(tid, {}).items():
                net[tag] += used
        held = sorted((self.lot(person, tag) for tag, used in net.items() if used > 0),
                      key=lambda lot: lot.expires, reverse=True)
        back: dict[str, int] = {}
        for lot in held:
            if amount == 0:
                break
            given = min(amount, net[lot.tag])
            lot.remaining += given
            back[lot.tag] = -given
            amount -= given
        assert amount == 0
        self.uses[transfer] = back

    def reversed_amount(self, transfer: str) -> int:
        return sum(self.transfers[tid][2] for tid in self.reversed[transfer])


class LedgerMachine(RuleBasedStateMachine):
    engine: Engine  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.people = [add_person(self.engine) for _ in range(2)]
        self.shop_ids = [add_shop(self.engine) for _ in range(2)]
        self.model = Model()
        self.now = START
        # Examples share the database: a scope of their own keeps their keys apart.
        self.scope = f"tile:test{uuid.uuid4().hex[:12]}"

    # -- helpers --------------------------------------------------------------------------

    def _tick(self) -> datetime:
        self.now += timedelta(seconds=1)  # distinct instants: lots never tie on expiry
        return self.now

    def _run(self, work: Callable[[Session], TransferResult | None]) -> TransferResult | None:
        return api.in_write_transaction(self.engine, work)

    def _keyed(self, scope: str, key: str, request: tuple[object, ...],
               work: Callable[[Session], TransferResult | None]
               ) -> tuple[bool, TransferResult | None]:
        """(True, result) when the model says the request is new; handles replays and
        conflicts itself and answers (False, None) for them."""
        seen = self.model.keys.get((scope, key))
        if seen is None:
            return True, None
        if seen[0] == request:
            result = self._run(work)
            assert result is not None and result.replayed and result.transfer_id == seen[1]
        else:
            with pytest.raises(IdempotencyConflict):
                self._run(work)
        return False, None

    def _payments(self) -> list[str]:
        return [tid for tid, (kind, *_rest) in self.model.transfers.items() if kind == "pay"]

    # -- rules ----------------------------------------------------------------------------

    @rule(who=st.integers(0, 1), amount=st.integers(1, 60), key=st.sampled_from(KEYS))
    def earn(self, who: int, amount: int, key: str) -> None:
        person, now = self.people[who], self._tick()
        scope, request = f"person:{person}", ("earn", amount)

        def work(session: Session) -> TransferResult:
            return ledger.earn(session, person_id=person, amount=amount, purpose="event",
                               idempotency_key=key, expiry_days=EXPIRY_DAYS, now=now)

        new, _ = self._keyed(scope, key, request, work)
        if not new:
            return
        result = self._run(work)
        assert result is not None and not result.replayed
        self.model.lots[person].append(Lot(result.transfer_id, now + timedelta(days=EXPIRY_DAYS),
                                           amount))
        self.model.transfers[result.transfer_id] = ("earn", person, amount, None)
        self.model.keys[(scope, key)] = (request, result.transfer_id)
        assert result.balance_after == self.model.balance(person)

    @rule(who=st.integers(0, 1), shop=st.integers(-1, 1), amount=st.integers(1, 80),
          key=st.sampled_from(KEYS))
    def pay(self, who: int, shop: int, amount: int, key: str) -> None:
        person, now = self.people[who], self._tick()
        shop_id = None if shop < 0 else self.shop_ids[shop]
        payee = Payee.city() if shop_id is None else Payee.shop(shop_id)
        scope, request = f"person:{person}", ("pay", shop_id, amount)

        def work(session: Session) -> TransferResult:
            return ledger.pay(session, person_id=person, payee=payee, amount=amount,
                              purpose="shop_payment", idempotency_key=key, now=now)

        new, _ = self._keyed(scope, key, request, work)
        if not new:
            return
        if self.model.balance(person) < amount:
            with pytest.raises(InsufficientPoints):
                self._run(work)
            return
        result = self._run(work)
        assert result is not None
        self.model.take(person, result.transfer_id, amount)
        if shop_id is not None:
            self.model.shops[shop_id] += amount
        self.model.transfers[result.transfer_id] = ("pay", person, amount, shop_id)
        self.model.keys[(scope, key)] = (request, result.transfer_id)

    @precondition(lambda self: bool(self._payments()))
    @rule(pick=st.integers(0, 10_000), amount=st.none() | st.integers(1, 40),
          key=st.sampled_from(KEYS))
    def refund(self, pick: int, amount: int | None, key: str) -> None:
        payments = self._payments()
        original = payments[pick % len(payments)]
        _kind, person, paid, shop_id = self.model.transfers[original]
        now = self._tick()
        scope, request = self.scope, ("refund", original, amount)

        def work(session: Session) -> TransferResult:
            return ledger.refund(session, transfer_id=original, idempotency_key=key,
                                 amount=amount, reason=REASON, actor_person_id=None,
                                 scope=scope, expiry_days=EXPIRY_DAYS, now=now)

        new, _ = self._keyed(scope, key, request, work)
        if not new:
            return
        refundable = paid - self.model.reversed_amount(original)
        wanted = refundable if amount is None else amount
        if wanted <= 0 or wanted > refundable:
            with pytest.raises(RefundTooLarge):
                self._run(work)
            return
        result = self._run(work)
        assert result is not None and result.amount == wanted
        self.model.give_back(person, original, result.transfer_id, wanted)
        self.model.reversed[original].append(result.transfer_id)
        if shop_id is not None:
            self.model.shops[shop_id] -= wanted
        self.model.transfers[result.transfer_id] = ("refund", person, wanted, shop_id)
        self.model.keys[(scope, key)] = (request, result.transfer_id)
        assert result.balance_after == self.model.balance(person)

    @precondition(lambda self: bool(self.model.transfers))
    @rule(pick=st.integers(0, 10_000), key=st.sampled_from(KEYS))
    def correct(self, pick: int, key: str) -> None:
        ids = list(self.model.transfers)
        original = ids[pick % len(ids)]
        kind, person, amount, shop_id = self.model.transfers[original]
        now = self._tick()
        scope, request = self.scope, ("correct", original)

        def work(session: Session) -> TransferResult:
            return ledger.correct(session, transfer_id=original, reason=REASON,
                                  actor_person_id=None, idempotency_key=key, scope=scope,
                                  expiry_days=EXPIRY_DAYS, now=now)

        new, _ = self._keyed(scope, key, request, work)
        if not new:
            return
        left = amount - self.model.reversed_amount(original)
        if kind in ("refund", "correction") or original in self.model.corrected or left <= 0:
            with pytest.raises(NotCorrectable):
                self._run(work)
            return
        if kind == "earn" and self.model.balance(person) < left:
            with pytest.raises(InsufficientPoints):
                self._run(work)
            return
        result = self._run(work)
        assert result is not None and result.amount == left
        tid = result.transfer_id
        if kind == "earn":
            self.model.take(person, tid, left, prefer=original)
        elif kind == "expire":
            self.model.lots[person].append(Lot(tid, now + timedelta(days=EXPIRY_DAYS), left))
        else:  # a payment
            self.model.give_back(person, original, tid, left)
            if shop_id is not None:
                self.model.shops[shop_id] -= left
        self.model.corrected.add(original)
        self.model.reversed[original].append(tid)
        self.model.transfers[tid] = ("correction", person, left, shop_id)
        self.model.keys[(scope, key)] = (request, tid)
        assert result.balance_after == self.model.balance(person)

    @rule(days=st.integers(0, 4), hours=st.integers(0, 23))
    def time_passes(self, days: int, hours: int) -> None:
        self.now += timedelta(days=days, hours=hours)

    @rule()
    def expiry_job(self) -> None:
        now = self._tick()
        for person in self.people:
            account = self._account(person)
            result = None if account is None else self._run(
                lambda session, account=account: ledger.expire_account(session, account, now))
            expired = [lot for lot in self.model.lots[person]
                       if lot.expires <= now and lot.remaining > 0]
            if not expired:
                assert result is None
                continue
            assert result is not None and result.amount == sum(lot.remaining for lot in expired)
            self.model.uses[result.transfer_id] = {lot.tag: lot.remaining for lot in expired}
            for lot in expired:
                lot.remaining = 0
            self.model.transfers[result.transfer_id] = ("expire", person, result.amount, None)

    @rule(pick=st.integers(0, 10_000))
    def not_a_payment_is_not_refundable(self, pick: int) -> None:
        others = [tid for tid, (kind, *_r) in self.model.transfers.items() if kind != "pay"]
        if not others:
            return
        original = others[pick % len(others)]
        with pytest.raises(NotRefundable):
            self._run(lambda session: ledger.refund(
                session, transfer_id=original, idempotency_key=f"nr-{uuid.uuid4().hex[:12]}",
                reason=REASON, actor_person_id=None, scope=self.scope, now=self._tick()))

    # -- invariants -----------------------------------------------------------------------

    def _account(self, person: str) -> str | None:
        with Session(self.engine) as session:
            found = session.execute(select(col(PointsAccount.id)).where(
                col(PointsAccount.person_id) == person)).scalar_one_or_none()
            return None if found is None else str(found)

    @invariant()
    def database_agrees_with_the_model(self) -> None:
        with Session(self.engine) as session:
            stored = {str(key): int(balance) for key, balance in session.execute(
                select(col(PointsAccount.owner_key), col(PointsAccount.balance)))}
            for person in self.people:
                assert stored.get(f"person:{person}", 0) == self.model.balance(person)
                assert api.balance(self.engine, person).points == self.model.balance(person)
                lots = {str(tag): int(remaining) for tag, remaining in session.execute(
                    select(col(PointsLot.transfer_id), col(PointsLot.remaining))
                    .join(PointsAccount, col(PointsAccount.id) == col(PointsLot.account_id))
                    .where(col(PointsAccount.person_id) == person))}
                assert lots == {lot.tag: lot.remaining for lot in self.model.lots[person]}
            for shop_id in self.shop_ids:
                assert stored.get(f"shop:{shop_id}", 0) == self.model.shops[shop_id]


def test_ledger_matches_the_model(tmp_path: Path) -> None:
    engine = migrated(make_engine(f"sqlite:///{tmp_path / 'stateful.sqlite3'}"))
    try:
        LedgerMachine.engine = engine
        run_state_machine_as_test(LedgerMachine, settings=settings(
            max_examples=80, stateful_step_count=40, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow]))
        check_invariants(engine)
    finally:
        engine.dispose()


def test_points_errors_carry_codes() -> None:
    codes = {cls.code for cls in PointsError.__subclasses__()}
    assert {"insufficient_points", "idempotency_key_reused", "unknown_account",
            "refund_too_large", "not_refundable"} <= codes
