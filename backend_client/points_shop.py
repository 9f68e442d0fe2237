"""The points tile's shop-clerk routes (docs/points.md, "Shop clerk"): the caller's shops,
their JPQR codes, charging a customer's code, the day's takings and refunds.

Built on `BackendClient`'s request helpers (its errors, retries of reads and token renewal);
every write carries the caller's idempotency key, so a retry after a lost answer is safe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from backend_client.client import BackendClient, _bearer
from backend_client.dto import parse_moment
from backend_client.errors import BackendProtocolError


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BackendProtocolError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def _text(data: dict[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise BackendProtocolError(f"{what}: field {key!r} should be a string")
    return value


def _int(data: dict[str, Any], key: str, what: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BackendProtocolError(f"{what}: field {key!r} should be an integer")
    return value


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class ClerkShop:
    """A shop the caller is a clerk of."""

    id: str
    name: str
    category: str = ""

    @classmethod
    def from_json(cls, data: Any) -> ClerkShop:
        what = "shop"
        row = _object(data, what)
        return cls(id=_text(row, "id", what), name=_text(row, "name", what),
                   category=_optional_text(row, "category") or "")


@dataclass(frozen=True)
class ShopCode:
    """A shop's JPQR payload: the static one, or a dynamic one with its amount."""

    payload: str
    dynamic: bool
    amount: int | None

    @classmethod
    def from_json(cls, data: Any) -> ShopCode:
        what = "jpqr response"
        row = _object(data, what)
        return cls(payload=_text(row, "payload", what), dynamic=row.get("dynamic") is True,
                   amount=_optional_int(row, "amount"))


@dataclass(frozen=True)
class ShopTransfer:
    """A payment or refund as the shop sees it (a receipt, a line of the takings)."""

    id: str
    kind: str  # "pay" | "refund"
    amount: int  # points, positive
    created_at: datetime | None
    reference: str | None = None
    refund_of: str | None = None
    refunded: int = 0  # points already refunded of a payment
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def refundable(self) -> int:
        return max(0, self.amount - self.refunded) if self.kind == "pay" else 0

    @classmethod
    def from_json(cls, data: Any) -> ShopTransfer:
        what = "shop transfer"
        row = _object(data, what)
        refunds = row.get("refunds")
        refunded = _optional_int(row, "refunded")
        if refunded is None and isinstance(refunds, list):
            refunded = sum(abs(r["amount"]) for r in refunds
                           if isinstance(r, dict) and isinstance(r.get("amount"), int))
        return cls(id=_text(row, "id", what), kind=_text(row, "kind", what),
                   amount=abs(_int(row, "amount", what)),
                   created_at=parse_moment(row.get("created_at")),
                   reference=_optional_text(row, "reference"),
                   refund_of=_optional_text(row, "refund_of"),
                   refunded=refunded or 0, raw=row)


@dataclass(frozen=True)
class Takings:
    """A shop's day: the net total, the number of payments and every payment and refund."""

    day: date
    total: int
    count: int
    items: tuple[ShopTransfer, ...]

    @classmethod
    def from_json(cls, data: Any) -> Takings:
        what = "takings response"
        row = _object(data, what)
        try:
            day = date.fromisoformat(_text(row, "day", what))
        except ValueError as exc:
            raise BackendProtocolError(f"{what}: day is not YYYY-MM-DD") from exc
        items = row.get("items")
        if not isinstance(items, list):
            raise BackendProtocolError(f"{what}: items should be a list")
        return cls(day=day, total=_int(row, "total", what), count=_int(row, "count", what),
                   items=tuple(ShopTransfer.from_json(item) for item in items))


class PointsShopClient:
    """The shop-clerk routes; `access_token` is the clerk's."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def my_shops(self, access_token: str) -> list[ClerkShop]:
        data = await self._client._get_json("/points/shops/mine",
                                            headers=_bearer(access_token))
        rows = data.get("shops") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise BackendProtocolError("shops response without a list of shops")
        return [ClerkShop.from_json(row) for row in rows]

    async def code(self, access_token: str, shop_id: str,
                   amount: int | None = None) -> ShopCode:
        """The static JPQR, or (with `amount`) a dynamic one for that amount."""
        params = {"amount": amount} if amount is not None else None
        return ShopCode.from_json(await self._client._get_json(
            f"/points/shops/{quote(shop_id, safe='')}/jpqr", params=params,
            headers=_bearer(access_token)))

    async def charge(self, access_token: str, shop_id: str, *, customer_token: str,
                     amount: int, idempotency_key: str) -> ShopTransfer:
        """Charges a customer's code (one use, 60 s). 422 `bad_token`/`token_expired`,
        409 `token_used`/`insufficient_points`/`idempotency_key_reused`."""
        return ShopTransfer.from_json(await self._client._request_json(
            "POST", f"/points/shops/{quote(shop_id, safe='')}/charges",
            headers=_bearer(access_token), ok=(200, 201),
            json={"customer_token": customer_token, "amount": amount,
                  "idempotency_key": idempotency_key}))

    async def takings(self, access_token: str, shop_id: str,
                      day: date | None = None) -> Takings:
        params = {"day": day.isoformat()} if day is not None else None
        return Takings.from_json(await self._client._get_json(
            f"/points/shops/{quote(shop_id, safe='')}/takings", params=params,
            headers=_bearer(access_token)))

    async def refund(self, access_token: str, shop_id: str, *, transfer_id: str,
                     reason: str, idempotency_key: str,
                     amount: int | None = None) -> ShopTransfer:
        """Refunds one of the shop's payments (all of what is left, or `amount`); 409
        `refund_too_large`, `not_refundable`."""
        body: dict[str, Any] = {"transfer_id": transfer_id, "reason": reason,
                                "idempotency_key": idempotency_key}
        if amount is not None:
            body["amount"] = amount
        return ShopTransfer.from_json(await self._client._request_json(
            "POST", f"/points/shops/{quote(shop_id, safe='')}/refunds",
            headers=_bearer(access_token), ok=(200, 201), json=body))


# --- for the waste tile: the district's recycling goal and paying a city fee with points ---


class PointsFeeClient:
    """A resident's routes other tiles use: the district goal's progress and paying the
    bulky-waste fee of a booking with points (a route of the waste tile's backend)."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def district_progress(self, access_token: str) -> dict[str, Any]:
        """`{"district", "goal_kg", "periods": [...], "opted_in"}` of the caller's district."""
        return _object(await self._client._get_json("/points/district-progress",
                                                    headers=_bearer(access_token)),
                       "district progress")

    async def pay_bulky_fee(self, access_token: str, number: str, *, pin: str,
                            idempotency_key: str) -> dict[str, Any]:
        """Pays a booking's fee with points: `{"booking_number", "transfer_id", "amount",
        "balance_after", "created_at", "replayed"}`. 403 `pin_wrong` (`attempts_left`), 423
        `pin_locked` (`locked_until`), 409 `pin_not_set`, `insufficient_points`,
        `already_paid`, `not_booked`, `no_fee`; 404 for another person's booking."""
        return _object(await self._client._request_json(
            "POST", f"/bulky/bookings/{quote(number, safe='')}/points-payment",
            headers=_bearer(access_token), ok=(200, 201),
            json={"pin": pin, "idempotency_key": idempotency_key}), "points payment")
