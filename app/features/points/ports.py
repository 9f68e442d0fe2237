"""What the points tile's states need, as protocols: the resident's wallet on this device
(`WalletStore`) and the city's points routes as the signed-in resident (`PointsService`).
Tests pass fakes; `repository.py` has the implementations."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from app.features.points.wallet_rows import ClaimItem, FamilyMember, WalletSnapshot
from backend_client.points_dto import (
    ClaimResult,
    CustomerCode,
    HistoryPage,
    PaymentPreview,
    Receipt,
)


class WalletStore(Protocol):
    """The resident's `wallet` rows and their claims in this device's encrypted store."""

    @property
    def signed_in(self) -> bool:
        """The resident's own store is open."""
        ...

    def stamp(self) -> object:
        """Changes whenever the stored rows may have changed (a sync, a local write)."""
        ...

    async def snapshot(self) -> WalletSnapshot | None:
        """The balance and the history as stored; None when no store is open."""
        ...

    async def claims(self, now: datetime) -> list[ClaimItem]: ...

    async def queue_claim(self, claim_id: str, code: str, scanned_at: datetime) -> bool:
        """Queues `points_claims.claim {"code"}` with its local row, in one transaction, and
        tells the sync; False when no store is open."""
        ...


class PointsService(Protocol):
    """The resident routes of docs/points.md, as the signed-in resident. Raises
    `BackendUnavailable` offline and `BackendRejected` (with the route's code) on refusal."""

    async def wallet(self, person_id: str | None = None) -> WalletSnapshot: ...

    async def history(self, person_id: str | None, kind: str | None, month: str | None,
                      offset: int = 0) -> HistoryPage: ...

    async def receipt(self, transfer_id: str) -> Receipt: ...

    async def set_pin(self, pin: str, current_pin: str | None) -> None: ...

    async def preview(self, qr_payload: str) -> PaymentPreview: ...

    async def pay(self, qr_payload: str, amount: int | None, pin: str,
                  idempotency_key: str) -> Receipt: ...

    async def customer_code(self, pin: str) -> CustomerCode: ...

    async def claim(self, code: str, idempotency_key: str) -> ClaimResult: ...

    async def family(self) -> list[FamilyMember]:
        """The people whose points the resident may see (minor children, delegators)."""
        ...

    def changed(self) -> None:
        """Something was written on the server: fetch the resident's rows soon."""
        ...
