"""The PostgreSQL posting functions (`points_earn`, `points_pay`, migration 0016, ADR 0037)
write what the Python posting writes.

One script of operations (earns with different expiries, payments to shops and to the city
spanning several lots, refusals, replays, a reused key, then refunds and a correction by the
Python code on top) runs on two fresh PostgreSQL databases: once through the functions, once
with them switched off. Ids are random, so the rows are compared by what they say: accounts
by owner, transfers by kind, time and amount, lots, lot uses, postings, idempotency answers
and the residents' `wallet` change-log rows (the JSON the device pulls), in position order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from backend.db import make_engine
from backend.models import Person
from backend.models.person import ASSURANCE_CARD
from backend.tiles.points import ledger, ledger_sql
from backend.tiles.points.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    PointsError,
    UnknownAccount,
)
from backend.tiles.points.models import PointsShop
from backend.tiles.points.results import Payee
from tests.backend.points_helpers import check_invariants, migrated
from tests.backend.postgres_databases import create_test_database, drop_test_database
from tests.conftest import require_or_skip

pytestmark = pytest.mark.postgres

CODE = "332038"
PEOPLE = ["00000000-0000-4000-8000-00000000000" + str(n) for n in range(1, 4)]
GONE = "00000000-0000-4000-8000-000000000009"
SHOPS = ["10000000-0000-4000-8000-000000000001", "10000000-0000-4000-8000-000000000002"]
CLOSED_SHOP = "10000000-0000-4000-8000-000000000003"
START = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)  # 09:30 in Tsuyama


@pytest.fixture
def two_databases() -> Iterator[tuple[Engine, Engine]]:
    urls: list[str] = []
    engines: list[Engine] = []
    try:
        for _ in range(2):
            try:
                urls.append(create_test_database())
            except psycopg.OperationalError as exc:
                require_or_skip(f"PostgreSQL not reachable: {exc}")
            engines.append(migrated(make_engine(urls[-1])))
        for engine in engines:
            _seed(engine)
        yield engines[0], engines[1]
    finally:
        for engine in engines:
            engine.dispose()
        for url in urls:
            drop_test_database(url)


def _seed(engine: Engine) -> None:
    with Session(engine) as session:
        for person in [*PEOPLE, GONE]:
            session.add(Person(id=person, municipality_code=CODE,
                               upstream_issuer="https://test-idp.example",
                               upstream_subject=f"test-{person}",
                               assurance_level=ASSURANCE_CARD, created_at=START,
                               updated_at=START,
                               deleted_at=START if person == GONE else None))
        for index, shop in enumerate([*SHOPS, CLOSED_SHOP]):
            session.add(PointsShop(id=shop, municipality_code=CODE, name=f"津山商店{index}",
                                   merchant_id=f"{index:013d}", category="retail",
                                   postal_code="708-0000", active=shop != CLOSED_SHOP,
                                   created_at=START))
        session.commit()


def _script(engine: Engine) -> list[str]:
    """The operations; answers (or refusals) as text, without ids."""
    said: list[str] = []
    clock = iter(START + timedelta(minutes=7 * n) for n in range(1000))

    def run(name: str, work: Callable[[Session, datetime], Any]) -> None:
        with Session(engine) as session:
            try:
                result = work(session, next(clock))
                session.commit()
                said.append(f"{name}: {_said(result.to_json())} replayed={result.replayed}")
            except PointsError as exc:
                session.rollback()
                said.append(f"{name}: {type(exc).__name__} {exc} {exc.details}")

    def earn(person: str, amount: int, key: str, days: int = 365,
             reference: str | None = None) -> Callable[[Session, datetime], Any]:
        return lambda session, now: ledger.earn(
            session, person_id=person, amount=amount, purpose="recycling",
            idempotency_key=key, reference=reference, actor_person_id=None,
            expiry_days=days, now=now)

    def pay(person: str, payee: Payee, amount: int, key: str,
            reference: str | None = None) -> Callable[[Session, datetime], Any]:
        return lambda session, now: ledger.pay(
            session, person_id=person, payee=payee, amount=amount, purpose="shop_payment",
            idempotency_key=key, reference=reference, now=now)

    one, two, three = PEOPLE
    run("earn 1", earn(one, 100, "key-earn-1", days=30))
    run("earn 2", earn(one, 50, "key-earn-2", days=10, reference="event-42"))
    run("earn 3", earn(one, 70, "key-earn-3", days=400))
    run("earn again", earn(one, 100, "key-earn-1", days=30))
    run("earn reused key", earn(one, 101, "key-earn-1"))
    run("earn gone", earn(GONE, 10, "key-earn-gone"))
    run("earn nobody", earn("20000000-0000-4000-8000-000000000000", 10, "key-earn-none"))
    run("pay 1", pay(one, Payee.shop(SHOPS[0]), 60, "key-pay-1"))
    run("pay 2 spans lots", pay(one, Payee.shop(SHOPS[1]), 75, "key-pay-2", "till-7"))
    run("pay city", pay(one, Payee.city(), 15, "key-pay-3", "bulky-1"))
    run("pay again", pay(one, Payee.shop(SHOPS[1]), 75, "key-pay-2", "till-7"))
    run("pay reused key", pay(one, Payee.shop(SHOPS[0]), 75, "key-pay-2", "till-7"))
    run("pay too much", pay(one, Payee.shop(SHOPS[0]), 71, "key-pay-4"))
    run("pay closed shop", pay(one, Payee.shop(CLOSED_SHOP), 1, "key-pay-5"))
    run("pay unknown shop", pay(one, Payee.shop("30000000-0000-4000-8000-000000000000"), 1,
                                "key-pay-6"))
    run("pay without account", pay(two, Payee.city(), 1, "key-pay-7"))
    run("pay too much retried", pay(one, Payee.shop(SHOPS[0]), 70, "key-pay-4"))
    run("earn two", earn(two, 5, "key-earn-4", days=1))
    run("earn three", earn(three, 9, "key-earn-5"))
    run("pay three", pay(three, Payee.shop(SHOPS[0]), 9, "key-pay-8"))
    paid = _transfer_id(engine, "key-pay-2")
    run("refund part", lambda session, now: ledger.refund(
        session, transfer_id=paid, idempotency_key="key-refund-1", amount=20,
        reason="返品", actor_person_id=None, scope="shop:test", now=now))
    run("pay after refund", pay(one, Payee.shop(SHOPS[0]), 5, "key-pay-9"))
    earned = _transfer_id(engine, "key-earn-4")
    run("correct an earn", lambda session, now: ledger.correct(
        session, transfer_id=earned, reason="誤付与", actor_person_id=None,
        idempotency_key="key-correct-1", scope="staff:test", expiry_days=365, now=now))
    return said


def _said(answer: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in answer.items() if k != "transfer_id"}, sort_keys=True,
                      ensure_ascii=False)


def _transfer_id(engine: Engine, key: str) -> str:
    with Session(engine) as session:
        return str(session.execute(text(
            "SELECT transfer_id FROM points_idempotency WHERE key = :key"), {"key": key}
        ).scalar_one())


def _rows(engine: Engine) -> dict[str, Any]:
    """Everything the ledger stored, with ids replaced by what they stand for."""
    with Session(engine) as session:
        def rows(sql: str) -> list[Any]:
            return list(session.execute(text(sql)))

        owner = {row.id: row.owner_key for row in rows("SELECT id, owner_key FROM points_account")}
        transfer = {row.id: f"{row.kind}@{row.created_at.isoformat()}" for row in rows(
            "SELECT id, kind, created_at FROM points_transfer")}
        lot = {row.id: f"lot of {transfer[row.transfer_id]}" for row in rows(
            "SELECT id, transfer_id FROM points_lot")}
        names = {**owner, **transfer, **lot}

        def plain(value: Any) -> Any:
            if isinstance(value, str):
                for old, new in names.items():
                    value = value.replace(old, new)
                return value
            if isinstance(value, dict):
                return {plain(k): plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        def table(sql: str) -> list[Any]:
            return sorted((plain([*row]) for row in rows(sql)), key=repr)

        changes = [
            plain([row.person_id, row.collection, row.key, row.op,
                   None if row.data is None else json.loads(row.data), row.changed_at])
            for row in rows("SELECT * FROM sync_change WHERE collection = 'wallet' "
                            "ORDER BY position")]
        return {
            "accounts": table("SELECT municipality_code, kind, owner_key, person_id, shop_id, "
                              "balance, created_at, updated_at FROM points_account"),
            "transfers": table("SELECT id, municipality_code, kind, from_account_id, "
                               "to_account_id, amount, purpose, reference, reason, refund_of, "
                               "corrects, actor_person_id, created_at FROM points_transfer"),
            "postings": table("SELECT * FROM points_posting"),
            "lots": table("SELECT * FROM points_lot"),
            "lot uses": table("SELECT * FROM points_lot_use"),
            # A refund's or a correction's request names a transfer by its (random) id, so
            # its hash differs between the databases; earns' and payments' do not.
            "keys": [[row[0], row[1], row[2] if row[0].startswith("person:") else "-",
                      plain(json.loads(row[3])), *row[4:]] for row in rows(
                "SELECT scope, key, request_sha256, answer, created_at FROM points_idempotency "
                "ORDER BY scope, key")],
            "wallet rows": changes,
        }


def test_the_functions_write_what_the_python_posting_writes(
    two_databases: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_functions, without = two_databases
    said_with = _script(with_functions)
    monkeypatch.setattr(ledger_sql, "ENABLED", False)
    said_without = _script(without)
    assert said_with == said_without
    stored_with, stored_without = _rows(with_functions), _rows(without)
    for part in stored_with:
        assert stored_with[part] == stored_without[part], part
    # The script did reach every branch, both times.
    text_said = "\n".join(said_with)
    for expected in ("replayed=True", IdempotencyConflict.__name__,
                     InsufficientPoints.__name__, UnknownAccount.__name__, '"refund"',
                     '"correction"'):
        assert expected in text_said, expected
    assert len(stored_with["wallet rows"]) >= 24
    assert any(len(row[4].get("expiring", [])) == 3 for row in stored_with["wallet rows"]
               if row[2] == "balance")
    for engine in two_databases:
        check_invariants(engine)


def test_the_functions_are_used_on_postgresql(two_databases: tuple[Engine, Engine]) -> None:
    """The switch is on by default, and a posting then is one statement."""
    engine = two_databases[0]
    statements: list[str] = []
    from sqlalchemy import event

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    with Session(engine) as session:
        assert ledger_sql.enabled(session)
        ledger.earn(session, person_id=PEOPLE[0], amount=5, purpose="recycling",
                    idempotency_key="key-one-call", actor_person_id=None, expiry_days=365)
        session.commit()
    assert [s.split("(")[0] for s in statements if "points" in s] == ["SELECT points_earn"]
    if os.environ.get("TSUYAMA_SHOW_SQL"):
        print(statements)
