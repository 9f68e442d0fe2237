"""What the reservations screens show, in plain Python (no Flet): resources by category, one
resource's days and slots with free places, booking (pending until the server decides), the
resident's bookings with change / cancel / accept / decline, the .ics file and the check-in
QR code, and the resource's questions (the procedures tile's form engine: checked on the
device, every error at its field, before `book`/`wait` sends the cleaned answers). Stores and
network are reached through ports.py."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from app.features.procedures.api import (
    FieldError,
    FormEngine,
    Household,
    Person,
    questions_form,
)
from app.features.reservations.catalogue import (
    Day,
    ResourceEntry,
    Slot,
    by_kind,
    days_of,
    oldest_count,
)
from app.features.reservations.ports import ReservationsOnline, ReservationsRepository
from app.features.reservations.records import Booking, upcoming_first
from app.features.reservations.routes import ROUTE, booking_route, resource_route
from backend_client import BackendError, BackendRejected, BackendUnavailable

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=1)  # free places older than this are marked as maybe changed

# English message ids of what an action did or why it could not.
BOOKED = "Your booking is saved and will be sent to the city. It is confirmed when the city " \
    "answers."
WAIT_SENT = "Your waiting-list request will be sent to the city."
CHANGE_SENT = "The change will be sent to the city. Until it is confirmed you keep your place."
CANCEL_SENT = "The cancellation will be sent to the city."
ACCEPT_SENT = "Your answer will be sent to the city."
NOT_SIGNED_IN = "Please log in with your My Number card to book."
CHOOSE_SLOT = "Please choose a time."
SLOT_NOW_FULL = "This time is full. Choose another time or join the waiting list."
NEEDS_NETWORK = "This needs the network. Please connect and try again."
FAILED = "It could not be done: {reason}"
CALENDAR_SAVED = "The calendar file was saved."
CHECK_ANSWERS = "Please check the answers marked below."
QUESTIONS_UNREADABLE = "This app cannot show the questions of this booking. Please update " \
    "the app."
# What a write says until the server's outcome arrives (then the status says it).
SENT_MESSAGES = frozenset({BOOKED, WAIT_SENT, CHANGE_SENT, CANCEL_SENT, ACCEPT_SENT})
MESSAGES = (BOOKED, WAIT_SENT, CHANGE_SENT, CANCEL_SENT, ACCEPT_SENT, NOT_SIGNED_IN,
            CHOOSE_SLOT, SLOT_NOW_FULL, NEEDS_NETWORK, FAILED, CALENDAR_SAVED, CHECK_ANSWERS,
            QUESTIONS_UNREADABLE)


class Load(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


@dataclass
class CheckinState:
    """The check-in QR code of one booking (online once; then kept for the session)."""

    booking_id: str
    code: str = ""
    problem: str = ""  # English message id
    problem_params: dict[str, str] | None = None
    busy: bool = False


class ReservationsState:
    def __init__(self, repository: ReservationsRepository, online: ReservationsOnline,
                 now: Callable[[], datetime], make_id: Callable[[], str] | None = None,
                 save_file: Callable[[str, bytes], Awaitable[None]] | None = None) -> None:
        self._repo = repository
        self._online = online
        self._now = now
        self._make_id = make_id or (lambda: str(uuid.uuid4()))
        self._save_file = save_file
        self.load_state = Load.IDLE
        self.stamp: object = None
        self.resources: list[ResourceEntry] = []
        self.slots: list[Slot] = []
        self.synced_at: datetime | None = None
        self.holidays: frozenset[date] = frozenset()
        self.public_available = True
        self.bookings: list[Booking] = []
        self.household = Household()
        self.language = "ja"
        self.chosen_day: date | None = None
        self.chosen_slot: Slot | None = None
        self.subject: Person | None = None
        self.fee_method: str | None = None
        self.changing: str = ""  # the booking whose other slots are offered
        self.checkin: CheckinState | None = None
        self.message = ""
        self.message_params: dict[str, str] = {}
        self.message_for = ""
        self._household_stamp: object = None
        # The answers to the open resource's questions (kept while its screen is open).
        self.answers: dict[str, Any] = {}
        self.answer_errors: dict[str, FieldError] = {}
        self.answers_for = ""  # the resource they are for
        self.answers_revision = 0  # bumped when the answers are replaced (the inputs redraw)
        self._engines: dict[tuple[str, int], FormEngine | None] = {}

    # --- loading ------------------------------------------------------------------------
    @property
    def signed_in(self) -> bool:
        return self._repo.signed_in

    def claim_load(self) -> bool:
        """Marks a read as started when the stores changed since the last one."""
        stamp = self._repo.stamp()
        if self.stamp == stamp and self.load_state is not Load.IDLE:
            return False
        self.stamp = stamp
        self.load_state = Load.LOADING
        return True

    async def load(self) -> None:
        self.stamp = self._repo.stamp()
        try:
            read = await self._repo.public()
            self.resources, self.slots = read.resources, read.slots
            self.synced_at, self.public_available = read.synced_at, read.available
            self.holidays = read.holidays
            self.bookings = await self._repo.bookings(self._now(), self.language)
            self.load_state = Load.LOADED
        except Exception:  # a locked or damaged store: the screen says so
            log.exception("reservations could not be read from this device")
            self.load_state = Load.FAILED
        if self.chosen_slot is not None:  # the count of the chosen slot as now synced
            self.chosen_slot = self.slot(self.chosen_slot.resource_id, self.chosen_slot.start)

    def claim_household(self) -> bool:
        if self.household.known or self._household_stamp == self.stamp:
            return False
        self._household_stamp = self.stamp
        return True

    async def load_household(self) -> None:
        try:
            self.household = await self._repo.household()
        except Exception:
            log.exception("the household could not be read")

    # --- browsing -----------------------------------------------------------------------
    def now(self) -> datetime:
        return self._now()

    def groups(self) -> dict[str, list[ResourceEntry]]:
        return by_kind(self.resources)

    def resource(self, resource_id: str) -> ResourceEntry | None:
        return next((r for r in self.resources if r.id == resource_id), None)

    def days(self, resource_id: str) -> list[Day]:
        """The resource's days that can still be booked (the server's deadline in working
        days, counted with the synced holidays)."""
        entry = self.resource(resource_id)
        closes = (entry.closes_working_days_before or 0) if entry is not None else 0
        return days_of(self.slots, resource_id, self._now(),
                       closes_working_days_before=closes, holidays=self.holidays)

    def slot(self, resource_id: str, start: datetime) -> Slot | None:
        return next((s for s in self.slots
                     if s.resource_id == resource_id and s.start == start), None)

    def day(self, resource_id: str) -> Day | None:
        """The chosen day of the resource (else its first day with a free place, else its
        first day)."""
        days = self.days(resource_id)
        chosen = next((d for d in days if d.day == self.chosen_day), None)
        return chosen or next((d for d in days if not d.full), None) or (
            days[0] if days else None)

    def choose_day(self, day: date) -> None:
        self.chosen_day, self.chosen_slot = day, None

    def choose_slot(self, slot: Slot) -> None:
        self.chosen_slot = slot

    def counts_age(self, resource_id: str | None = None) -> timedelta | None:
        """How old the free-place counts shown are: since the public stream's last sync
        (None: never synced on this device)."""
        if self.synced_at is None:
            return None
        return max(timedelta(0), self._now() - self.synced_at)

    def counts_stale(self) -> bool:
        age = self.counts_age()
        return age is None or age > STALE_AFTER

    def counts_changed_at(self, resource_id: str) -> datetime | None:
        return oldest_count(s for s in self.slots if s.resource_id == resource_id)

    def for_whom(self) -> list[Person]:
        """Whom the resident may book for: themselves, people who granted them a delegation
        (reservations/all), their minor children."""
        me = self._repo.me()
        people = [me] if me is not None else []
        people.extend(p for p in self.household.delegators if p.person_id)
        people.extend(p for p in self.household.minor_children if p.person_id)
        return people

    def choose_subject(self, person: Person) -> None:
        if person in self.for_whom():
            self.subject = person

    def choose_fee_method(self, entry: ResourceEntry, method: str) -> None:
        if method in entry.fee_methods:
            self.fee_method = method

    def open_resource(self, resource_id: str) -> None:
        """A resource's screen opened: its choices start afresh."""
        if self.chosen_slot is not None and self.chosen_slot.resource_id != resource_id:
            self.chosen_slot, self.chosen_day = None, None
        entry = self.resource(resource_id)
        if entry is not None and self.fee_method not in entry.fee_methods:
            self.fee_method = entry.fee_methods[0] if entry.fee_methods else None
        if self.answers_for != resource_id:
            self._forget_answers(resource_id)

    # --- the resource's questions ---------------------------------------------------------
    def questions(self, entry: ResourceEntry) -> FormEngine | None:
        """The form engine of the resource's questions (None: it asks none, or this app
        cannot read them: `questions_unreadable`)."""
        if entry.questions is None:
            return None
        key = (entry.id, entry.version)
        if key not in self._engines:
            form = questions_form(entry.id, entry.version, entry.questions)
            self._engines[key] = None if form is None else FormEngine(form, self.language)
        return self._engines[key]

    def questions_unreadable(self, entry: ResourceEntry) -> bool:
        return entry.questions is not None and self.questions(entry) is None

    def answer(self, entry: ResourceEntry, name: str, value: Any) -> None:
        """A field changed (the value already coerced by the field view)."""
        if self.answers_for != entry.id:
            self._forget_answers(entry.id)
        if value is None:
            self.answers.pop(name, None)
        else:
            self.answers[name] = value
        self.answer_errors.pop(name, None)

    def check_answer(self, entry: ResourceEntry, name: str) -> None:
        """A text field left: its own check (as the resident leaves it)."""
        engine = self.questions(entry)
        if engine is None or self.answers_for != entry.id:
            return
        error = engine.validate_field(name, self.answers.get(name))
        if error is None:
            self.answer_errors.pop(name, None)
        else:
            self.answer_errors[name] = error

    def _forget_answers(self, resource_id: str) -> None:
        self.answers, self.answer_errors = {}, {}
        self.answers_for = resource_id
        self.answers_revision += 1

    def _checked_answers(self, entry: ResourceEntry, route: str) -> dict[str, Any] | None:
        """The cleaned answers to send ({} without questions); None (and every error at its
        field) when they need fixing."""
        if entry.questions is None:
            return {}
        engine = self.questions(entry)
        if engine is None:
            self._say(QUESTIONS_UNREADABLE, route)
            return None
        answers = self.answers if self.answers_for == entry.id else {}
        self.answer_errors = engine.validate(answers)
        if self.answer_errors:
            self._say(CHECK_ANSWERS, route)
            return None
        return engine.clean(answers)

    # --- my bookings --------------------------------------------------------------------
    def my_bookings(self) -> list[Booking]:
        return upcoming_first(self.bookings, self._now())

    def booking(self, booking_id: str) -> Booking | None:
        return next((b for b in self.bookings if b.id == booking_id), None)

    # --- writes (through the outbox) ----------------------------------------------------
    async def book(self, entry: ResourceEntry, *, join_waiting_list: bool = False
                   ) -> str | None:
        """Writes `book` (or `wait` on a full slot with a waiting list) with the optimistic
        row showing 未送信; the server's outcome arrives with the next sync."""
        route = resource_route(entry.id)
        slot = self.chosen_slot
        if not self.signed_in:
            self._say(NOT_SIGNED_IN, route)
            return None
        if slot is None or slot.resource_id != entry.id:
            self._say(CHOOSE_SLOT, route)
            return None
        waiting = join_waiting_list and slot.full and entry.waiting_list
        if slot.full and not waiting:
            self._say(SLOT_NOW_FULL, route)
            return None
        answers = self._checked_answers(entry, route)
        if answers is None:
            return None
        booking_id = self._make_id()
        args: dict[str, Any] = {"id": booking_id, "resource_id": entry.id,
                                "slot_start": slot.start.isoformat()}
        if answers:
            args["answers"] = answers
        me = self._repo.me()
        subject = self.subject if self.subject in self.for_whom() else me
        if subject is not None and subject != me and subject.person_id:
            args["for_person_id"] = subject.person_id
        if entry.fee_yen > 0 and self.fee_method is not None:
            args["fee_method"] = self.fee_method
        row = {**args, "status": "pending", "number": None, "title": entry.title,
               "place": entry.place, "slot_end": slot.end.isoformat(),
               "fee": {"amount_yen": entry.fee_yen, "method": self.fee_method,
                       "paid_at": None} if entry.fee_yen > 0 else None,
               "history": [], "created_at": self._now().isoformat()}
        name = "wait" if waiting else "book"
        if not await self._repo.write_booking(booking_id, row, name, args):
            return None
        self.chosen_slot = None
        self._forget_answers(entry.id)
        self._say(WAIT_SENT if waiting else BOOKED, booking_route(booking_id))
        return booking_id

    def start_change(self, booking: Booking) -> None:
        """Offers the other slots of the booking's resource (again: stops)."""
        self.changing = "" if self.changing == booking.id else booking.id
        self.chosen_slot = None

    def change_choices(self, booking: Booking) -> list[Slot]:
        """Slots of the same resource with a free place, other than the booking's own."""
        return [s for d in self.days(booking.resource_id) for s in d.slots
                if not s.full and s.start != booking.slot_start]

    async def change(self, booking: Booking, slot: Slot) -> bool:
        """`change {id, slot_start}`: all or nothing (the old place is kept if refused)."""
        if (not booking.may_change(self._now()) or slot.resource_id != booking.resource_id
                or slot.full):
            return False
        args = {"id": booking.id, "slot_start": slot.start.isoformat()}
        stored = await self._repo.stored_booking(booking.id)
        stored.update({"slot_start": slot.start.isoformat(), "slot_end": slot.end.isoformat()})
        if not await self._repo.write_booking(booking.id, stored, "change", args):
            return False
        self.changing = ""
        self._say(CHANGE_SENT, booking_route(booking.id))
        return True

    async def cancel(self, booking: Booking) -> bool:
        """`cancel {id}` (the screen asks first)."""
        if not booking.may_cancel():
            return False
        stored = await self._repo.stored_booking(booking.id)
        stored["status"] = "cancelled"
        if not await self._repo.write_booking(booking.id, stored, "cancel",
                                              {"id": booking.id}):
            return False
        self._say(CANCEL_SENT, booking_route(booking.id))
        return True

    async def answer_offer(self, booking: Booking, accept: bool) -> bool:
        """`accept {id}` or `decline {id}` of a place offered from the waiting list."""
        if not booking.may_answer_offer(self._now()):
            return False
        stored = await self._repo.stored_booking(booking.id)
        stored["status"] = "booked" if accept else "declined"
        if not await self._repo.write_booking(booking.id, stored,
                                              "accept" if accept else "decline",
                                              {"id": booking.id}):
            return False
        self._say(ACCEPT_SENT, booking_route(booking.id))
        return True

    # --- the network: calendar file, check-in code -------------------------------------
    async def save_calendar(self, booking: Booking, *, online: bool) -> bool:
        route = booking_route(booking.id)
        if not online:
            self._say(NEEDS_NETWORK, route)
            return False
        try:
            name, content = await self._online.calendar(booking.id, self.language)
        except BackendError as exc:
            self._fail(exc, route)
            return False
        if self._save_file is not None:
            await self._save_file(name, content)
        self._say(CALENDAR_SAVED, route)
        return True

    def checkin_for(self, booking_id: str) -> CheckinState:
        if self.checkin is None or self.checkin.booking_id != booking_id:
            self.checkin = CheckinState(booking_id)
        return self.checkin

    async def show_checkin(self, booking: Booking, *, online: bool) -> bool:
        """The check-in QR code's text (asked once while online; then kept)."""
        state = self.checkin_for(booking.id)
        if state.code or state.busy or not booking.has_qr:
            return bool(state.code)
        if not online:
            state.problem, state.problem_params = NEEDS_NETWORK, None
            return False
        state.busy = True
        try:
            state.code = await self._online.checkin_code(booking.id)
            state.problem, state.problem_params = "", None
            return True
        except BackendError as exc:
            if isinstance(exc, BackendUnavailable):
                state.problem, state.problem_params = NEEDS_NETWORK, None
            else:
                state.problem, state.problem_params = FAILED, {"reason": _reason(exc)}
            return False
        finally:
            state.busy = False

    # --- messages -----------------------------------------------------------------------
    def message_on(self, route: str) -> str:
        return self.message if self.message_for == route else ""

    def _say(self, message: str, route: str = ROUTE, **params: str) -> None:
        self.message, self.message_params, self.message_for = message, params, route

    def _fail(self, exc: BackendError, route: str) -> None:
        if isinstance(exc, BackendUnavailable):
            self._say(NEEDS_NETWORK, route)
        else:
            self._say(FAILED, route, reason=_reason(exc))


def _reason(exc: BackendError) -> str:
    return exc.detail if isinstance(exc, BackendRejected) else str(exc)
