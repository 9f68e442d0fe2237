"""Cross-persona cases of the reservations tile (issue 16), spliced into `CASES` of
tests/security/test_cross_persona_access.py.

B books the demo 子育て支援課 counter for B and for B's child, and the gym (a fee in points)
for B, through the sync push; B takes a waiting number at the 子育て支援課 counter (which is
of the "children" department). Then resident A, staff of 市民課 ("citizens", another
department) and anonymous callers use every reservations route with B's ids:

- resident routes: 404 for A (never B's booking), 401 anonymous, nothing in B's access log;
- staff routes: 403 for a resident, 404 for staff of another department (never a hint),
  401 anonymous; B's bookings, slots, ticket and access log stay as they were;
- the queue: A's own ticket only (B's never shown to A); the public counter state holds no
  one's personal data;
- the kiosk's routes: 401 for every caller without a kiosk device key (a resident's or a
  clerk's token is no kiosk key); a real kiosk's answers hold no one's personal data, and
  checking B's booking in at a kiosk needs B's own signed code.

`RESERVATION_CASES` holds `(method, path, attempt, allowed)`; the test module makes them
`Case` entries (importing `Case` here would be an import cycle).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlmodel import Session, col, select

from backend.models import as_utc
from backend.services.clock import CITY_TIME_ZONE, city_today, utc_now
from backend.tiles.reservations.kiosks.keys import add_device, make_key
from backend.tiles.reservations.models import ReservationSlot
from tests.backend.people import bearer, make_person

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tests.security.test_cross_persona_access import World

    Attempt = Callable[[httpx.AsyncClient, World], Awaitable[list[httpx.Response]]]

COUNTER_RESOURCE = "kosodate-counter"  # demo resource of the "children" department
COUNTER = "kosodate"  # its waiting-number counter
FEE_RESOURCE = "gym-arena"  # demo resource with a fee payable in points
OWN = (200, 201, 404)  # the caller's own ticket (404: the caller holds none)
PIN = "2580"


@dataclass(frozen=True)
class BsReservations:
    """What B holds: ids, numbers and the check-in code are B's secrets."""

    own_id: str  # B's booking for B at the counter
    child_id: str  # B's booking for B's child at the counter
    fee_id: str  # B's booking of the gym, its fee to be paid in points
    slot_start: str  # the counter slot of both counter bookings (ISO, Tokyo time)
    day: str  # its Tokyo day
    checkin_code: str  # the check-in code of `own_id`
    ticket: int  # B's waiting number at the counter today

    @property
    def ids(self) -> tuple[str, str, str]:
        return self.own_id, self.child_id, self.fee_id


def _free_slot(w: World, resource_id: str) -> ReservationSlot:
    """A slot of `resource_id` two weeks or more ahead (inside its booking window)."""
    with Session(w.app.state.engine) as session:
        slot = session.exec(select(ReservationSlot).where(
            col(ReservationSlot.resource_id) == resource_id,
            col(ReservationSlot.day) >= city_today() + timedelta(days=14),
            col(ReservationSlot.booked) == 0)
            .order_by(col(ReservationSlot.start))).first()
    assert slot is not None, f"no slot of {resource_id}"
    return slot


def _tokyo(slot: ReservationSlot) -> str:
    return as_utc(slot.start).astimezone(CITY_TIME_ZONE).isoformat()


