"""What the ledger answers: a transfer's result, a balance, whom a payment goes to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal


@dataclass(frozen=True)
class Payee:
    """Whom a resident pays: the city (a fee, e.g. bulky waste) or a registered shop."""

    kind: Literal["city", "shop"]
    shop_id: str | None = None

    def __post_init__(self) -> None:
        if (self.kind == "shop") != (self.shop_id is not None):
            raise ValueError("a shop payee needs a shop_id, and only it has one")

    @classmethod
    def city(cls) -> Payee:
        return cls("city")

    @classmethod
    def shop(cls, shop_id: str) -> Payee:
        return cls("shop", shop_id)


@dataclass(frozen=True)
class Expiring:
    """Points that expire at the end of `expires_on` (the city's date) unless spent."""

    amount: int
    expires_on: date

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount, "expires_on": self.expires_on.isoformat()}


@dataclass(frozen=True)
class Balance:
    person_id: str
    points: int
    expiring: tuple[Expiring, ...]  # the soonest first

    def to_json(self) -> dict[str, Any]:
        return {"person_id": self.person_id, "balance": self.points,
                "expiring": [item.to_json() for item in self.expiring]}


@dataclass(frozen=True)
class TransferResult:
    """A posted transfer as its caller sees it.

    `amount` is positive; `balance_after` is the resident's balance after it (for a transfer
    without a resident, the receiving account's). `replayed` is True when the idempotency
    key had already been used with the same request: nothing new happened.
    """

    transfer_id: str
    kind: str
    purpose: str
    amount: int
    balance_after: int
    created_at: datetime
    reference: str | None
    person_id: str | None = None  # the resident party, if any
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"transfer_id": self.transfer_id, "kind": self.kind, "purpose": self.purpose,
                "amount": self.amount, "balance_after": self.balance_after,
                "created_at": self.created_at.isoformat(), "reference": self.reference,
                "person_id": self.person_id}

    @classmethod
    def from_json(cls, data: dict[str, Any], *, replayed: bool) -> TransferResult:
        return cls(
            transfer_id=str(data["transfer_id"]), kind=str(data["kind"]),
            purpose=str(data["purpose"]), amount=int(data["amount"]),
            balance_after=int(data["balance_after"]),
            created_at=datetime.fromisoformat(str(data["created_at"])),
            reference=None if data.get("reference") is None else str(data["reference"]),
            person_id=None if data.get("person_id") is None else str(data["person_id"]),
            replayed=replayed,
        )
