"""The resident's bookings on this device, in plain Python, from the synced `reservations`
rows and the outbox (docs/reservations.md §2).

A booking made on this device shows 未送信 (`pending`) until the server decides: its row then
carries the server's status (予約済み with the number, キャンセル待ち with the position...). A
refused `book` or `wait` leaves no row: it is rebuilt from the refused mutation's args with
the reason in the UI language. A refused `change`, `cancel`, `accept` or `decline` is shown on
the booking the server kept (a refused change keeps the old place: all or nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.features.procedures.api import refusal_text
from backend_client.dto import parse_moment

if TYPE_CHECKING:
    from offline_store import LocalRow, OutboxEntry

BOOKINGS = "reservations"
REFUSALS_SHOWN_FOR = timedelta(days=30)

# Status → English message id of its badge; "pending": not sent yet, "refused": not accepted.
STATUS_LABELS: dict[str, str] = {
    "pending": "Not sent yet",
    "booked": "Booked",
    "waiting": "On the waiting list",
    "offered": "A place is offered",
    "cancelled": "Cancelled",
    "declined": "Declined",
    "checked_in": "Checked in",
    "no_show": "Did not come",
    "closed": "Closed by the city",
    "refused": "Not accepted",
}
OPEN_STATUSES = frozenset({"pending", "booked", "waiting", "offered"})


def _text(raw: object) -> str | None:
    return raw if isinstance(raw, str) and raw else None


def _localized(raw: object, language: str) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, Mapping):
        for key in (language, "ja", "en"):
            if isinstance(raw.get(key), str) and raw[key]:
                return str(raw[key])
    return ""


def refusal_in(message: str | None, language: str) -> str:
    """The refusal's reason in the UI language: the server writes 「日本語（English）」."""
    text = refusal_text(message)
    if text.endswith("）") and "（" in text:
        ja, en = text[:-1].split("（", 1)
        return en if language == "en" and en else ja
    return text


@dataclass(frozen=True)
class Booking:
    id: str
    resource_id: str
    status: str  # a key of STATUS_LABELS (or a status this app does not know yet)
    slot_start: datetime | None
    slot_end: datetime | None = None
    number: str | None = None
    title: Any = None  # {"ja", "en"} as the server sends it
    place: Any = None
    fee_amount: int = 0
    fee_method: str | None = None
    fee_paid_at: datetime | None = None
    booker_id: str | None = None
    for_person_id: str | None = None
    position: int | None = None
    offered_until: datetime | None = None
    changeable_until: datetime | None = None
    created_at: datetime | None = None
    waiting: bool = False  # a change made on this device not confirmed yet
    sending: str = ""  # the mutation waiting to be sent (book, change, cancel...)
    refusal: str | None = None  # why a new booking was refused (in the UI language)
    refusal_code: str | None = None
    # The resident's last change/cancel/accept/decline refused: (mutation, code, reason).
    refused_change: tuple[str, str | None, str] | None = None

    def title_in(self, language: str) -> str:
        return _localized(self.title, language) or self.resource_id

    def place_in(self, language: str) -> str:
        return _localized(self.place, language)

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES and self.refusal is None

    def upcoming(self, now: datetime) -> bool:
        return self.open and (self.slot_start is None or self.slot_start > now)

    def may_change(self, now: datetime) -> bool:
        return (self.status == "booked" and not self.waiting
                and (self.changeable_until is None or now <= self.changeable_until))

    def may_cancel(self) -> bool:
        return self.status in ("booked", "waiting", "offered") and not self.waiting

    def may_answer_offer(self, now: datetime) -> bool:
        return (self.status == "offered" and not self.waiting
                and (self.offered_until is None or now <= self.offered_until))

    @property
    def has_qr(self) -> bool:
        return self.status == "booked" and not self.waiting

    @property
    def fee_due(self) -> bool:
        return (self.fee_amount > 0 and self.fee_paid_at is None and self.status == "booked"
                and not self.waiting)

    @property
    def points_payable(self) -> bool:
        return self.fee_due and self.fee_method == "points"


def booking_from(key: str, data: Mapping[str, Any], *, waiting: bool,
                 sending: str = "") -> Booking:
    raw_fee = data.get("fee")
    fee: Mapping[str, Any] = raw_fee if isinstance(raw_fee, Mapping) else {}
    amount = fee.get("amount_yen")
    position = data.get("position")
    return Booking(
        id=key, resource_id=str(data.get("resource_id") or ""),
        status=str(data.get("status") or "pending"),
        slot_start=parse_moment(data.get("slot_start")),
        slot_end=parse_moment(data.get("slot_end")), number=_text(data.get("number")),
        title=data.get("title"), place=data.get("place"),
        fee_amount=amount if isinstance(amount, int) and not isinstance(amount, bool) else 0,
        fee_method=_text(fee.get("method")), fee_paid_at=parse_moment(fee.get("paid_at")),
        booker_id=_text(data.get("booker_id")), for_person_id=_text(data.get("for_person_id")),
        position=position if isinstance(position, int) and not isinstance(position, bool)
        else None,
        offered_until=parse_moment(data.get("offered_until")),
        changeable_until=parse_moment(data.get("changeable_until")),
        created_at=parse_moment(data.get("created_at")), waiting=waiting, sending=sending)


def bookings_from(rows: Iterable[LocalRow], outbox: Iterable[OutboxEntry], now: datetime,
                  language: str) -> list[Booking]:
    """The bookings on this device (confirmed and waiting) and recently refused new ones."""
    entries = [e for e in outbox if e.collection == BOOKINGS]
    last_of: dict[str, OutboxEntry] = {}
    for entry in entries:
        last_of[entry.key] = entry
    out: list[Booking] = []
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row.data, Mapping):
            continue
        seen.add(row.key)
        last = last_of.get(row.key)
        sending = last.name if last is not None and row.pending \
            and last.state != "rejected" else ""
        booking = booking_from(row.key, row.data, waiting=row.pending, sending=sending)
        if (last is not None and last.state == "rejected" and last.name not in ("book", "wait")
                and now - last.created_at <= REFUSALS_SHOWN_FOR):
            booking = replace(booking, refused_change=(
                last.name, last.error_code, refusal_in(last.error_message, language)))
        out.append(booking)
    for entry in entries:
        if (entry.state != "rejected" or entry.name not in ("book", "wait")
                or entry.key in seen or now - entry.created_at > REFUSALS_SHOWN_FOR):
            continue
        args = entry.args if isinstance(entry.args, Mapping) else {}
        booking = booking_from(entry.key, args, waiting=False)
        out.append(replace(booking, status="refused", created_at=entry.created_at,
                           refusal=refusal_in(entry.error_message, language),
                           refusal_code=entry.error_code))
    return out


def upcoming_first(bookings: Iterable[Booking], now: datetime) -> list[Booking]:
    """Open bookings still to come (soonest first), then the others (newest first), then
    the refused ones."""
    items = list(bookings)
    ahead = sorted((b for b in items if b.upcoming(now)),
                   key=lambda b: (b.slot_start or now).timestamp())
    rest = [b for b in items if not b.upcoming(now)]
    rest.sort(key=lambda b: (b.slot_start or b.created_at or now).timestamp(), reverse=True)
    rest.sort(key=lambda b: b.refusal is not None)
    return ahead + rest
