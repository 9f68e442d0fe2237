"""`NumbersSource` and `CheckInSource` over the backend's kiosk routes
(`backend_client.kiosk_queue`): the counters this kiosk may issue numbers for, a number taken
and a booking checked in by its QR code, all with the kiosk's device key (`X-Kiosk-Key`),
never a person's login."""

from __future__ import annotations

from backend_client import BackendClient
from backend_client.kiosk_queue import KioskCheckIn, KioskCounters, KioskQueueClient
from backend_client.reservations_queue import QueueTicket


class KioskNumbers:
    def __init__(self, client: BackendClient, key: str) -> None:
        self._client = KioskQueueClient(client, key)

    async def counters(self) -> KioskCounters:
        return await self._client.counters()

    async def take(self, counter: str) -> QueueTicket:
        return await self._client.take(counter)

    async def check_in(self, code: str) -> KioskCheckIn:
        return await self._client.check_in(code)


def kiosk_numbers(client: BackendClient, key: str) -> KioskNumbers | None:
    """The kiosk's source, or None when this device has no key (it issues no numbers)."""
    return KioskNumbers(client, key) if key else None
