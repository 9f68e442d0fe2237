"""`PointsClient` against the HTTP contract of docs/points.md ("Resident"), with a fake
transport answering as the routes do: paths, bodies, tokens, and each refusal's code and
details (`attempts_left`, `locked_until`) reaching the caller."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from backend_client import BackendClient, BackendProtocolError, BackendRejected
from backend_client.points import PointsClient

pytestmark = pytest.mark.anyio

RECEIPT = {"id": "t-9", "kind": "pay", "amount": 500, "shop": {"id": "s1", "name": "津山商店"},
           "purpose": "shop_payment", "created_at": "2026-11-24T03:00:00+00:00",
           "balance_after": 700, "reference": "P-1", "refunds": []}


class Routes:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str], Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.seen.append((request.method, request.url.path, dict(request.url.params), body))
        assert request.headers["Authorization"] == "Bearer tok"
        path = request.url.path
        if path == "/points/wallet":
            return httpx.Response(200, json={
                "person_id": request.url.params.get("person_id", "me"), "balance": 1200,
                "expiring": [{"amount": 200, "expires_on": "2027-01-31"}], "pin_set": True,
                "pin_locked_until": None})
        if path == "/points/history":
            return httpx.Response(200, json={"items": [{
                "id": "t-1", "kind": "earn", "purpose": "event", "amount": 100,
                "counterparty": "津山市", "reference": None,
                "created_at": "2026-11-01T00:00:00+00:00", "refund_of": None}],
                "next_offset": None})
        if path == "/points/pin":
            return httpx.Response(204)
        if path == "/points/payments/preview":
            if body["qr_payload"] == "forged":
                return httpx.Response(422, json={"detail": {
                    "code": "crc_mismatch", "message": "CRC does not match"}})
            return httpx.Response(200, json={
                "shop": {"id": "s1", "name": "津山商店", "category": "food"},
                "dynamic": True, "amount": 500, "currency": "JPY"})
        if path == "/points/payments":
            if body["pin"] == "0000":
                return httpx.Response(403, json={"detail": {
                    "code": "pin_wrong", "message": "wrong PIN", "attempts_left": 2}})
            if body["pin"] == "9999":
                return httpx.Response(423, json={"detail": {
                    "code": "pin_locked", "message": "locked",
                    "locked_until": "2026-11-24T04:00:00+00:00"}})
            return httpx.Response(201, json=RECEIPT)
        if path == "/points/customer-codes":
            return httpx.Response(201, json={"token": "ct.abc",
                                             "expires_at": "2026-11-24T03:01:00+00:00"})
        if path == "/points/claims":
            return httpx.Response(201, json={"transfer": {**RECEIPT, "kind": "earn",
                                                          "shop": None},
                                             "rule": {"id": "event"}})
        if path == "/points/transfers/t-9/receipt":
            return httpx.Response(200, json=RECEIPT)
        return httpx.Response(404, json={"detail": "not found"})


@pytest.fixture
def routes() -> Routes:
    return Routes()


@pytest.fixture
async def client(routes: Routes) -> PointsClient:
    backend = BackendClient("http://backend.test", transport=httpx.MockTransport(routes),
                            retries=0)
    yield PointsClient(backend)
    await backend.aclose()


async def test_wallet_and_history_with_a_family_member(client: PointsClient,
                                                       routes: Routes) -> None:
    wallet = await client.wallet("tok", person_id="p-child")
    assert (wallet.person_id, wallet.balance, wallet.pin_set) == ("p-child", 1200, True)
    assert wallet.expiring[0].amount == 200
    page = await client.history("tok", person_id="p-child", kind="earn", month="2026-11")
    assert page.items[0].counterparty == "津山市" and page.next_offset is None
    assert routes.seen[-1][2] == {"person_id": "p-child", "kind": "earn", "month": "2026-11",
                                  "offset": "0", "limit": "50"}
    with pytest.raises(ValueError):
        await client.history("tok", month="2026/11")


async def test_pay_preview_then_payment_with_an_idempotency_key(client: PointsClient,
                                                                routes: Routes) -> None:
    preview = await client.preview_payment("tok", "000201dynamic")
    assert (preview.shop.name, preview.dynamic, preview.amount) == ("津山商店", True, 500)
    receipt = await client.pay("tok", qr_payload="000201dynamic", pin="4821",
                               idempotency_key="pay:0123456789abcdef")
    assert (receipt.amount, receipt.balance_after, receipt.shop and receipt.shop.id) == (
        500, 700, "s1")
    assert routes.seen[-1][3] == {"qr_payload": "000201dynamic", "pin": "4821",
                                  "idempotency_key": "pay:0123456789abcdef"}
    with pytest.raises(ValueError):
        await client.pay("tok", qr_payload="x", pin="4821", idempotency_key="short")


async def test_refusals_carry_their_code_and_details(client: PointsClient) -> None:
    with pytest.raises(BackendRejected) as forged:
        await client.preview_payment("tok", "forged")
    assert (forged.value.status_code, forged.value.code) == (422, "crc_mismatch")
    with pytest.raises(BackendRejected) as wrong:
        await client.pay("tok", qr_payload="q", pin="0000", idempotency_key="pay:12345678")
    assert (wrong.value.code, wrong.value.info["attempts_left"]) == ("pin_wrong", 2)
    with pytest.raises(BackendRejected) as locked:
        await client.pay("tok", qr_payload="q", pin="9999", idempotency_key="pay:12345679")
    assert (locked.value.status_code, locked.value.info["locked_until"]) == (
        423, "2026-11-24T04:00:00+00:00")


async def test_pin_customer_code_claim_and_receipt(client: PointsClient,
                                                   routes: Routes) -> None:
    await client.set_pin("tok", "4821", current_pin="1357")
    assert routes.seen[-1][:2] == ("PUT", "/points/pin")
    assert routes.seen[-1][3] == {"pin": "4821", "current_pin": "1357"}
    code = await client.customer_code("tok", "4821")
    assert code.token == "ct.abc" and code.expires_at == datetime(2026, 11, 24, 3, 1,
                                                                  tzinfo=UTC)
    claim = await client.claim("tok", "EVENT-CODE", "claim:0123456789")
    assert claim.transfer.kind == "earn" and claim.rule == {"id": "event"}
    receipt = await client.receipt("tok", "t-9")
    assert receipt.id == "t-9"


async def test_an_answer_that_breaks_the_contract_is_a_protocol_error() -> None:
    def broken(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"person_id": "me", "balance": "lots"})

    backend = BackendClient("http://backend.test", transport=httpx.MockTransport(broken),
                            retries=0)
    try:
        with pytest.raises(BackendProtocolError):
            await PointsClient(backend).wallet("tok")
    finally:
        await backend.aclose()