async def _b_reserves(client: httpx.AsyncClient, w: World) -> BsReservations:
    """B's bookings (through the sync push), B's check-in code and B's waiting number."""
    counter_slot, fee_slot = _free_slot(w, COUNTER_RESOURCE), _free_slot(w, FEE_RESOURCE)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    args = [
        {"id": ids[0], "resource_id": COUNTER_RESOURCE, "slot_start": _tokyo(counter_slot)},
        {"id": ids[1], "resource_id": COUNTER_RESOURCE, "slot_start": _tokyo(counter_slot),
         "for_person_id": w.b_child.id},
        {"id": ids[2], "resource_id": FEE_RESOURCE, "slot_start": _tokyo(fee_slot),
         "fee_method": "points"},
    ]
    mutations = [{"seq": 20 + n, "mutation_id": f"b-reservation-{n}",
                  "collection": "reservations", "name": "book", "args": book,
                  "created_at": "2026-11-26T00:00:00+00:00"} for n, book in enumerate(args)]
    pushed = await client.post("/sync/push", headers=bearer(w.app, w.b),
                               json={"client_id": "b-tablet", "mutations": mutations})
    results = pushed.json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3, results
    assert [r["result"]["status"] for r in results] == ["booked"] * 3, results
    code = await client.get(f"/reservations/{ids[0]}/checkin-code", headers=bearer(w.app, w.b))
    assert code.status_code == 200, code.text
    ticket = await client.post(f"/queue/{COUNTER}/tickets", headers=bearer(w.app, w.b))
    assert ticket.status_code == 201, ticket.text
    w.secrets += [*ids, *(r["result"]["number"] for r in results), code.json()["code"]]
    return BsReservations(own_id=ids[0], child_id=ids[1], fee_id=ids[2],
                          slot_start=_tokyo(counter_slot), day=counter_slot.day.isoformat(),
                          checkin_code=code.json()["code"], ticket=ticket.json()["number"])


async def _b_unchanged(client: httpx.AsyncClient, w: World, b: BsReservations,
                       *, staff_seen: bool = False) -> None:
    """B's bookings are still booked and unpaid, B still waits with B's number, and no one
    but B (and, with `staff_seen`, no staff) read B's or B's child's bookings."""
    rows = (await client.get("/sync/pull", headers=bearer(w.app, w.b))).json()["changes"]
    latest = {c["key"]: c["data"] for c in rows if c["collection"] == "reservations"}
    assert {key: data["status"] for key, data in latest.items()} == dict.fromkeys(
        b.ids, "booked")
    assert latest[b.fee_id]["fee"]["method"] == "points", latest[b.fee_id]
    assert latest[b.fee_id]["fee"]["paid_at"] is None, latest[b.fee_id]
    mine = await client.get(f"/queue/{COUNTER}/tickets/mine", headers=bearer(w.app, w.b))
    assert (mine.json()["number"], mine.json()["status"]) == (b.ticket, "waiting")
    for person in (w.b, w.b_child):
        log = (await client.get("/me/access-log", headers=bearer(w.app, person))).json()
        actors = {e["actor_common_id"] for e in log["entries"]}
        assert w.a.id not in actors and w.staff.id not in actors, log
        if staff_seen:
            assert all(e["actor_kind"] != "staff" for e in log["entries"]), log


# --- resident routes ------------------------------------------------------------------------


def _booking_of_b(suffix: str) -> Attempt:
    """A reads B's bookings (B's own, the one for B's child, the gym's) as a calendar file or
    a check-in code: 404 each, as for a booking that does not exist."""
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        b = await _b_reserves(client, w)
        answers = [await client.get(f"/reservations/{booking_id}{suffix}", headers=w.as_a())
                   for booking_id in b.ids]
        assert (await client.get(f"/reservations/{b.own_id}{suffix}")).status_code == 401
        mine = await client.get(f"/reservations/{b.own_id}{suffix}", headers=bearer(w.app, w.b))
        assert mine.status_code == 200, mine.text  # the route works: B reads B's own
        await _b_unchanged(client, w, b)
        return answers

    return attempt


