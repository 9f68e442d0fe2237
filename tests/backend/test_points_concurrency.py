"""The ledger under concurrent load, on real connections (threads), SQLite and PostgreSQL.

Many threads post random earns, payments (to the city and to shops) and refunds, and resend
some requests with the same key as a client does after a lost response. Throughout, a
watcher reads the sum of all balances (always 0: points only move) and the smallest
resident balance (never below 0). At the end each key has taken effect exactly once, every
resend answered the first result, and the stored rows keep double entry and the lots.

`TSUYAMA_POINTS_SOAK=<operations per thread>` makes it a longer soak (default: CI size).
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from backend.tiles.points import api
from backend.tiles.points.errors import InsufficientPoints, RefundTooLarge
from backend.tiles.points.models import RESIDENT, PointsAccount, PointsIdempotency, PointsTransfer
from backend.tiles.points.results import Payee, TransferResult
from tests.backend.points_helpers import add_person, add_shop, check_invariants, migrated

THREADS = 8
OPERATIONS = int(os.environ.get("TSUYAMA_POINTS_SOAK", "0")) or 150  # per thread
RESIDENTS = 12
SHOPS = 3


@pytest.fixture
def engine(database_url: str, make_test_engine: Callable[[str], Engine]) -> Engine:
    return migrated(make_test_engine(database_url))


@dataclass
class Tally:
    """What the threads saw: each key's first result, and resends that disagreed."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    results: dict[tuple[str, str], TransferResult] = field(default_factory=dict)
    payments: list[TransferResult] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    refused: int = 0

    def record(self, scope: str, key: str, result: TransferResult) -> None:
        with self.lock:
            first = self.results.setdefault((scope, key), result)
            if first.transfer_id != result.transfer_id:
                self.mismatches.append(f"{scope}/{key}: {first.transfer_id} vs "
                                       f"{result.transfer_id}")
            if result.kind == "pay" and not result.replayed:
                self.payments.append(result)


def _one_operation(engine: Engine, rng: random.Random, people: list[str], shops: list[str],
                   tally: Tally, thread: int, index: int) -> None:
    key = f"t{thread}-op{index:05}"
    person = rng.choice(people)
    choice = rng.random()
    call: Callable[[], TransferResult]
    if choice < 0.4:
        scope = f"person:{person}"
        amount = rng.randint(1, 50)
        def call() -> TransferResult:
            return api.earn(engine, person_id=person, amount=amount, purpose="recycling",
                            idempotency_key=key)
    elif choice < 0.85:
        scope = f"person:{person}"
        payee = Payee.city() if rng.random() < 0.3 else Payee.shop(rng.choice(shops))
        amount = rng.randint(1, 60)
        def call() -> TransferResult:
            return api.pay(engine, person_id=person, payee=payee, amount=amount,
                           purpose="shop_payment", idempotency_key=key)
    else:
        with tally.lock:
            if not tally.payments:
                return
            paid = rng.choice(tally.payments)
        scope = "tile:test"
        amount = rng.randint(1, 20)
        def call() -> TransferResult:
            return api.refund(engine, transfer_id=paid.transfer_id, idempotency_key=key,
                              amount=amount, reason="返品", actor_person_id=None, scope=scope)
    try:
        tally.record(scope, key, call())
        if rng.random() < 0.25:  # the answer was lost: the client sends it again
            again = call()
            if not again.replayed:
                tally.mismatches.append(f"{scope}/{key}: a resend was not a replay")
            tally.record(scope, key, again)
    except (InsufficientPoints, RefundTooLarge):
        with tally.lock:
            tally.refused += 1


def _watch(engine: Engine, stop: threading.Event, seen: list[tuple[int, int]]) -> None:
    while not stop.is_set():
        with Session(engine) as session:
            total = session.execute(
                select(func.coalesce(func.sum(col(PointsAccount.balance)), 0))).scalar_one()
            lowest = session.execute(
                select(func.coalesce(func.min(col(PointsAccount.balance)), 0))
                .where(col(PointsAccount.kind) == RESIDENT)).scalar_one()
        seen.append((int(total), int(lowest)))
        stop.wait(0.01)


def test_random_transfers_from_many_threads_keep_the_books(engine: Engine) -> None:
    people = [add_person(engine) for _ in range(RESIDENTS)]
    shops = [add_shop(engine) for _ in range(SHOPS)]
    tally = Tally()
    stop, seen = threading.Event(), []  # type: ignore[var-annotated]
    watcher = threading.Thread(target=_watch, args=(engine, stop, seen))
    watcher.start()

    def worker(thread: int) -> None:
        rng = random.Random(1000 + thread)
        for index in range(OPERATIONS):
            _one_operation(engine, rng, people, shops, tally, thread, index)

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(worker, range(THREADS)))
    finally:
        stop.set()
        watcher.join()
    assert tally.mismatches == []
    assert seen and all(total == 0 for total, _ in seen), "balances did not sum to 0"
    assert all(lowest >= 0 for _, lowest in seen), "a resident balance went below 0"
    with Session(engine) as session:
        transfers = session.execute(select(func.count()).select_from(PointsTransfer)).scalar()
        keys = session.execute(select(func.count()).select_from(PointsIdempotency)).scalar()
    # Each key took effect once: one transfer per key that succeeded, no more.
    assert transfers == keys == len(tally.results)
    assert len(tally.results) > THREADS * OPERATIONS // 2
    check_invariants(engine)


def test_one_key_sent_by_many_threads_at_once_takes_effect_once(engine: Engine) -> None:
    person, shop = add_person(engine), add_shop(engine)
    api.earn(engine, person_id=person, amount=1000, purpose="event", idempotency_key="seed-0001")
    for round_ in range(5):
        start = threading.Barrier(THREADS)

        def send(_: int, round_: int = round_,
                 start: threading.Barrier = start) -> TransferResult:
            start.wait()
            return api.pay(engine, person_id=person, payee=Payee.shop(shop), amount=7,
                           purpose="shop_payment", idempotency_key=f"same-key-{round_}")

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(send, range(THREADS)))
        assert len({result.transfer_id for result in results}) == 1
        assert sorted(result.replayed for result in results) == [False] + [True] * (THREADS - 1)
    assert api.balance(engine, person).points == 1000 - 5 * 7
    check_invariants(engine)


def test_racing_payments_never_overdraw(engine: Engine) -> None:
    person = add_person(engine)
    api.earn(engine, person_id=person, amount=100, purpose="event", idempotency_key="seed-0001")
    start = threading.Barrier(THREADS)

    def spend(index: int) -> bool:
        start.wait()
        try:
            api.pay(engine, person_id=person, payee=Payee.city(), amount=30,
                    purpose="bulky_waste_fee", idempotency_key=f"spend-{index:04}")
        except InsufficientPoints:
            return False
        return True

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        outcomes = list(pool.map(spend, range(THREADS)))
    assert outcomes.count(True) == 3
    assert api.balance(engine, person).points == 10
    check_invariants(engine)
