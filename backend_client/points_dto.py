"""Typed views of the points routes' answers (docs/points.md, "HTTP API"), validated on the
way in. `PointsTransfer.from_json` also reads the `wallet` change-log rows a device keeps
(key `transfer:<id>`), which have the same shape as a history item."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend_client.errors import BackendProtocolError

TRANSFER_KINDS = ("earn", "pay", "refund", "expire", "correction")


def _object(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise BackendProtocolError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def _int(data: Mapping[str, Any], key: str, what: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BackendProtocolError(f"{what}: field {key!r} should be an integer")
    return value


def _str(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise BackendProtocolError(f"{what}: field {key!r} should be a non-empty string")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _opt_int(data: Mapping[str, Any], key: str, what: str) -> int | None:
    if data.get(key) is None:
        return None
    return _int(data, key, what)


def _moment(raw: Any, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise BackendProtocolError(f"{what}: {raw!r} is not an ISO 8601 time") from exc
    if value.tzinfo is None:
        raise BackendProtocolError(f"{what}: {raw!r} has no UTC offset")
    return value


def _opt_moment(raw: Any, what: str) -> datetime | None:
    return None if raw is None else _moment(raw, what)


@dataclass(frozen=True)
class ExpiringPoints:
    """Points that lapse at the end of `expires_on` unless spent first."""

    amount: int
    expires_on: date

    @classmethod
    def list_from_json(cls, data: Any, what: str) -> tuple[ExpiringPoints, ...]:
        if data is None:
            return ()
        if not isinstance(data, list):
            raise BackendProtocolError(f"{what}: expiring should be a list")
        out = []
        for item in data:
            entry = _object(item, what)
            try:
                day = date.fromisoformat(str(entry.get("expires_on")))
            except ValueError as exc:
                raise BackendProtocolError(f"{what}: expires_on is not a date") from exc
            out.append(cls(_int(entry, "amount", what), day))
        return tuple(sorted(out, key=lambda e: e.expires_on))


@dataclass(frozen=True)
class Wallet:
    """`GET /points/wallet`: a resident's balance and PIN status."""

    person_id: str
    balance: int
    expiring: tuple[ExpiringPoints, ...]
    pin_set: bool
    pin_locked_until: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> Wallet:
        what = "points wallet"
        body = _object(data, what)
        return cls(
            person_id=_str(body, "person_id", what),
            balance=_int(body, "balance", what),
            expiring=ExpiringPoints.list_from_json(body.get("expiring"), what),
            pin_set=body.get("pin_set") is True,
            pin_locked_until=_opt_moment(body.get("pin_locked_until"), what),
        )


def _counterparty(value: Any) -> str | None:
    """A shop's or the city's name: a string, or an object with a `name`."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return str(value["name"])
    return None


@dataclass(frozen=True)
class PointsTransfer:
    """One line of a resident's history; `amount` is signed (+ received, − spent)."""

    id: str
    kind: str  # earn | pay | refund | expire | correction
    purpose: str
    amount: int
    created_at: datetime
    counterparty: str | None = None
    reference: str | None = None
    refund_of: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> PointsTransfer:
        what = "points transfer"
        body = _object(data, what)
        return cls(
            id=_str(body, "id", what),
            kind=_str(body, "kind", what),
            purpose=_opt_str(body, "purpose") or "",
            amount=_int(body, "amount", what),
            created_at=_moment(body.get("created_at"), what),
            counterparty=_counterparty(body.get("counterparty")),
            reference=_opt_str(body, "reference"),
            refund_of=_opt_str(body, "refund_of"),
        )


@dataclass(frozen=True)
class HistoryPage:
    items: list[PointsTransfer]
    next_offset: int | None

    @classmethod
    def from_json(cls, data: Any) -> HistoryPage:
        what = "points history"
        body = _object(data, what)
        items = body.get("items")
        if not isinstance(items, list):
            raise BackendProtocolError(f"{what}: items should be a list")
        return cls([PointsTransfer.from_json(i) for i in items],
                   _opt_int(body, "next_offset", what))


@dataclass(frozen=True)
class ShopRef:
    id: str
    name: str
    category: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ShopRef:
        what = "shop"
        body = _object(data, what)
        return cls(_str(body, "id", what), _str(body, "name", what), _opt_str(body, "category"))


@dataclass(frozen=True)
class Receipt:
    """A transfer as a receipt: a payment, a refund, a claim's grant."""

    id: str
    kind: str
    amount: int
    purpose: str
    created_at: datetime
    shop: ShopRef | None = None
    balance_after: int | None = None
    reference: str | None = None
    refunds: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any) -> Receipt:
        what = "points receipt"
        body = _object(data, what)
        refunds = body.get("refunds")
        return cls(
            id=_str(body, "id", what),
            kind=_str(body, "kind", what),
            amount=_int(body, "amount", what),
            purpose=_opt_str(body, "purpose") or "",
            created_at=_moment(body.get("created_at"), what),
            shop=ShopRef.from_json(body["shop"]) if body.get("shop") is not None else None,
            balance_after=_opt_int(body, "balance_after", what),
            reference=_opt_str(body, "reference"),
            refunds=[dict(r) for r in refunds if isinstance(r, Mapping)]
            if isinstance(refunds, list) else [],
        )


@dataclass(frozen=True)
class PaymentPreview:
    """`POST /points/payments/preview`: whom a scanned JPQR pays, and how much if fixed."""

    shop: ShopRef
    dynamic: bool
    amount: int | None
    currency: str

    @classmethod
    def from_json(cls, data: Any) -> PaymentPreview:
        what = "payment preview"
        body = _object(data, what)
        dynamic = body.get("dynamic") is True
        amount = _opt_int(body, "amount", what)
        if dynamic and amount is None:
            raise BackendProtocolError(f"{what}: a dynamic code without an amount")
        return cls(ShopRef.from_json(body.get("shop")), dynamic, amount,
                   _opt_str(body, "currency") or "JPY")


@dataclass(frozen=True)
class CustomerCode:
    """A signed one-use token for a shop to scan, valid until `expires_at` (60 s)."""

    token: str
    expires_at: datetime

    @classmethod
    def from_json(cls, data: Any) -> CustomerCode:
        what = "customer code"
        body = _object(data, what)
        return cls(_str(body, "token", what), _moment(body.get("expires_at"), what))


@dataclass(frozen=True)
class ClaimResult:
    """`POST /points/claims`: the grant and the rule that made it."""

    transfer: Receipt
    rule: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> ClaimResult:
        what = "points claim"
        body = _object(data, what)
        rule = body.get("rule")
        return cls(Receipt.from_json(body.get("transfer")),
                   dict(rule) if isinstance(rule, Mapping) else {})
