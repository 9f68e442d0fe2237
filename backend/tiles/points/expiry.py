"""The expiry job: points in lots past their expiry go to the municipality's expiry sink,
one `expire` transfer per resident and run, shown in the resident's history.

Safe to run at any time and any number of times, by several processes at once: each
resident's expiry is its own transaction that re-reads the lots under the account's lock,
so a lot is emptied once. Runs every hour in the serving backend (`EXPIRY_JOB`), from
`POST /staff/points/expiry-runs` and as `python -m backend tile points expire`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from backend.jobs import PeriodicJob
from backend.services.clock import utc_now
from backend.tiles.points import ledger
from backend.tiles.points.api import in_write_transaction
from backend.tiles.points.models import PointsLot
from backend.tiles.points.results import TransferResult

if TYPE_CHECKING:
    from backend.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpiryRun:
    accounts: int  # residents whose points expired
    points: int  # points expired in all

    def to_json(self) -> dict[str, int]:
        return {"accounts": self.accounts, "points": self.points}


def accounts_with_expired_lots(engine: Engine, now: datetime) -> list[str]:
    with Session(engine) as session:
        return [str(account_id) for account_id in session.execute(
            select(col(PointsLot.account_id)).distinct()
            .where(col(PointsLot.remaining) > 0, col(PointsLot.expires_at) <= now)
            .order_by(col(PointsLot.account_id))
        ).scalars()]


def _expire_one(account_id: str, now: datetime, session: Session) -> TransferResult | None:
    return ledger.expire_account(session, account_id, now)


def run_expiry(engine: Engine, now: datetime | None = None) -> ExpiryRun:
    """Expire every lot past its expiry at `now` (default: the current instant)."""
    moment = now or utc_now()
    accounts = points = 0
    for account_id in accounts_with_expired_lots(engine, moment):
        result = in_write_transaction(engine, partial(_expire_one, account_id, moment))
        if result is not None:
            accounts += 1
            points += result.amount
    logger.info("points expiry: %d points of %d residents", points, accounts)
    return ExpiryRun(accounts, points)


def _expiry_job(engine: Engine, _settings: Settings) -> ExpiryRun:
    return run_expiry(engine)


EXPIRY_JOB = PeriodicJob("expire", every=timedelta(hours=1), run=_expiry_job,
                         first_after=timedelta(minutes=1))
