"""Helpers of the points ledger tests: a migrated database, people and shops made directly,
and the ledger's invariants checked on the stored rows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from backend.models import Person
from backend.models.person import ASSURANCE_CARD
from backend.schema import upgrade_to_head
from backend.tiles.points.models import (
    RESIDENT,
    PointsAccount,
    PointsLot,
    PointsPosting,
    PointsShop,
    PointsTransfer,
)

CODE = "332038"


def migrated(engine: Engine) -> Engine:
    upgrade_to_head(engine)
    return engine


def add_person(engine: Engine, code: str = CODE) -> str:
    person_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(Person(id=person_id, municipality_code=code,
                           upstream_issuer="https://test-idp.example",
                           upstream_subject=f"test-{person_id}", assurance_level=ASSURANCE_CARD,
                           created_at=now, updated_at=now))
        session.commit()
    return person_id


def add_shop(engine: Engine, code: str = CODE, *, active: bool = True,
             name: str = "津山商店") -> str:
    shop_id = str(uuid.uuid4())
    with Session(engine) as session:
        session.add(PointsShop(id=shop_id, municipality_code=code, name=name,
                               merchant_id=str(uuid.uuid4().int)[:13], category="retail",
                               postal_code="708-0000", active=active,
                               created_at=datetime.now(UTC)))
        session.commit()
    return shop_id


def balances(engine: Engine) -> dict[str, int]:
    """Every account's balance by owner key."""
    with Session(engine) as session:
        return {str(key): int(balance) for key, balance in session.execute(
            select(col(PointsAccount.owner_key), col(PointsAccount.balance)))}


def check_invariants(engine: Engine) -> None:
    """Double entry holds and every resident's balance is their lots' sum, never negative."""
    with Session(engine) as session:
        per_transfer = session.execute(
            select(col(PointsPosting.transfer_id), func.sum(col(PointsPosting.amount)),
                   func.count())
            .group_by(col(PointsPosting.transfer_id))).all()
        transfers = session.execute(select(func.count()).select_from(PointsTransfer)).scalar()
        assert len(per_transfer) == transfers, "a transfer without its postings"
        assert all(total == 0 and count == 2 for _, total, count in per_transfer)
        posted: dict[str, int] = defaultdict(int)
        for account_id, amount in session.execute(
                select(col(PointsPosting.account_id), col(PointsPosting.amount))):
            posted[account_id] += amount
        in_lots: dict[str, int] = defaultdict(int)
        for account_id, remaining in session.execute(
                select(col(PointsLot.account_id), col(PointsLot.remaining))):
            in_lots[account_id] += remaining
        accounts = session.execute(select(col(PointsAccount.id), col(PointsAccount.kind),
                                          col(PointsAccount.balance))).all()
        assert sum(balance for _, _, balance in accounts) == 0
        for account_id, kind, balance in accounts:
            assert balance == posted[account_id], f"{kind} {account_id}: balance != postings"
            if kind == RESIDENT:
                assert balance >= 0
                assert balance == in_lots[account_id], f"{account_id}: balance != lots"
