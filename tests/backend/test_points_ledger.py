"""The points ledger (docs/points.md "Ledger"), on SQLite and PostgreSQL: earning, paying,
refunds, corrections, expiry, idempotency, the invariants, and the read queries."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from backend.models import Person, SyncChange
from backend.services.clock import CITY_TIME_ZONE
from backend.tiles.points import api, ledger, queries
from backend.tiles.points.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidRequest,
    NotCorrectable,
    NotRefundable,
    RefundTooLarge,
    UnknownAccount,
    UnknownTransfer,
)
from backend.tiles.points.expiry import run_expiry
from backend.tiles.points.models import PointsAccount, PointsLot, PointsTransfer
from backend.tiles.points.my_data import points_export
from backend.tiles.points.results import Payee
from backend.tiles.points.settings import PointsSettings
from tests.backend.points_helpers import (
    CODE,
    add_person,
    add_shop,
    balances,
    check_invariants,
    migrated,
)


@pytest.fixture
def engine(database_url: str, make_test_engine: Callable[[str], Engine]) -> Engine:
    return migrated(make_test_engine(database_url))


def _earn(engine: Engine, person_id: str, amount: int, key: str, **kwargs: object
          ) -> api.TransferResult:
    return api.earn(engine, person_id=person_id, amount=amount, purpose="recycling",
                    idempotency_key=key, **kwargs)  # type: ignore[arg-type]


def _earn_at(engine: Engine, person_id: str, amount: int, key: str, when: datetime,
             days: int = 365) -> api.TransferResult:
    return api.in_write_transaction(engine, lambda session: ledger.earn(
        session, person_id=person_id, amount=amount, purpose="event", idempotency_key=key,
        expiry_days=days, now=when))


def _wallet_rows(engine: Engine, person_id: str) -> dict[str, dict[str, object]]:
    with Session(engine) as session:
        rows = session.execute(
            select(col(SyncChange.key), col(SyncChange.data))
            .where(col(SyncChange.person_id) == person_id, col(SyncChange.collection) == "wallet")
            .order_by(col(SyncChange.position)))
        return {key: json.loads(data) for key, data in rows}


def test_earn_and_pay_move_points_with_double_entry(engine: Engine) -> None:
    person, shop = add_person(engine), add_shop(engine)
    earned = _earn(engine, person, 300, "earn-0001", reference="rule-1")
    assert (earned.kind, earned.amount, earned.balance_after, earned.replayed) == (
        "earn", 300, 300, False)
    paid = api.pay(engine, person_id=person, payee=Payee.shop(shop), amount=120,
                   purpose="shop_payment", idempotency_key="pay-0001")
    assert paid.balance_after == 180
    fee = api.pay(engine, person_id=person, payee=Payee.city(), amount=80,
                  purpose="bulky_waste_fee", idempotency_key="pay-0002", reference="S2612-0001")
    assert fee.balance_after == 100
    assert api.balance(engine, person).points == 100
    owners = balances(engine)
    assert owners[f"person:{person}"] == 100
    assert owners[f"shop:{shop}"] == 120
    assert owners["issuer"] == -300 + 80
    check_invariants(engine)
    found = api.find_payment(engine, purpose="bulky_waste_fee", reference="S2612-0001")
    assert found is not None and found.transfer_id == fee.transfer_id
    assert found.person_id == person
    assert api.find_payment(engine, purpose="bulky_waste_fee", reference="S2612-9999") is None


def test_wallet_rows_follow_every_posting(engine: Engine) -> None:
    person, shop = add_person(engine), add_shop(engine, name="山下青果")
    earned = _earn(engine, person, 50, "earn-0001")
    paid = api.pay(engine, person_id=person, payee=Payee.shop(shop), amount=20,
                   purpose="shop_payment", idempotency_key="pay-0001")
    rows = _wallet_rows(engine, person)
    assert rows["balance"]["balance"] == 30
    expiring = rows["balance"]["expiring"]
    assert isinstance(expiring, list) and expiring[0]["amount"] == 30
    assert rows[f"transfer:{earned.transfer_id}"]["amount"] == 50
    spent = rows[f"transfer:{paid.transfer_id}"]
    assert spent["amount"] == -20
    assert spent["counterparty"] == {"kind": "shop", "id": shop, "name": "山下青果"}
    assert spent["balance_after"] == 30


def test_balance_never_goes_below_zero(engine: Engine) -> None:
    person = add_person(engine)
    _earn(engine, person, 10, "earn-0001")
    with pytest.raises(InsufficientPoints) as refused:
        api.pay(engine, person_id=person, payee=Payee.city(), amount=11, purpose="shop_payment",
                idempotency_key="pay-0001")
    assert refused.value.detail()["code"] == "insufficient_points"
    assert refused.value.details == {"balance": 10, "amount": 11}
    # The refused key left no trace: it may be used again once the balance suffices.
    _earn(engine, person, 1, "earn-0002")
    assert api.pay(engine, person_id=person, payee=Payee.city(), amount=11,
                   purpose="shop_payment", idempotency_key="pay-0001").balance_after == 0
    check_invariants(engine)


def test_resident_balance_check_constraint(engine: Engine) -> None:
    person = add_person(engine)
    _earn(engine, person, 5, "earn-0001")
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.execute(update(PointsAccount).where(col(PointsAccount.person_id) == person)
                        .values(balance=-1))
        session.commit()
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.execute(update(PointsTransfer).values(amount=0))
        session.commit()


def test_same_key_same_request_replays_different_request_is_refused(engine: Engine) -> None:
    person = add_person(engine)
    first = _earn(engine, person, 100, "earn-key-1")
    again = _earn(engine, person, 100, "earn-key-1")
    assert again.replayed and again.transfer_id == first.transfer_id
    assert again.balance_after == first.balance_after == 100
    with pytest.raises(IdempotencyConflict) as conflict:
        _earn(engine, person, 101, "earn-key-1")
    assert conflict.value.code == "idempotency_key_reused"
    # Another scope may use the same key.
    other = _earn(engine, person, 100, "earn-key-1", scope="tile:waste")
    assert not other.replayed
    assert api.balance(engine, person).points == 200
    check_invariants(engine)


@pytest.mark.parametrize("bad", [
    {"amount": 0}, {"amount": -5}, {"amount": True}, {"amount": 10_000_001},
    {"purpose": "Recycling"}, {"purpose": ""}, {"idempotency_key": "short"},
    {"idempotency_key": "has space!"}, {"reference": "x" * 129},
])
def test_bad_arguments_are_refused(engine: Engine, bad: dict[str, object]) -> None:
    person = add_person(engine)
    args: dict[str, object] = {"person_id": person, "amount": 10, "purpose": "recycling",
                               "idempotency_key": "earn-0001", **bad}
    with pytest.raises(InvalidRequest) as refused:
        api.earn(engine, **args)  # type: ignore[arg-type]
    assert refused.value.status == 422


def test_unknown_people_and_shops(engine: Engine) -> None:
    person = add_person(engine)
    _earn(engine, person, 10, "earn-0001")
    with pytest.raises(UnknownAccount):
        _earn(engine, "00000000-0000-0000-0000-000000000000", 10, "earn-0002")
    for shop in (add_shop(engine, active=False), add_shop(engine, code="332011"),
                 "no-such-shop"):
        with pytest.raises(UnknownAccount):
            api.pay(engine, person_id=person, payee=Payee.shop(shop), amount=1,
                    purpose="shop_payment", idempotency_key="pay-0001")
    with Session(engine) as session:
        session.execute(update(Person).where(col(Person.id) == person)
                        .values(deleted_at=datetime.now(UTC)))
        session.commit()
    with pytest.raises(UnknownAccount):
        _earn(engine, person, 10, "earn-0003")


def test_spending_takes_the_soonest_expiring_lots(engine: Engine) -> None:
    person = add_person(engine)
    now = datetime.now(UTC)
    late = _earn_at(engine, person, 100, "earn-late1", now, days=300)
    soon = _earn_at(engine, person, 100, "earn-soon1", now, days=10)
    api.pay(engine, person_id=person, payee=Payee.city(), amount=150, purpose="shop_payment",
            idempotency_key="pay-0001")
    with Session(engine) as session:
        left = {str(t): int(r) for t, r in session.execute(select(col(PointsLot.transfer_id),
                                           col(PointsLot.remaining)))}
    assert left == {soon.transfer_id: 0, late.transfer_id: 50}
    check_invariants(engine)


def test_refunds_go_back_to_the_same_lots(engine: Engine) -> None:
    person, shop = add_person(engine), add_shop(engine)
    now = datetime.now(UTC)
    first = _earn_at(engine, person, 60, "earn-00001", now, days=30)
    second = _earn_at(engine, person, 60, "earn-00002", now, days=200)
    paid = api.pay(engine, person_id=person, payee=Payee.shop(shop), amount=100,
                   purpose="shop_payment", idempotency_key="pay-0001")
    part = api.refund(engine, transfer_id=paid.transfer_id, idempotency_key="refund-01",
                      amount=30, reason="返品", actor_person_id=None, scope=f"shop:{shop}")
    assert (part.kind, part.amount, part.balance_after) == ("refund", 30, 50)
    with Session(engine) as session:
        left = {str(t): int(r) for t, r in session.execute(select(col(PointsLot.transfer_id),
                                           col(PointsLot.remaining)))}
    # 60 + 40 were taken; the 30 back go to the lot that expires last first.
    assert left == {first.transfer_id: 0, second.transfer_id: 50}
    with pytest.raises(RefundTooLarge) as too_large:
        api.refund(engine, transfer_id=paid.transfer_id, idempotency_key="refund-02",
                   amount=71, reason="返品", actor_person_id=None, scope=f"shop:{shop}")
    assert too_large.value.details["refundable"] == 70
    rest = api.refund(engine, transfer_id=paid.transfer_id, idempotency_key="refund-03",
                      reason="返品", actor_person_id=None, scope=f"shop:{shop}")
    assert rest.amount == 70 and rest.balance_after == 120
    with pytest.raises(RefundTooLarge):
        api.refund(engine, transfer_id=paid.transfer_id, idempotency_key="refund-04",
                   reason="返品", actor_person_id=None, scope=f"shop:{shop}")
    with pytest.raises(NotRefundable):
        api.refund(engine, transfer_id=first.transfer_id, idempotency_key="refund-05",
                   reason="x", actor_person_id=None, scope=f"shop:{shop}")
    with pytest.raises(UnknownTransfer):
        api.refund(engine, transfer_id="nope", idempotency_key="refund-06", reason="x",
                   actor_person_id=None, scope=f"shop:{shop}")
    assert balances(engine)[f"shop:{shop}"] == 0
    receipt = queries.receipt(Session(engine), paid.transfer_id)
    assert receipt is not None and receipt.person_id == person and receipt.shop_id == shop
    assert [r["amount"] for r in receipt.data["refunds"]] == [30, 70]
    check_invariants(engine)


def test_corrections_reverse_once(engine: Engine) -> None:
    person, staff = add_person(engine), add_person(engine)
    earned = _earn(engine, person, 40, "earn-0001")
    _earn(engine, person, 10, "earn-0002")
    fixed = api.correct(engine, transfer_id=earned.transfer_id, reason="二重付与",
                        actor_person_id=staff, idempotency_key="fix-00001")
    assert (fixed.kind, fixed.amount, fixed.balance_after) == ("correction", 40, 10)
    with pytest.raises(NotCorrectable):
        api.correct(engine, transfer_id=earned.transfer_id, reason="again",
                    actor_person_id=staff, idempotency_key="fix-00002")
    with pytest.raises(NotCorrectable):
        api.correct(engine, transfer_id=fixed.transfer_id, reason="undo",
                    actor_person_id=staff, idempotency_key="fix-00003")
    paid = api.pay(engine, person_id=person, payee=Payee.city(), amount=10,
                   purpose="bulky_waste_fee", idempotency_key="pay-0001")
    api.refund(engine, transfer_id=paid.transfer_id, amount=4, reason="一部",
               idempotency_key="ref-0001", actor_person_id=staff)
    back = api.correct(engine, transfer_id=paid.transfer_id, reason="誤請求",
                       actor_person_id=staff, idempotency_key="fix-00004")
    assert back.amount == 6 and back.balance_after == 10
    with pytest.raises(RefundTooLarge):
        api.refund(engine, transfer_id=paid.transfer_id, reason="x", idempotency_key="ref-0002",
                   actor_person_id=staff)
    # An earn already spent cannot be taken back.
    other = _earn(engine, person, 5, "earn-0003")
    api.pay(engine, person_id=person, payee=Payee.city(), amount=15, purpose="shop_payment",
            idempotency_key="pay-0002")
    with pytest.raises(InsufficientPoints):
        api.correct(engine, transfer_id=other.transfer_id, reason="x", actor_person_id=staff,
                    idempotency_key="fix-00005")
    check_invariants(engine)


def test_expiry_moves_old_lots_to_the_sink_once(engine: Engine) -> None:
    person, staff = add_person(engine), add_person(engine)
    now = datetime.now(UTC)
    _earn_at(engine, person, 70, "earn-old01", now - timedelta(days=400))
    _earn_at(engine, person, 30, "earn-new01", now - timedelta(days=10))
    api.pay(engine, person_id=person, payee=Payee.city(), amount=20, purpose="shop_payment",
            idempotency_key="pay-0001")  # taken from the old lot
    run = run_expiry(engine, now)
    assert run.to_json() == {"accounts": 1, "points": 50}
    assert run_expiry(engine, now).to_json() == {"accounts": 0, "points": 0}
    assert api.balance(engine, person).points == 30
    assert balances(engine)["expiry"] == 50
    page = queries.history(Session(engine), person, kind="expire")
    assert [(item["kind"], item["amount"]) for item in page.items] == [("expire", -50)]
    assert page.items[0]["counterparty"]["kind"] == "expiry"
    # Expired points given back by a correction get a new lot.
    back = api.correct(engine, transfer_id=page.items[0]["id"], reason="期限の誤り",
                       actor_person_id=staff, idempotency_key="fix-00001")
    assert back.balance_after == 80
    assert run_expiry(engine, now).points == 0
    check_invariants(engine)


def test_history_filters_and_pages(engine: Engine) -> None:
    person = add_person(engine)
    now = datetime.now(UTC)
    for index in range(5):
        _earn_at(engine, person, 10 + index, f"earn-{index:04}", now - timedelta(minutes=index))
    api.pay(engine, person_id=person, payee=Payee.city(), amount=5, purpose="bulky_waste_fee",
            idempotency_key="pay-0001")
    with Session(engine) as session:
        page = queries.history(session, person, limit=4)
        assert [item["amount"] for item in page.items] == [-5, 10, 11, 12]
        assert page.next_offset == 4
        rest = queries.history(session, person, offset=4, limit=4)
        assert [item["amount"] for item in rest.items] == [13, 14] and rest.next_offset is None
        assert len(queries.history(session, person, kind="earn").items) == 5
        assert len(queries.history(session, person, purpose="bulky_waste_fee").items) == 1
        month = now.astimezone(CITY_TIME_ZONE).strftime("%Y-%m")
        assert len(queries.history(session, person, month=month).items) >= 1
        assert queries.history(session, person, month="2001-01").items == []
        for bad in ({"month": "2026-13"}, {"kind": "gift"}, {"limit": 0}, {"offset": -1}):
            with pytest.raises(InvalidRequest):
                queries.history(session, person, **bad)  # type: ignore[arg-type]
        assert queries.history(session, "no-account").items == []


def test_totals_and_shop_takings(engine: Engine) -> None:
    person, shop = add_person(engine), add_shop(engine)
    _earn(engine, person, 100, "earn-0001")
    paid = api.pay(engine, person_id=person, payee=Payee.shop(shop), amount=60,
                   purpose="shop_payment", idempotency_key="pay-0001")
    api.refund(engine, transfer_id=paid.transfer_id, amount=10, reason="返品",
               idempotency_key="ref-0001", actor_person_id=None, scope=f"shop:{shop}")
    with Session(engine) as session:
        assert queries.totals(session, CODE) == {
            "issued": 100, "spent": 60, "expired": 0, "refunded": 10, "corrected": 0,
            "outstanding": 50, "residents": 1, "shops": 1}
        today = paid.created_at.astimezone(CITY_TIME_ZONE).date()
        takings = queries.shop_takings(session, shop, today)
        assert (takings["total"], takings["count"]) == (50, 2)
        assert queries.shop_takings(session, shop, today - timedelta(days=1))["count"] == 0
        assert queries.shop_takings(session, add_shop(engine), date(2026, 1, 1))["total"] == 0


def test_my_data_export_lists_account_transfers_and_lots(engine: Engine) -> None:
    person, stranger = add_person(engine), add_person(engine)
    _earn(engine, person, 25, "earn-0001")
    with Session(engine) as session:
        subject = session.get(Person, person)
        assert subject is not None
        exported = points_export(session, subject)
        assert exported["account"]["balance"] == 25
        assert [t["amount"] for t in exported["transfers"]] == [25]
        assert [lot["remaining"] for lot in exported["lots"]] == [25]
        other = session.get(Person, stranger)
        assert other is not None
        assert points_export(session, other) == {"account": None, "transfers": [], "lots": []}


def test_settings_from_env() -> None:
    assert PointsSettings.from_env({}).expiry_days == 365
    assert PointsSettings.from_env({"TSUYAMA_POINTS_EXPIRY_DAYS": "180"}).expiry_days == 180
    for bad in ("0", "abc", "99999"):
        with pytest.raises(ValueError, match="TSUYAMA_POINTS_EXPIRY_DAYS"):
            PointsSettings.from_env({"TSUYAMA_POINTS_EXPIRY_DAYS": bad})


def test_expiry_days_setting_sets_the_lot(engine: Engine) -> None:
    person = add_person(engine)
    earned = api.earn(engine, person_id=person, amount=5, purpose="event",
                      idempotency_key="earn-0001", settings=PointsSettings(expiry_days=30))
    with Session(engine) as session:
        expires_at = session.execute(select(col(PointsLot.expires_at))).scalar_one()
        session.execute(text("SELECT 1"))
    assert expires_at.astimezone(UTC) - earned.created_at == timedelta(days=30)
