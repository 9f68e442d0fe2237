"""The reservations tile's state on the device (plain Python, fake stores): the days and free
places of a resource, a booking pending until the server decides (予約済み with its number,
or the refusal in the UI language), change and cancel through the outbox, the waiting list
on a full slot, and the age of the free-place counts."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.features.procedures.catalogue import Household, Person
from app.features.reservations import catalogue, records, repository, routes, state
from app.features.reservations.catalogue import days_of, resource_from, slots_from
from app.features.reservations.ports import PublicRead
from app.features.reservations.records import Booking, bookings_from, refusal_in
from app.features.reservations.state import ReservationsState
from app.i18n import load_translator
from backend_client import BackendRejected, BackendUnavailable
from offline_store import LocalRow, OutboxEntry

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Tokyo
ME = Person("self", None, "津山 花子")
CHILD = Person("minor_child", "child-1", "津山 太郎")
RESOURCE = {"title": {"ja": "子育て支援課 窓口予約", "en": "Childcare counter"},
            "summary": {"ja": "相談", "en": "Advice"},
            "place": {"ja": "市役所1階", "en": "City hall"},
            "kind": "counter", "who": {"residency": "card", "min_age": None, "max_age": None},
            "window": {"opens_days_before": 30, "closes_working_days_before": 2},
            "limits": {"per_person_open": 1, "per_household_open": None,
                       "per_person_per_month": None},
            "fee": {"amount_yen": 500, "methods": ["points", "counter"]},
            "waiting_list": True, "version": 1, "demo": True}


def slot_row(start: datetime, capacity: int = 2, booked: int = 0, closed: bool = False,
             resource_id: str = "kosodate") -> dict[str, Any]:
    return {"resource_id": resource_id, "start": start.isoformat(),
            "end": (start + timedelta(minutes=30)).isoformat(),
            "day": start.astimezone(catalogue.CITY_TIME_ZONE).date().isoformat(),
            "capacity": capacity, "booked": booked, "waiting": 1 if booked >= capacity else 0,
            "closed": closed, "updated_at": NOW.isoformat()}


MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # 09:00 Tokyo
SLOTS = [slot_row(MONDAY), slot_row(MONDAY + timedelta(minutes=30), booked=2),
         slot_row(MONDAY + timedelta(days=1), closed=True),
         slot_row(NOW - timedelta(hours=1)),  # already started today: not offered
         slot_row(MONDAY + timedelta(days=20))]  # beyond two weeks


class FakeRepo:
    def __init__(self, synced_at: datetime | None = NOW) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.pending: set[str] = set()
        self.outbox: list[OutboxEntry] = []
        self.synced_at = synced_at
        self.signed = True
        self.version = 0

    @property
    def signed_in(self) -> bool:
        return self.signed

    def stamp(self) -> object:
        return self.version

    def me(self) -> Person | None:
        return ME

    async def public(self) -> PublicRead:
        entry = resource_from("kosodate", RESOURCE)
        assert entry is not None
        return PublicRead([entry], slots_from(SLOTS), self.synced_at)

    async def bookings(self, now: datetime, language: str) -> list[Booking]:
        rows = [LocalRow(records.BOOKINGS, key, data, key in self.pending, now, None, None)
                for key, data in self.rows.items()]
        return bookings_from(rows, self.outbox, now, language)

    async def household(self) -> Household:
        return Household(age=40, minor_children=(CHILD,), known=True)

    async def stored_booking(self, booking_id: str) -> dict[str, Any]:
        return dict(self.rows.get(booking_id, {}))

    async def write_booking(self, booking_id: str, row: dict[str, Any], name: str,
                            args: dict[str, Any]) -> bool:
        self.rows[booking_id] = row
        self.pending.add(booking_id)
        self.outbox.append(OutboxEntry(len(self.outbox) + 1, f"m{len(self.outbox)}",
                                       records.BOOKINGS, booking_id, name, args, NOW, "pending"))
        self.version += 1
        return True

    def server_answers(self, booking_id: str, data: dict[str, Any] | None,
                       error: tuple[str, str] | None = None) -> None:
        """The sync's outcome: the server's row (applied), or a rejection (the optimistic
        row rolls back to the server's, or goes when there was none)."""
        last = self.outbox[-1]
        self.outbox[-1] = OutboxEntry(last.seq, last.mutation_id, last.collection, last.key,
                                      last.name, last.args, last.created_at,
                                      "rejected" if error else "applied",
                                      error[0] if error else None, error[1] if error else None)
        self.pending.discard(booking_id)
        if data is None:
            self.rows.pop(booking_id, None)
        else:
            self.rows[booking_id] = data
        self.version += 1


class FakeOnline:
    def __init__(self) -> None:
        self.fail: Exception | None = None
        self.asked: list[str] = []

    async def calendar(self, booking_id: str, language: str) -> tuple[str, bytes]:
        if self.fail:
            raise self.fail
        self.asked.append(f"ics:{booking_id}:{language}")
        return "reservation-000001.ics", b"BEGIN:VCALENDAR"

    async def checkin_code(self, booking_id: str) -> str:
        if self.fail:
            raise self.fail
        self.asked.append(f"code:{booking_id}")
        return "TRS1.CODE"


def make_state(repo: FakeRepo | None = None, online: FakeOnline | None = None,
               saved: list[tuple[str, bytes]] | None = None) -> ReservationsState:
    ids = iter(f"booking-{n:04d}" for n in range(1, 100))

    async def save(name: str, content: bytes) -> None:
        if saved is not None:
            saved.append((name, content))

    return ReservationsState(repo or FakeRepo(), online or FakeOnline(), lambda: NOW,
                             make_id=lambda: next(ids), save_file=save)


def server_row(booking_id: str, status: str, start: datetime, **extra: Any) -> dict[str, Any]:
    return {"id": booking_id, "number": "R-2026-000001", "resource_id": "kosodate",
            "title": RESOURCE["title"], "slot_start": start.isoformat(),
            "slot_end": (start + timedelta(minutes=30)).isoformat(), "status": status,
            "place": RESOURCE["place"], "fee": {"amount_yen": 500, "method": "points",
                                                "paid_at": None},
            "for_person_id": None, "position": None, "offered_until": None,
            "changeable_until": (start - timedelta(days=2)).isoformat(), **extra}


# --- what can be booked ----------------------------------------------------------------


def test_days_and_free_places_of_the_next_two_weeks() -> None:
    days = days_of(slots_from(SLOTS), "kosodate", NOW)
    assert [d.day.isoformat() for d in days] == ["2026-12-07", "2026-12-08"]
    monday, tuesday = days
    assert [s.free for s in monday.slots] == [2, 0]
    assert monday.slots[1].full and monday.free == 2 and not monday.full
    assert tuesday.full and tuesday.slots[0].free == 0  # a closed slot has no place


def test_days_past_the_booking_deadline_are_not_offered() -> None:
    # Friday 4 Dec: two working days before Mon 7 Dec is Thu 3 Dec (gone), before Tue 8 Dec
    # it is Fri 4 Dec, today: closed at 00:00 today as the server counts (rules.py).
    friday = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    rows = [slot_row(MONDAY), slot_row(MONDAY + timedelta(days=1)),
            slot_row(MONDAY + timedelta(days=2)), slot_row(MONDAY + timedelta(days=4))]
    days = days_of(slots_from(rows), "kosodate", friday, closes_working_days_before=2)
    assert [d.day.isoformat() for d in days] == ["2026-12-09", "2026-12-11"]
    # On Tuesday 1 Dec all four were open.
    assert len(days_of(slots_from(rows), "kosodate", NOW, closes_working_days_before=2)) == 4
    # A holiday on Tue 8 Dec moves Thursday's deadline back to Mon 7 Dec... and Wed 9 Dec's
    # to Fri 4 Dec (today): closed too.
    holiday = {MONDAY.date() + timedelta(days=1)}
    days = days_of(slots_from(rows), "kosodate", friday, closes_working_days_before=2,
                   holidays=holiday)
    assert [d.day.isoformat() for d in days] == ["2026-12-11"]
    assert catalogue.holiday_dates([{"date": "2026-12-08"}, {"date": "x"}, {}]) == holiday


def test_a_slot_booked_over_capacity_shows_no_negative_places() -> None:
    (slot,) = slots_from([slot_row(MONDAY, capacity=2, booked=3)])
    assert slot.free == 0 and slot.full


def test_resources_are_grouped_by_kind_in_counter_facility_course_order() -> None:
    rows = [("gym", {**RESOURCE, "kind": "facility", "title": {"ja": "体育館"}}),
            ("yoga", {**RESOURCE, "kind": "course", "title": {"ja": "ヨガ"}}),
            ("kosodate", RESOURCE), ("broken", {"kind": "counter"})]
    groups = catalogue.by_kind(catalogue.resources_from(rows))
    assert list(groups) == ["counter", "facility", "course"]
    entry = groups["counter"][0]
    assert (entry.fee_yen, entry.fee_methods, entry.waiting_list) == (500, ("points",
                                                                          "counter"), True)
    assert entry.per_person_open == 1 and entry.closes_working_days_before == 2


async def test_the_counts_age_is_the_public_streams_last_sync() -> None:
    fresh = make_state(FakeRepo(synced_at=NOW - timedelta(minutes=5)))
    await fresh.load()
    assert fresh.counts_age() == timedelta(minutes=5) and not fresh.counts_stale()
    old = make_state(FakeRepo(synced_at=NOW - timedelta(hours=3)))
    await old.load()
    assert old.counts_age() == timedelta(hours=3) and old.counts_stale()
    never = make_state(FakeRepo(synced_at=None))
    await never.load()
    assert never.counts_age() is None and never.counts_stale()


# --- booking -----------------------------------------------------------------------------


async def test_a_booking_is_pending_until_the_server_books_it_with_a_number() -> None:
    repo = FakeRepo()
    st = make_state(repo)
    await st.load()
    entry = st.resource("kosodate")
    assert entry is not None
    st.open_resource("kosodate")
    day = st.day("kosodate")
    assert day is not None
    st.choose_slot(day.slots[0])
    booking_id = await st.book(entry)
    assert booking_id == "booking-0001"
    assert repo.outbox[-1].name == "book"
    assert repo.outbox[-1].args == {"id": booking_id, "resource_id": "kosodate",
                                    "slot_start": MONDAY.isoformat(), "fee_method": "points"}
    assert st.message_on(routes.booking_route(booking_id)) == state.BOOKED
    await st.load()
    pending = st.booking(booking_id)
    assert pending is not None and pending.status == "pending" and pending.waiting
    assert pending.sending == "book" and pending.number is None
    repo.server_answers(booking_id, server_row(booking_id, "booked", MONDAY))
    await st.load()
    booked = st.booking(booking_id)
    assert booked is not None and booked.status == "booked" and not booked.waiting
    assert booked.number == "R-2026-000001" and booked.has_qr and booked.points_payable


@pytest.mark.parametrize(("language", "shown"), [("ja", "この枠は満員です。"),
                                                 ("en", "this time is fully booked")])
async def test_a_refused_booking_is_listed_with_the_reason_in_the_ui_language(
        language: str, shown: str) -> None:
    repo = FakeRepo()
    st = make_state(repo)
    st.language = language
    await st.load()
    entry = st.resource("kosodate")
    assert entry is not None
    st.choose_slot(st.days("kosodate")[0].slots[0])
    booking_id = await st.book(entry)
    assert booking_id is not None
    repo.server_answers(booking_id, None, ("slot_full", "この枠は満員です。（this time is fully "
                                                        "booked）"))
    await st.load()
    refused = st.booking(booking_id)
    assert refused is not None and refused.status == "refused" and not refused.open
    assert refused.refusal == shown and refused.refusal_code == "slot_full"
    assert st.my_bookings()[-1].id == booking_id  # refused ones come last


async def test_a_full_slot_is_not_booked_but_its_waiting_list_can_be_joined() -> None:
    repo = FakeRepo()
    st = make_state(repo)
    await st.load()
    entry = st.resource("kosodate")
    assert entry is not None
    full = st.days("kosodate")[0].slots[1]
    st.choose_slot(full)
    assert await st.book(entry) is None
    assert st.message == state.SLOT_NOW_FULL and repo.outbox == []
    booking_id = await st.book(entry, join_waiting_list=True)
    assert booking_id is not None and repo.outbox[-1].name == "wait"
    assert st.message == state.WAIT_SENT


async def test_booking_for_a_child_sends_for_person_id_and_nobody_signed_in_books_nothing(
        ) -> None:
    repo = FakeRepo()
    st = make_state(repo)
    await st.load()
    await st.load_household()
    assert st.for_whom() == [ME, CHILD]
    entry = st.resource("kosodate")
    assert entry is not None
    st.choose_subject(CHILD)
    st.choose_fee_method(entry, "counter")
    st.choose_slot(st.days("kosodate")[0].slots[0])
    await st.book(entry)
    assert repo.outbox[-1].args["for_person_id"] == "child-1"
    assert repo.outbox[-1].args["fee_method"] == "counter"
    repo.signed = False
    st.choose_slot(st.days("kosodate")[0].slots[0])
    assert await st.book(entry) is None and st.message == state.NOT_SIGNED_IN


# --- change, cancel, offers ------------------------------------------------------------


async def booked_state() -> tuple[FakeRepo, ReservationsState, Booking]:
    repo = FakeRepo()
    repo.rows["b1"] = server_row("b1", "booked", MONDAY)
    st = make_state(repo)
    await st.load()
    booking = st.booking("b1")
    assert booking is not None
    return repo, st, booking


async def test_a_change_offers_other_free_slots_and_keeps_the_old_place_when_refused() -> None:
    repo, st, booking = await booked_state()
    assert booking.may_change(NOW)
    choices = st.change_choices(booking)
    assert choices == []  # the only other slot on the days shown is full or closed
    global SLOTS
    saved = SLOTS
    SLOTS = [*saved, slot_row(MONDAY + timedelta(hours=1))]
    try:
        await st.load()
        choices = st.change_choices(booking)
        assert [c.start for c in choices] == [MONDAY + timedelta(hours=1)]
        assert await st.change(booking, choices[0])
        assert repo.outbox[-1].name == "change"
        assert repo.outbox[-1].args == {"id": "b1", "slot_start": choices[0].start.isoformat()}
        await st.load()
        moving = st.booking("b1")
        assert moving is not None and moving.waiting and not moving.may_change(NOW)
        repo.server_answers("b1", server_row("b1", "booked", MONDAY),
                            ("slot_full", "この枠は満員です。（this time is fully booked）"))
        await st.load()
        kept = st.booking("b1")
        assert kept is not None and kept.slot_start == MONDAY and kept.status == "booked"
        assert kept.refused_change == ("change", "slot_full", "この枠は満員です。")
    finally:
        SLOTS = saved


async def test_a_cancel_is_sent_through_the_outbox_and_past_the_deadline_no_change() -> None:
    repo, st, booking = await booked_state()
    assert booking.may_cancel()
    assert await st.cancel(booking)
    assert repo.outbox[-1].name == "cancel" and repo.rows["b1"]["status"] == "cancelled"
    late = Booking("b2", "kosodate", "booked", MONDAY, changeable_until=NOW - timedelta(hours=1))
    assert not late.may_change(NOW)
    cancelled = Booking("b3", "kosodate", "cancelled", MONDAY)
    assert not cancelled.may_cancel() and not await st.cancel(cancelled)


async def test_an_offered_place_is_accepted_or_declined_until_the_offer_ends() -> None:
    repo = FakeRepo()
    repo.rows["w1"] = server_row("w1", "offered", MONDAY,
                                 offered_until=(NOW + timedelta(hours=2)).isoformat())
    st = make_state(repo)
    await st.load()
    offered = st.booking("w1")
    assert offered is not None and offered.may_answer_offer(NOW)
    assert not offered.may_answer_offer(NOW + timedelta(hours=3))
    assert await st.answer_offer(offered, accept=False)
    assert repo.outbox[-1].name == "decline" and repo.rows["w1"]["status"] == "declined"


async def test_my_bookings_list_upcoming_first_soonest_first() -> None:
    repo = FakeRepo()
    repo.rows["later"] = server_row("later", "booked", MONDAY + timedelta(days=3))
    repo.rows["soon"] = server_row("soon", "booked", MONDAY)
    repo.rows["past"] = server_row("past", "checked_in", NOW - timedelta(days=3))
    st = make_state(repo)
    await st.load()
    assert [b.id for b in st.my_bookings()] == ["soon", "later", "past"]


# --- the network: calendar, check-in code ----------------------------------------------


async def test_the_calendar_file_is_saved_and_offline_says_it_needs_the_network() -> None:
    saved: list[tuple[str, bytes]] = []
    online = FakeOnline()
    _, st, booking = await booked_state()
    st = make_state(FakeRepo(), online, saved)
    st.language = "en"
    assert not await st.save_calendar(booking, online=False)
    assert st.message == state.NEEDS_NETWORK and saved == []
    assert await st.save_calendar(booking, online=True)
    assert saved == [("reservation-000001.ics", b"BEGIN:VCALENDAR")]
    assert online.asked == ["ics:b1:en"] and st.message == state.CALENDAR_SAVED
    online.fail = BackendRejected(404, "no such booking", "not_found")
    assert not await st.save_calendar(booking, online=True)
    assert st.message == state.FAILED and st.message_params == {"reason": "no such booking"}


async def test_the_checkin_code_is_asked_once_and_a_failure_is_shown() -> None:
    online = FakeOnline()
    _, _, booking = await booked_state()
    st = make_state(FakeRepo(), online)
    online.fail = BackendUnavailable("down")
    assert not await st.show_checkin(booking, online=True)
    assert st.checkin_for("b1").problem == state.NEEDS_NETWORK
    online.fail = None
    assert await st.show_checkin(booking, online=True)
    assert await st.show_checkin(booking, online=True)
    assert online.asked == ["code:b1"] and st.checkin_for("b1").code == "TRS1.CODE"


# --- routes, wording ---------------------------------------------------------------------


def test_routes() -> None:
    assert routes.parse("/reservations").screen is routes.Screen.BROWSE
    assert routes.parse("/reservations/kosodate") == routes.Where(routes.Screen.RESOURCE,
                                                                  "kosodate")
    assert routes.parse("/reservations/bookings/b-123") == routes.Where(routes.Screen.BOOKING,
                                                                        "b-123")
    assert routes.parse("/reservations/bookings").screen is routes.Screen.BROWSE
    assert routes.parse("/reservations/a/b/c").screen is routes.Screen.BROWSE


def test_refusal_text_falls_back_to_the_whole_message() -> None:
    assert refusal_in("満員です（full）", "en") == "full"
    assert refusal_in("満員です（full）", "ja") == "満員です"
    assert refusal_in("plain words", "en") == "plain words"


def _tile_message_ids() -> set[str]:
    ids: set[str] = set(state.MESSAGES) | set(records.STATUS_LABELS.values())
    ids |= set(catalogue.KIND_LABELS.values()) | set(catalogue.FEE_METHOD_LABELS.values())
    for name in ("book", "wait", "change", "cancel", "accept", "decline", "other"):
        entry = OutboxEntry(1, "m", records.BOOKINGS, "k", name, {}, NOW, "pending")
        described = repository.describe_change(entry)
        assert described is not None
        ids.add(described[0])
    folder = Path(state.__file__).parent
    for path in [*folder.glob("*.py"), *(folder / "views").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "t" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                ids.add(str(node.args[0].value))
    return ids


def test_every_reservations_message_has_a_japanese_translation() -> None:
    ja = load_translator("ja")
    ids = _tile_message_ids()
    assert "Booked" in ids and state.BOOKED in ids
    assert sorted(m for m in ids if not ja.has(m)) == []
    assert all(ja(m) != m for m in ids if m not in ("{before} → {after}",))
