"""The resident's wallet as this device holds it, in plain Python.

The ledger writes change-log rows of collection `wallet` (encrypted on the device) with every
posting to a resident's account: key `balance` (`{"balance", "expiring", "updated_at"}`) and
one `transfer:<id>` per transfer (a history line). Claims scanned offline wait in the outbox
as `points_claims.claim {"code"}` until the city decides (docs/points.md)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from app.i18n.formatting import CITY_TIMEZONE
from backend_client import BackendError
from backend_client.points_dto import ExpiringPoints, PointsTransfer

if TYPE_CHECKING:
    from offline_store import LocalRow, OutboxEntry

log = logging.getLogger(__name__)

WALLET = "wallet"
BALANCE_KEY = "balance"
TRANSFER_PREFIX = "transfer:"
CLAIMS = "points_claims"
CLAIM = "claim"
CLAIMS_SHOWN_FOR = timedelta(days=30)
KINDS = ("earn", "pay", "refund", "expire")  # the history's filter chips (and "all")


@dataclass(frozen=True)
class WalletSnapshot:
    """A balance with its history, and how old it is."""

    balance: int | None  # None: this device has not received the balance yet
    expiring: tuple[ExpiringPoints, ...] = ()
    transfers: list[PointsTransfer] = field(default_factory=list)  # newest first
    synced_at: datetime | None = None  # when the device last received the resident's data
    local: bool = True  # False: read from the city's server (another person, no store)
    pin_set: bool | None = None  # None: not known (read offline)
    pin_locked_until: datetime | None = None


@dataclass(frozen=True)
class ClaimItem:
    """A code scanned on this device and sent (or waiting to be sent) by sync."""

    claim_id: str
    scanned_at: datetime
    state: str  # waiting | granted | refused
    error_code: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class FamilyMember:
    """Someone whose points the resident may see: a minor child, or a person who asked
    them to act for them."""

    person_id: str
    name: str
    delegated: bool = False


def snapshot_from(rows: Iterable[LocalRow], synced_at: datetime | None) -> WalletSnapshot:
    """The balance and the history from the device's `wallet` rows (malformed ones skipped)."""
    balance: int | None = None
    expiring: tuple[ExpiringPoints, ...] = ()
    transfers: list[PointsTransfer] = []
    for row in rows:
        data = row.data if isinstance(row.data, Mapping) else {}
        try:
            if row.key == BALANCE_KEY:
                value = data.get("balance")
                if isinstance(value, int) and not isinstance(value, bool):
                    balance = value
                    expiring = ExpiringPoints.list_from_json(data.get("expiring"), "balance")
            elif row.key.startswith(TRANSFER_PREFIX):
                transfers.append(PointsTransfer.from_json(dict(data)))
        except BackendError:
            log.warning("skipping a malformed wallet row %s", row.key)
    transfers.sort(key=lambda t: (t.created_at, t.id), reverse=True)
    if balance is None and not transfers and synced_at is not None:
        # The device has received the resident's data and the city sent no wallet rows:
        # no points yet, which is 0 (as of that sync), not "appears once online".
        balance = 0
    return WalletSnapshot(balance, expiring, transfers, synced_at)


def month_of(moment: datetime) -> str:
    """YYYY-MM of a moment in the city's time."""
    return moment.astimezone(ZoneInfo(CITY_TIMEZONE)).strftime("%Y-%m")


def months_in(transfers: Iterable[PointsTransfer]) -> list[str]:
    """The months the history has lines in, newest first."""
    return sorted({month_of(t.created_at) for t in transfers}, reverse=True)


def filtered(transfers: Iterable[PointsTransfer], kind: str | None,
             month: str | None) -> list[PointsTransfer]:
    return [t for t in transfers
            if (kind is None or t.kind == kind)
            and (month is None or month_of(t.created_at) == month)]


def claims_from(outbox: Iterable[OutboxEntry], now: datetime) -> list[ClaimItem]:
    """This device's claims of the last 30 days, newest first, with what the city decided."""
    items = []
    for entry in outbox:
        if entry.collection != CLAIMS or now - entry.created_at > CLAIMS_SHOWN_FOR:
            continue
        state = {"applied": "granted", "rejected": "refused"}.get(entry.state, "waiting")
        items.append(ClaimItem(entry.key, entry.created_at, state, entry.error_code,
                               entry.error_message))
    return sorted(items, key=lambda c: c.scanned_at, reverse=True)


def family_from(household: Mapping[str, Any] | None,
                delegations: Iterable[Mapping[str, Any]]) -> list[FamilyMember]:
    """Minor children of the household who have an account (their `person_id`), then the
    people who accepted that the resident acts for them."""
    people: list[FamilyMember] = []
    seen: set[str] = set()
    members = (household or {}).get("members")
    for member in members if isinstance(members, list) else []:
        if not isinstance(member, Mapping) or member.get("is_you"):
            continue
        person_id, age = member.get("person_id"), member.get("age")
        if (isinstance(person_id, str) and person_id and isinstance(age, int)
                and age < 18 and person_id not in seen):
            seen.add(person_id)
            people.append(FamilyMember(person_id, str(member.get("name") or "")))
    for delegation in delegations:
        grantor = delegation.get("grantor_common_id")
        if (delegation.get("direction") == "for_me" and delegation.get("status") == "active"
                and isinstance(grantor, str) and grantor not in seen):
            seen.add(grantor)
            name = delegation.get("grantor_name")
            people.append(FamilyMember(grantor, str(name) if isinstance(name, str) else "",
                                       delegated=True))
    return people
