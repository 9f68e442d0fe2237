"""A city-hall kiosk's waiting numbers without a login (docs/reservations.md §3, "Kiosk
numbers without a login"): the kiosk's counters with the number being served and how many
wait, a walk-in's number at one of them, and a booking checked in by its QR code. The kiosk
proves itself with its device key (`X-Kiosk-Key`), never with a person's token, so a refused
key never triggers the client's token renewal.

Refusals are `BackendRejected` with the backend's code: `kiosk_key_invalid` (401: the key is
missing, unknown or revoked), `counter_not_found` (404: not among the kiosk's counters),
`kiosk_rate_limited` (429: too many numbers from this kiosk this minute; `.info
["retry_after_s"]` says how many seconds to wait). Offline: `BackendUnavailable`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend_client.client import BackendClient
from backend_client.dto import parse_moment
from backend_client.errors import BackendProtocolError
from backend_client.reservations_queue import QueueTicket, counter_name, counter_path

KEY_HEADER = "X-Kiosk-Key"


def _count(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


@dataclass(frozen=True)
class KioskCounter:
    """A counter the kiosk issues numbers for."""

    counter: str
    name: tuple[str, str]  # (ja, en)
    serving: int | None  # the number called last (None: nobody called yet today)
    waiting: int

    @classmethod
    def from_json(cls, data: Any) -> KioskCounter:
        if not isinstance(data, dict):
            raise BackendProtocolError("kiosk counter: expected an object")
        counter, waiting = data.get("counter"), _count(data.get("waiting"))
        if not isinstance(counter, str) or not counter or waiting is None:
            raise BackendProtocolError("kiosk counter: a counter and a waiting count expected")
        return cls(counter=counter, name=counter_name(data.get("name"), counter),
                   serving=_count(data.get("serving")), waiting=waiting)


@dataclass(frozen=True)
class KioskCounters:
    """The kiosk's name and its counters (by id), as of `as_of` (the server's time)."""

    kiosk: str
    counters: tuple[KioskCounter, ...]
    as_of: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> KioskCounters:
        if not isinstance(data, dict) or not isinstance(data.get("counters"), list):
            raise BackendProtocolError("kiosk queue: a list of counters expected")
        kiosk = data.get("kiosk")
        return cls(kiosk=kiosk if isinstance(kiosk, str) else "",
                   counters=tuple(KioskCounter.from_json(c) for c in data["counters"]),
                   as_of=parse_moment(data.get("as_of")))


@dataclass(frozen=True)
class KioskCheckIn:
    """A booking checked in at the kiosk by its QR code: what and when, and the
    appointment's waiting number when its resource has a counter. No person is named."""

    number: str  # the booking's number
    status: str
    title: tuple[str, str]  # (ja, en)
    slot_start: datetime | None
    slot_end: datetime | None
    ticket: QueueTicket | None

    @classmethod
    def from_json(cls, data: Any) -> KioskCheckIn:
        booking = data.get("booking") if isinstance(data, dict) else None
        if not isinstance(booking, dict) or not isinstance(booking.get("number"), str):
            raise BackendProtocolError("kiosk check-in: a booking with a number expected")
        ticket = data.get("ticket")
        return cls(number=booking["number"], status=str(booking.get("status") or ""),
                   title=counter_name(booking.get("title"), booking["number"]),
                   slot_start=parse_moment(booking.get("slot_start")),
                   slot_end=parse_moment(booking.get("slot_end")),
                   ticket=QueueTicket.from_json(ticket) if ticket is not None else None)


class KioskQueueClient:
    """The kiosk's `/kiosk/queue` routes, with its device key."""

    def __init__(self, client: BackendClient, key: str) -> None:
        self._client = client
        self._headers = {KEY_HEADER: key}

    async def counters(self) -> KioskCounters:
        """The kiosk's counters (retried while the backend is unavailable, as GETs are)."""
        return KioskCounters.from_json(await self._client._get_json(
            "/kiosk/queue", headers=self._headers))

    async def take(self, counter: str) -> QueueTicket:
        """A new number at `counter` (never retried: each call is one more number); its
        `name` is the counter's and `ahead` how many are called before it."""
        return QueueTicket.from_json(await self._client._request_json(
            "POST", f"/kiosk/queue/{counter_path(counter)}/tickets", headers=self._headers,
            ok=(201,)))

    async def check_in(self, code: str) -> KioskCheckIn:
        """Check in the booking whose QR code (`TRS1.…`) the kiosk read. Refusals:
        `invalid_code` (422), `booking_not_found` (404), `code_outdated`, `not_today`,
        `wrong_status`, `not_at_this_kiosk` (409)."""
        return KioskCheckIn.from_json(await self._client._request_json(
            "POST", "/kiosk/check-in", headers=self._headers, json={"code": code}))
