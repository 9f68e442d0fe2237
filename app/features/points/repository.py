"""Where the points tile's data comes from: this device's store first.

`LocalWallet` reads the resident's `wallet` rows (pulled by the sync into their encrypted
store, so the balance and the history are readable offline with their age) and queues
offline claims through the outbox. `ServerPoints` calls the resident routes as the signed-in
resident: payments, customer codes, claims, the PIN, and the wallets of family members."""

from __future__ import annotations

import asyncio
from datetime import datetime

from app.account.account_state import AccountState
from app.account.device_data import DeviceData
from app.features.points.wallet_rows import (
    CLAIM,
    CLAIMS,
    WALLET,
    ClaimItem,
    FamilyMember,
    WalletSnapshot,
    claims_from,
    family_from,
    snapshot_from,
)
from backend_client import BackendClient
from backend_client.points import PointsClient
from backend_client.points_dto import (
    ClaimResult,
    CustomerCode,
    HistoryPage,
    PaymentPreview,
    Receipt,
)
from offline_store.sync_engine import MAIN_STREAM


def describe_change(entry: object) -> tuple[str, dict[str, str]] | None:
    """How "Data on this device" names a points claim waiting to be sent."""
    if getattr(entry, "collection", None) == CLAIMS:
        return "Points for a scanned code", {}
    return None


class LocalWallet:
    def __init__(self, device: DeviceData) -> None:
        self._device = device

    @property
    def signed_in(self) -> bool:
        return self._device.store is not None

    def stamp(self) -> object:
        store = self._device.store
        return (self._device.version, id(store) if store else None)

    async def snapshot(self) -> WalletSnapshot | None:
        store = self._device.store
        if store is None:
            return None

        def read() -> WalletSnapshot:
            return snapshot_from(store.list(WALLET), store.cursor(MAIN_STREAM).last_synced_at)

        return await asyncio.to_thread(read)

    async def claims(self, now: datetime) -> list[ClaimItem]:
        store = self._device.store
        if store is None:
            return []
        return claims_from(await asyncio.to_thread(store.outbox), now)

    async def queue_claim(self, claim_id: str, code: str, scanned_at: datetime) -> bool:
        store = self._device.store
        if store is None:
            return False
        await asyncio.to_thread(store.apply_local, CLAIMS, claim_id,
                                {"id": claim_id, "scanned_at": scanned_at.isoformat()},
                                CLAIM, {"code": code})
        await self._device.changed_locally()
        return True


class ServerPoints:
    def __init__(self, backend: BackendClient, account: AccountState,
                 device: DeviceData | None = None) -> None:
        self._backend = backend
        self._client = PointsClient(backend)
        self._account = account
        self._device = device

    async def _token(self) -> str:
        return await self._account.access_token()

    async def wallet(self, person_id: str | None = None) -> WalletSnapshot:
        wallet = await self._client.wallet(await self._token(), person_id)
        return WalletSnapshot(wallet.balance, wallet.expiring, [], None, local=False,
                              pin_set=wallet.pin_set, pin_locked_until=wallet.pin_locked_until)

    async def history(self, person_id: str | None, kind: str | None, month: str | None,
                      offset: int = 0) -> HistoryPage:
        return await self._client.history(await self._token(), person_id=person_id,
                                          kind=kind, month=month, offset=offset)

    async def receipt(self, transfer_id: str) -> Receipt:
        return await self._client.receipt(await self._token(), transfer_id)

    async def set_pin(self, pin: str, current_pin: str | None) -> None:
        await self._client.set_pin(await self._token(), pin, current_pin)

    async def preview(self, qr_payload: str) -> PaymentPreview:
        return await self._client.preview_payment(await self._token(), qr_payload)

    async def pay(self, qr_payload: str, amount: int | None, pin: str,
                  idempotency_key: str) -> Receipt:
        return await self._client.pay(await self._token(), qr_payload=qr_payload, pin=pin,
                                      idempotency_key=idempotency_key, amount=amount)

    async def customer_code(self, pin: str) -> CustomerCode:
        return await self._client.customer_code(await self._token(), pin)

    async def claim(self, code: str, idempotency_key: str) -> ClaimResult:
        return await self._client.claim(await self._token(), code, idempotency_key)

    async def family(self) -> list[FamilyMember]:
        token = await self._token()
        household = await self._backend.my_household(token)
        delegations = await self._backend.my_delegations(token)
        found = household.get("household")
        return family_from(found if isinstance(found, dict) else None, delegations)

    def changed(self) -> None:
        if self._device is not None:
            self._device.sync_now()
