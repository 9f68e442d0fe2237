"""`PointsClient`: the resident routes of the points tile (docs/points.md, "Resident"), on the
request helpers of `BackendClient` (same retries, token renewal, error mapping).

Refusals come as `BackendRejected` with the route's `code` and, in `info`, the rest of the
detail (`attempts_left` of `pin_wrong`, `locked_until` of `pin_locked`...). Writes carry an
`idempotency_key`: sending the same request again with the same key is safe (the first
answer comes back), so a caller may repeat a payment whose answer was lost."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from backend_client.client import BackendClient, _bearer
from backend_client.points_dto import (
    ClaimResult,
    CustomerCode,
    HistoryPage,
    PaymentPreview,
    Receipt,
    Wallet,
)

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{8,64}")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _key(idempotency_key: str) -> str:
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise ValueError("an idempotency key is 8-64 of [A-Za-z0-9._:-]")
    return idempotency_key


class PointsClient:
    def __init__(self, backend: BackendClient) -> None:
        self._backend = backend

    async def wallet(self, access_token: str, person_id: str | None = None) -> Wallet:
        """The caller's wallet, or that of a person they may act for (`person_id`)."""
        params = {"person_id": person_id} if person_id else None
        return Wallet.from_json(await self._backend._get_json(
            "/points/wallet", params=params, headers=_bearer(access_token)))

    async def history(self, access_token: str, *, person_id: str | None = None,
                      kind: str | None = None, month: str | None = None, offset: int = 0,
                      limit: int = 50) -> HistoryPage:
        """One page of transfers, newest first; `month` is YYYY-MM."""
        if month is not None and not MONTH.fullmatch(month):
            raise ValueError("month is YYYY-MM")
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        for name, value in (("person_id", person_id), ("kind", kind), ("month", month)):
            if value:
                params[name] = value
        return HistoryPage.from_json(await self._backend._get_json(
            "/points/history", params=params, headers=_bearer(access_token)))

    async def receipt(self, access_token: str, transfer_id: str) -> Receipt:
        return Receipt.from_json(await self._backend._get_json(
            f"/points/transfers/{quote(transfer_id, safe='')}/receipt",
            headers=_bearer(access_token)))

    async def set_pin(self, access_token: str, pin: str, current_pin: str | None = None) -> None:
        """Sets the payment PIN; changing it needs the current one."""
        body: dict[str, str] = {"pin": pin}
        if current_pin is not None:
            body["current_pin"] = current_pin
        await self._backend._request_json("PUT", "/points/pin", json=body,
                                          headers=_bearer(access_token), ok=(200, 204))

    async def preview_payment(self, access_token: str, qr_payload: str) -> PaymentPreview:
        return PaymentPreview.from_json(await self._backend._request_json(
            "POST", "/points/payments/preview", json={"qr_payload": qr_payload},
            headers=_bearer(access_token)))

    async def pay(self, access_token: str, *, qr_payload: str, pin: str, idempotency_key: str,
                  amount: int | None = None) -> Receipt:
        body: dict[str, Any] = {"qr_payload": qr_payload, "pin": pin,
                                "idempotency_key": _key(idempotency_key)}
        if amount is not None:
            body["amount"] = amount
        return Receipt.from_json(await self._backend._request_json(
            "POST", "/points/payments", json=body, headers=_bearer(access_token),
            ok=(200, 201)))

    async def customer_code(self, access_token: str, pin: str) -> CustomerCode:
        return CustomerCode.from_json(await self._backend._request_json(
            "POST", "/points/customer-codes", json={"pin": pin},
            headers=_bearer(access_token), ok=(200, 201)))

    async def claim(self, access_token: str, code: str, idempotency_key: str) -> ClaimResult:
        return ClaimResult.from_json(await self._backend._request_json(
            "POST", "/points/claims",
            json={"code": code, "idempotency_key": _key(idempotency_key)},
            headers=_bearer(access_token), ok=(200, 201)))
