"""Finding, creating and locking ledger accounts.

Accounts are made lazily (INSERT ... ON CONFLICT DO NOTHING on the municipality's owner
key), then every account a transfer touches is locked in id order with one
`SELECT ... ORDER BY id FOR UPDATE`: two transfers over the same accounts take them in the
same order, so they queue rather than deadlock. SQLite has no row locks; its write lock
(`BEGIN IMMEDIATE`) makes the whole transaction exclusive instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from backend.models import Person
from backend.tiles.points.errors import UnknownAccount
from backend.tiles.points.models import (
    EXPIRY,
    ISSUER,
    RESIDENT,
    SHOP,
    PointsAccount,
    PointsShop,
)

ACCOUNT: Table = PointsAccount.__table__  # type: ignore[attr-defined]
PERSON: Table = Person.__table__  # type: ignore[attr-defined]
SHOP_TABLE: Table = PointsShop.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Owner:
    """Who an account belongs to, before it exists."""

    kind: str
    key: str
    person_id: str | None = None
    shop_id: str | None = None

    @classmethod
    def resident(cls, person_id: str) -> Owner:
        return cls(RESIDENT, f"person:{person_id}", person_id=person_id)

    @classmethod
    def shop(cls, shop_id: str) -> Owner:
        return cls(SHOP, f"shop:{shop_id}", shop_id=shop_id)

    @classmethod
    def issuer(cls) -> Owner:
        return cls(ISSUER, ISSUER)

    @classmethod
    def expiry(cls) -> Owner:
        return cls(EXPIRY, EXPIRY)


@dataclass
class Account:
    """A locked account row; `balance` is changed by the posting code only."""

    id: str
    kind: str
    owner_key: str
    person_id: str | None
    shop_id: str | None
    balance: int


def _insert_missing(session: Session, code: str, owners: list[Owner], now: datetime) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PointsAccount).on_conflict_do_nothing(
        index_elements=["municipality_code", "owner_key"])
    session.execute(statement, [
        {"id": str(uuid.uuid4()), "municipality_code": code, "kind": owner.kind,
         "owner_key": owner.key, "person_id": owner.person_id, "shop_id": owner.shop_id,
         "balance": 0, "created_at": now, "updated_at": now}
        for owner in owners
    ])


def _select_locked(session: Session, code: str, keys: list[str]) -> dict[str, Account]:
    rows = session.execute(
        select(ACCOUNT.c.id, ACCOUNT.c.kind, ACCOUNT.c.owner_key,
               ACCOUNT.c.person_id, ACCOUNT.c.shop_id,
               ACCOUNT.c.balance)
        .where(ACCOUNT.c.municipality_code == code,
               ACCOUNT.c.owner_key.in_(keys))
        .order_by(ACCOUNT.c.id)
        .with_for_update()
    )
    return {row.owner_key: Account(*row) for row in rows}


def lock_accounts(session: Session, code: str, owners: list[Owner], now: datetime
                  ) -> dict[str, Account]:
    """The owners' accounts of municipality `code`, made if missing, locked until commit;
    by owner key."""
    keys = sorted({owner.key for owner in owners})
    found = _select_locked(session, code, keys)
    missing = [owner for owner in owners if owner.key not in found]
    if missing:
        _insert_missing(session, code, missing, now)
        found = _select_locked(session, code, keys)
    return found


def lock_account_ids(session: Session, account_ids: list[str]) -> dict[str, Account]:
    """Existing accounts by id, locked in id order; by id."""
    rows = session.execute(
        select(ACCOUNT.c.id, ACCOUNT.c.kind, ACCOUNT.c.owner_key,
               ACCOUNT.c.person_id, ACCOUNT.c.shop_id,
               ACCOUNT.c.balance)
        .where(ACCOUNT.c.id.in_(sorted(set(account_ids))))
        .order_by(ACCOUNT.c.id)
        .with_for_update()
    )
    return {row.id: Account(*row) for row in rows}


def set_balances(session: Session, accounts: list[Account], now: datetime) -> None:
    """Write the accounts' new balances (their rows are locked by this transaction)."""
    session.execute(
        update(ACCOUNT).where(ACCOUNT.c.id == bindparam("account_id"))
        .values(balance=bindparam("new_balance"), updated_at=now),
        [{"account_id": account.id, "new_balance": account.balance} for account in accounts],
    )


def resident_municipality(session: Session, person_id: str) -> str:
    """The municipality of an active resident; `UnknownAccount` otherwise."""
    row = session.execute(
        select(PERSON.c.municipality_code, PERSON.c.deleted_at)
        .where(PERSON.c.id == person_id)
    ).first()
    if row is None or row.deleted_at is not None:
        raise UnknownAccount("no such resident", person_id=person_id)
    return str(row.municipality_code)


@dataclass(frozen=True)
class ShopInfo:
    id: str
    municipality_code: str
    name: str
    active: bool


def shop_info(session: Session, shop_id: str) -> ShopInfo | None:
    row = session.execute(
        select(SHOP_TABLE.c.id, SHOP_TABLE.c.municipality_code, SHOP_TABLE.c.name,
               SHOP_TABLE.c.active)
        .where(SHOP_TABLE.c.id == shop_id)
    ).first()
    return None if row is None else ShopInfo(*row)