async def _pay_for_b(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A pays B's bookings with A's own PIN and points: not A's booking (404), nothing paid.
    from tests.backend.points_payment_helpers import give_points

    b = await _b_reserves(client, w)
    give_points(w.app, w.a, 5000)
    await client.put("/points/pin", headers=w.as_a(), json={"pin": PIN})
    body = {"pin": PIN, "idempotency_key": "a-pays-b-reservation"}
    answers = [await client.post(f"/reservations/{booking_id}/points-payment", json=body,
                                 headers=w.as_a()) for booking_id in b.ids]
    anonymous = await client.post(f"/reservations/{b.fee_id}/points-payment", json=body)
    assert anonymous.status_code == 401
    wallet = (await client.get("/points/wallet", headers=w.as_a())).json()
    assert wallet["balance"] == 5000, wallet
    await _b_unchanged(client, w, b)
    return answers


# --- the waiting-number queue ---------------------------------------------------------------


def _only_mine(shown: dict[str, Any] | None, number: int | None, b: BsReservations) -> None:
    """`shown` is the caller's own ticket `number` (None: no ticket), never B's."""
    if number is None:
        assert shown is None, shown
    else:
        assert shown is not None and shown["number"] == number != b.ticket, shown


async def _take_ticket(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A takes A's own number (again: the same one); B's stays B's.
    b = await _b_reserves(client, w)
    taken = await client.post(f"/queue/{COUNTER}/tickets", headers=w.as_a())
    assert taken.status_code == 201, taken.text
    again = await client.post(f"/queue/{COUNTER}/tickets", headers=w.as_a())
    assert again.status_code == 200, again.text
    _only_mine(taken.json(), taken.json()["number"], b)
    _only_mine(again.json(), taken.json()["number"], b)
    assert (await client.post(f"/queue/{COUNTER}/tickets")).status_code == 401
    await _b_unchanged(client, w, b)
    return [taken, again]


async def _my_ticket(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # A holds no ticket: 404 (not B's); then A's own one only.
    b = await _b_reserves(client, w)
    url = f"/queue/{COUNTER}/tickets/mine"
    none = await client.get(url, headers=w.as_a())
    assert none.status_code == 404, none.text
    taken = (await client.post(f"/queue/{COUNTER}/tickets", headers=w.as_a())).json()
    mine = await client.get(url, headers=w.as_a())
    assert mine.status_code == 200, mine.text
    _only_mine(mine.json(), taken["number"], b)
    assert (await client.get(url)).status_code == 401
    await _b_unchanged(client, w, b)
    return [none, mine]


async def _counter_state(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    # Public: the counter's state for anyone; with a login also the caller's own ticket.
    # Neither anonymous nor A sees B's ticket (only that one person waits).
    b = await _b_reserves(client, w)
    url = f"/queue/{COUNTER}"
    anonymous = await client.get(url)
    before = await client.get(url, headers=w.as_a())
    taken = (await client.post(f"/queue/{COUNTER}/tickets", headers=w.as_a())).json()
    after = await client.get(url, headers=w.as_a())
    for answer in (anonymous, before, after):
        assert answer.status_code == 200, answer.text
    assert anonymous.json()["waiting"] == 1 and after.json()["waiting"] == 2
    _only_mine(anonymous.json()["mine"], None, b)
    _only_mine(before.json()["mine"], None, b)
    _only_mine(after.json()["mine"], taken["number"], b)
    assert w.b.id not in anonymous.text + before.text + after.text
    await _b_unchanged(client, w, b)
    return [anonymous, before, after]


# --- the kiosk's routes (X-Kiosk-Key) -------------------------------------------------------


def _kiosk(method: str, path: str) -> Attempt:
    """A resident, staff of 市民課, a clerk of こども課 (the counter's own department),
    anonymous callers and a made-up kiosk key: 401 `kiosk_key_invalid` each. A real kiosk
    of the city reaches the route (the 401 is about the key, not a broken route) and its
    answer holds nothing of B's; B's number still waits."""
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        b = await _b_reserves(client, w)
        url = path.replace("{counter}", COUNTER)
        kodomo = make_person(w.app, role="staff", name="職員 こども", departments=("children",))
        refused = [await client.request(method, url, headers=headers) for headers in (
            w.as_a(), bearer(w.app, w.staff), bearer(w.app, kodomo), {},
            {"X-Kiosk-Key": make_key()}, {"X-Kiosk-Key": b.checkin_code})]
        for answer in refused:
            assert answer.json()["detail"]["code"] == "kiosk_key_invalid", answer.text[:300]
        with Session(w.app.state.engine) as session:
            key = add_device(session, w.app.state.settings.municipality_code, "本庁舎1階", (),
                             utc_now()).key
            session.commit()
        real = await client.request(method, url, headers={"X-Kiosk-Key": key})
        assert real.status_code in (200, 201), real.text[:300]
        for secret in (*w.secrets, w.b.id, w.b_child.id):
            assert secret not in real.text, f"the kiosk's answer leaked {secret!r}"
        await _b_unchanged(client, w, b)
        return refused

    return attempt


async def _kiosk_check_in(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
    """Checking B's booking in at a kiosk takes the kiosk's key and B's own code: a
    resident's or staff token, no key or a made-up key is 401; a real kiosk with a code
    made up from B's booking id (A cannot sign one) is 422; B's booking stays booked."""
    b = await _b_reserves(client, w)
    forged = {"code": f"TRS1.U{'A' * 26}.0.{'A' * 16}"}
    kodomo = make_person(w.app, role="staff", name="職員 こども", departments=("children",))
    refused = [await client.post("/kiosk/check-in", json=forged, headers=headers)
               for headers in (w.as_a(), bearer(w.app, w.staff), bearer(w.app, kodomo), {},
                               {"X-Kiosk-Key": make_key()})]
    for answer in refused:
        assert answer.json()["detail"]["code"] == "kiosk_key_invalid", answer.text[:300]
    with Session(w.app.state.engine) as session:
        key = add_device(session, w.app.state.settings.municipality_code, "本庁舎1階", (),
                         utc_now()).key
        session.commit()
    made_up = await client.post("/kiosk/check-in", json=forged, headers={"X-Kiosk-Key": key})
    assert (made_up.status_code, made_up.json()["detail"]["code"]) == (422, "invalid_code")
    await _b_unchanged(client, w, b)
    return refused


# --- staff routes ---------------------------------------------------------------------------


def _staff(method: str, path: str) -> Attempt:
    """A resident (403), staff of 市民課 (404: the counter, resource and bookings are of
    こども課) and an anonymous caller (401) use a staff route with B's ids; afterwards B's
    bookings, slot, ticket and access logs are as they were, no slot was added, and a clerk
    of こども課 reaches the same counter and day (the 404 is about scope, not a broken
    route)."""
    async def attempt(client: httpx.AsyncClient, w: World) -> list[httpx.Response]:
        b = await _b_reserves(client, w)
        added = (city_today() + timedelta(days=20)).isoformat() + "T07:45:00+09:00"
        url = (path.replace("{counter}", COUNTER).replace("{resource}", COUNTER_RESOURCE)
               .replace("{day}", b.day).replace("{start}", b.slot_start)
               .replace("{booking_id}", b.own_id).replace("{number}", str(b.ticket)))
        bodies: dict[str, Any] = {
            "/staff/queue/{counter}/tickets": {"channel": "counter"},
            "/staff/reservations/{resource}/slots": {"start": added, "capacity": 5},
            "/staff/reservations/{resource}/slots/{start}": {"capacity": 0},
            "/staff/reservations/{resource}/slots/{start}/close": {"reason": "興味本位"},
            "/staff/reservations/check-in": {"code": b.checkin_code},
        }
        body = bodies.get(path)
        params = {"purpose": "興味本位で見る"} if path.endswith("/day/{day}") else None
        resident = await client.request(method, url, headers=w.as_a(), json=body,
                                        params=params)
        other = await client.request(method, url, headers=bearer(w.app, w.staff), json=body,
                                     params=params)
        anonymous = await client.request(method, url, json=body, params=params)
        assert resident.status_code == 403, resident.text[:300]
        assert anonymous.status_code == 401, anonymous.text[:300]
        if path == "/staff/reservations/resources":  # 市民課's own resources only
            assert other.status_code == 200, other.text[:300]
            listed = {r["id"] for r in other.json()["resources"]}
            assert COUNTER_RESOURCE not in listed and FEE_RESOURCE not in listed, listed
        else:
            assert other.status_code == 404, other.text[:300]
        await _b_unchanged(client, w, b, staff_seen=True)
        with Session(w.app.state.engine) as session:
            slots = session.exec(select(ReservationSlot).where(
                col(ReservationSlot.resource_id) == COUNTER_RESOURCE)).all()
        assert all(s.closed_at is None and s.capacity == 2 for s in slots)
        assert not any(_tokyo(s) == added for s in slots), "a slot was added"
        await _clerk_reaches(client, w, b)
        return [resident, other]

    return attempt


async def _clerk_reaches(client: httpx.AsyncClient, w: World, b: BsReservations) -> None:
    clerk = make_person(w.app, role="staff", name="職員 こども", departments=("children",))
    screen = await client.get(f"/staff/queue/{COUNTER}", headers=bearer(w.app, clerk))
    assert screen.status_code == 200 and b.ticket in screen.json()["call_order"], screen.text
    day = await client.get(f"/staff/reservations/{COUNTER_RESOURCE}/day/{b.day}",
                           headers=bearer(w.app, clerk))
    assert day.status_code == 200, day.text
    shown = {booking["id"] for slot in day.json()["slots"] for booking in slot["bookings"]}
    assert {b.own_id, b.child_id} <= shown, day.text[:300]


STAFF_ROUTES = (
    ("GET", "/staff/queue/{counter}"),
    ("POST", "/staff/queue/{counter}/tickets"),
    ("POST", "/staff/queue/{counter}/call"),
    ("POST", "/staff/queue/{counter}/tickets/{number}/skip"),
    ("POST", "/staff/queue/{counter}/tickets/{number}/done"),
    ("GET", "/staff/reservations/resources"),
    ("GET", "/staff/reservations/{resource}/day/{day}"),
    ("POST", "/staff/reservations/{resource}/slots"),
    ("PATCH", "/staff/reservations/{resource}/slots/{start}"),
    ("POST", "/staff/reservations/{resource}/slots/{start}/close"),
    ("POST", "/staff/reservations/bookings/{booking_id}/check-in"),
    ("POST", "/staff/reservations/bookings/{booking_id}/no-show"),
    ("POST", "/staff/reservations/check-in"),
)

# (method, path, attempt, allowed statuses)
RESERVATION_CASES: tuple[tuple[str, str, Attempt, tuple[int, ...]], ...] = (
    ("GET", "/reservations/{booking_id}.ics", _booking_of_b(".ics"), (404,)),
    ("GET", "/reservations/{booking_id}/checkin-code", _booking_of_b("/checkin-code"), (404,)),
    ("POST", "/reservations/{booking_id}/points-payment", _pay_for_b, (404,)),
    ("POST", "/queue/{counter}/tickets", _take_ticket, OWN),
    ("GET", "/queue/{counter}/tickets/mine", _my_ticket, OWN),
    ("GET", "/queue/{counter}", _counter_state, (200,)),  # public; checked above
    ("GET", "/kiosk/queue", _kiosk("GET", "/kiosk/queue"), (401,)),
    ("POST", "/kiosk/queue/{counter}/tickets", _kiosk("POST", "/kiosk/queue/{counter}/tickets"),
     (401,)),
    ("POST", "/kiosk/check-in", _kiosk_check_in, (401,)),
    *((method, path, _staff(method, path), (200, 403, 404)) for method, path in STAFF_ROUTES),
)
