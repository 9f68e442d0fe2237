"""Typed views of backend responses, validated on the way in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from backend_client.errors import BackendProtocolError

_T = TypeVar("_T")


def parse_moment(raw: object) -> datetime | None:
    """An ISO 8601 moment with its offset, or None (a missing or naive one)."""
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _field(data: Any, key: str, kind: type[_T], what: str) -> _T:
    if not isinstance(data, dict):
        raise BackendProtocolError(f"{what}: expected a JSON object, got {type(data).__name__}")
    if key not in data:
        raise BackendProtocolError(f"{what}: missing field {key!r}")
    value = data[key]
    # bool is a subclass of int: do not accept true/false where a number is expected.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BackendProtocolError(
            f"{what}: field {key!r} should be {kind.__name__}, got {type(value).__name__}"
        )
    return value


def _aware_datetime(raw: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise BackendProtocolError(f"{what}: published_at {raw!r} is not ISO 8601") from exc
    if value.tzinfo is None:
        raise BackendProtocolError(f"{what}: published_at {raw!r} has no UTC offset")
    return value


@dataclass(frozen=True)
class Health:
    status: str
    database: str
    schema_version: str
    municipality_code: str

    @classmethod
    def from_json(cls, data: Any) -> Health:
        what = "health response"
        return cls(
            status=_field(data, "status", str, what),
            database=_field(data, "database", str, what),
            schema_version=_field(data, "schema_version", str, what),
            municipality_code=_field(data, "municipality_code", str, what),
        )


@dataclass(frozen=True)
class Notice:
    id: int
    category: str
    published_at: datetime
    title: str
    body: str
    is_demo: bool

    @classmethod
    def from_json(cls, data: Any) -> Notice:
        what = "notice"
        return cls(
            id=_field(data, "id", int, what),
            category=_field(data, "category", str, what),
            published_at=_aware_datetime(_field(data, "published_at", str, what), what),
            title=_field(data, "title", str, what),
            body=_field(data, "body", str, what),
            is_demo=_field(data, "is_demo", bool, what),
        )

    @classmethod
    def list_from_json(cls, data: Any) -> list[Notice]:
        """Parse a `{"notices": [...]}` response."""
        items = _field(data, "notices", list, "notices response")
        return [cls.from_json(item) for item in items]


@dataclass(frozen=True)
class Me:
    """The signed-in person as `GET /me` describes them."""

    common_id: str
    name: str
    assurance_level: str
    role: str
    age: int | None = None
    tile_order: tuple[str, ...] = ()
    reminders: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] | None = None  # everything else, for the "My data" screen
    # Staff: their scopes ("waste", "school:<id>"; ADR 0023); empty for residents.
    staff_scopes: tuple[str, ...] = ()

    @property
    def staff_departments(self) -> frozenset[str]:
        return frozenset(scope.partition(":")[0] for scope in self.staff_scopes)

    @classmethod
    def from_json(cls, data: Any) -> Me:
        what = "me response"
        profile = data.get("home_profile") if isinstance(data, dict) else None
        profile = profile if isinstance(profile, dict) else {}
        age = data.get("age") if isinstance(data, dict) else None
        return cls(
            common_id=_field(data, "common_id", str, what),
            name=_field(data, "name", str, what),
            assurance_level=_field(data, "assurance_level", str, what),
            role=_field(data, "role", str, what),
            age=age if isinstance(age, int) and not isinstance(age, bool) else None,
            tile_order=tuple(x for x in profile.get("tile_order", []) if isinstance(x, str)),
            reminders=tuple(x for x in profile.get("reminders", []) if isinstance(x, dict)),
            raw=data,
            staff_scopes=tuple(x for x in data.get("staff_scopes", []) if isinstance(x, str)),
        )


# --- staff: bulky waste (GET/PUT /staff/bulky/slots, /staff/bulky/bookings) ------------------


def _date(data: Any, key: str, what: str) -> date:
    raw = _field(data, key, str, what)
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BackendProtocolError(f"{what}: {key} {raw!r} is not YYYY-MM-DD") from exc


@dataclass(frozen=True)
class StaffSlot:
    """One area's collection day: its capacity and how many places are booked."""

    area_id: str
    day: date
    capacity: int
    booked: int
    area_name: str | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)

    @classmethod
    def from_json(cls, data: Any) -> StaffSlot:
        what = "staff slot"
        name = data.get("area_name") if isinstance(data, dict) else None
        return cls(area_id=_field(data, "area_id", str, what), day=_date(data, "day", what),
                   capacity=_field(data, "capacity", int, what),
                   booked=_field(data, "booked", int, what),
                   area_name=name if isinstance(name, str) else None)

    @classmethod
    def list_from_json(cls, data: Any) -> list[StaffSlot]:
        return [cls.from_json(item) for item in _field(data, "slots", list, "slots response")]


@dataclass(frozen=True)
class StaffBooking:
    """A resident's booking as staff see it (with the owner's common ID)."""

    number: str
    day: date
    area_id: str
    area_name: str | None
    items: tuple[tuple[str, int], ...]  # (name, quantity)
    total_fee: int
    status: str  # "booked" | "cancelled" | "collected"
    common_id: str

    @classmethod
    def from_json(cls, data: Any) -> StaffBooking:
        what = "staff booking"
        raw_items = _field(data, "items", list, what)
        items = tuple((str(i.get("name", "")), int(i.get("quantity", 0)))
                      for i in raw_items if isinstance(i, dict))
        name = data.get("area_name")
        common_id = data.get("common_id")
        return cls(number=_field(data, "number", str, what), day=_date(data, "day", what),
                   area_id=_field(data, "area_id", str, what),
                   area_name=name if isinstance(name, str) else None, items=items,
                   total_fee=_field(data, "total_fee", int, what),
                   status=_field(data, "status", str, what),
                   common_id=common_id if isinstance(common_id, str) else "")


@dataclass(frozen=True)
class StaffBookingPage:
    bookings: tuple[StaffBooking, ...]
    total: int
    limit: int
    offset: int

    @classmethod
    def from_json(cls, data: Any) -> StaffBookingPage:
        what = "bookings response"
        return cls(bookings=tuple(StaffBooking.from_json(b)
                                  for b in _field(data, "bookings", list, what)),
                   total=_field(data, "total", int, what), limit=_field(data, "limit", int, what),
                   offset=_field(data, "offset", int, what))
