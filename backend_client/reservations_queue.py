"""The waiting-number queue (整理券) of the reservations tile (docs/reservations.md §3), as a
resident's device uses it: take today's number at a counter, read the counter's state (the
number being served, how many wait, and with a login the caller's own ticket and how many
are ahead of it; polled while the screen is open), read the caller's open ticket.

Refusals are `BackendRejected` with the backend's code: `counter_not_found` (404, no such
counter), `no_ticket` (404, no open ticket of the caller there today)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from backend_client.client import BackendClient, _bearer
from backend_client.dto import parse_moment
from backend_client.errors import BackendProtocolError

# Ticket statuses (backend `TICKET_*`): open ones are waiting or called.
TICKET_STATUSES: tuple[str, ...] = ("waiting", "called", "done", "skipped")


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BackendProtocolError(f"{what}: expected an object")
    return data


def _count(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _day(raw: object, what: str) -> date:
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise BackendProtocolError(f"{what}: no day") from None


def counter_name(raw: object, fallback: str) -> tuple[str, str]:
    """(Japanese, English) of a `{"ja", "en"}` name; the fallback where one is missing."""
    if isinstance(raw, dict):
        ja, en = raw.get("ja"), raw.get("en")
        ja_text = ja if isinstance(ja, str) and ja else ""
        en_text = en if isinstance(en, str) and en else ""
        return (ja_text or en_text or fallback, en_text or ja_text or fallback)
    return (fallback, fallback)


@dataclass(frozen=True)
class QueueTicket:
    """A waiting number of one counter and day."""

    counter: str
    day: date
    number: int
    status: str
    channel: str = "app"
    appointment: bool = False  # the ticket of a checked-in booking (called first when due)
    issued_at: datetime | None = None
    called_at: datetime | None = None
    done_at: datetime | None = None
    ahead: int | None = None  # how many are called before it (None: it no longer waits)
    name: tuple[str, str] | None = None  # the counter's (ja, en) name, when sent
    booking_number: str | None = None  # staff answers: the appointment's booking number
    has_person: bool = False  # staff answers: a resident holds it (told when called)

    @property
    def open(self) -> bool:
        return self.status in ("waiting", "called")

    @classmethod
    def from_json(cls, data: Any) -> QueueTicket:
        row = _object(data, "queue ticket")
        number, status = _count(row.get("number")), row.get("status")
        counter = row.get("counter")
        if number is None or not isinstance(status, str) or status not in TICKET_STATUSES:
            raise BackendProtocolError("queue ticket: a number and a known status expected")
        if not isinstance(counter, str) or not counter:
            raise BackendProtocolError("queue ticket: no counter")
        booking = row.get("booking_number")
        return cls(counter=counter, day=_day(row.get("day"), "queue ticket"), number=number,
                   status=status, channel=str(row.get("channel") or "app"),
                   appointment=row.get("appointment") is True,
                   issued_at=parse_moment(row.get("issued_at")),
                   called_at=parse_moment(row.get("called_at")),
                   done_at=parse_moment(row.get("done_at")), ahead=_count(row.get("ahead")),
                   name=counter_name(row["name"], counter) if "name" in row else None,
                   booking_number=booking if isinstance(booking, str) else None,
                   has_person=row.get("has_person") is True)


@dataclass(frozen=True)
class QueueStatus:
    """A counter's public screen: the number served, how many wait; with a login the
    caller's open ticket and how many are ahead of it."""

    counter: str
    name: tuple[str, str]
    day: date
    serving: int | None
    called: tuple[int, ...]
    waiting: int
    mine: QueueTicket | None = None
    ahead: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> QueueStatus:
        row = _object(data, "queue")
        counter = row.get("counter")
        waiting = _count(row.get("waiting"))
        if not isinstance(counter, str) or not counter or waiting is None:
            raise BackendProtocolError("queue: a counter and a waiting count expected")
        called = row.get("called")
        mine = row.get("mine")
        return cls(counter=counter, name=counter_name(row.get("name"), counter),
                   day=_day(row.get("day"), "queue"), serving=_count(row.get("serving")),
                   called=tuple(n for n in called if _count(n) is not None)
                   if isinstance(called, list) else (),
                   waiting=waiting,
                   mine=QueueTicket.from_json(mine) if mine is not None else None,
                   ahead=_count(row.get("ahead")))


def counter_path(counter: str) -> str:
    return quote(counter, safe="")


class ReservationsQueueClient:
    """The resident's `/queue/*` routes."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def status(self, counter: str, access_token: str | None = None) -> QueueStatus:
        """The counter's state (public; with a token also the caller's ticket)."""
        return QueueStatus.from_json(await self._client._get_json(
            f"/queue/{counter_path(counter)}",
            headers=_bearer(access_token) if access_token else None))

    async def take(self, access_token: str, counter: str) -> QueueTicket:
        """The next number of today (or the open ticket the caller already holds there:
        taking twice is safe)."""
        return QueueTicket.from_json(await self._client._request_json(
            "POST", f"/queue/{counter_path(counter)}/tickets", headers=_bearer(access_token),
            ok=(200, 201)))

    async def mine(self, access_token: str, counter: str) -> QueueTicket:
        """The caller's open ticket of today there (404 `no_ticket` without one)."""
        return QueueTicket.from_json(await self._client._get_json(
            f"/queue/{counter_path(counter)}/tickets/mine", headers=_bearer(access_token)))
