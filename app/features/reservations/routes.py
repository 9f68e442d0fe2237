"""The reservations tile's own URLs below /reservations (`FeatureSpec.sub_routes` "*"):

- /reservations                       what can be booked (by category) and my bookings
- /reservations/<resource id>         one resource: its days, slots, rules; booking
- /reservations/bookings/<booking>    one booking: status, number, actions, check-in QR
- /reservations/queue/<counter>       the counter's waiting numbers (整理券; `queue/`)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

ROUTE = "/reservations"
BOOKINGS = "bookings"
QUEUE = "queue"  # /reservations/queue/<counter>: the queue screen (queue/state.py)
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


class Screen(StrEnum):
    BROWSE = "browse"
    RESOURCE = "resource"
    BOOKING = "booking"


@dataclass(frozen=True)
class Where:
    screen: Screen
    id: str = ""


def parse(route: str) -> Where:
    """The screen of a route (an unknown or malformed one: the browse screen)."""
    path = route.split("?", 1)[0].rstrip("/")
    if not path.startswith(ROUTE):
        return Where(Screen.BROWSE)
    parts = [p for p in path[len(ROUTE):].split("/") if p]
    if len(parts) == 1 and parts[0] not in (BOOKINGS, QUEUE) and _ID.fullmatch(parts[0]):
        return Where(Screen.RESOURCE, parts[0])
    if len(parts) == 2 and parts[0] == BOOKINGS and _ID.fullmatch(parts[1]):
        return Where(Screen.BOOKING, parts[1])
    return Where(Screen.BROWSE)


def resource_route(resource_id: str) -> str:
    return f"{ROUTE}/{resource_id}"


def booking_route(booking_id: str) -> str:
    return f"{ROUTE}/{BOOKINGS}/{booking_id}"
