"""A booking checked in at the kiosk by its QR code, in plain Python (testable with a fake
source): 「予約のある方（QRコードで受付）」 on the 整理券 screen opens `CHECK_IN_ROUTE`, where
the resident shows the booking's check-in QR (`TRS1.…`) to the camera, picks a picture of it
or types the text under it (the shared block `app.shell.views.code_entry`, whose
`CodeReader` this state is). The city checks the booking of today in and, when its counter
has a queue, answers the appointment's waiting number, called first once its time is due
(`POST /kiosk/check-in`, docs/reservations.md §3).

Nobody logs in: the code is the proof and the kiosk sends its device key. The answer names
no person. A kiosk reset drops this state (`AppServices.feature_state`), and 「終わる」 or the
next 「予約のある方」 empties it, so the next person never sees the last one's booking."""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime
from typing import Protocol

from app.features.numbers.state import ROUTE
from app.observable import Observable
from backend_client import BackendError, BackendRejected, BackendUnavailable
from backend_client.reservations_queue import QueueTicket

__all__ = ["CHECK_IN_ROUTE", "BookingCheckIn", "CheckInSource", "CheckInState",
           "is_check_in_route", "normalise_code", "refusal_of"]

log = logging.getLogger(__name__)

# Two segments below the tile: never `/numbers/<counter>` (a counter id is one segment of
# [a-z0-9-]), whatever the counter is called.
CHECK_IN_ROUTE = f"{ROUTE}/booking/check-in"
CODE_PREFIX = "TRS1."  # a booking's check-in code (backend checkin_code.py)
MAX_CODE = 200  # the longest code the city reads

# Why a code was not checked in: the city's refusal codes, and the screen's own.
INVALID_CODE = "invalid_code"  # not a booking's code (also: read or typed wrong)
BOOKING_NOT_FOUND = "booking_not_found"
CODE_OUTDATED = "code_outdated"  # the booking was moved since the code was shown
NOT_TODAY = "not_today"
WRONG_STATUS = "wrong_status"  # cancelled, no-show...
NOT_AT_THIS_KIOSK = "not_at_this_kiosk"  # the booking's counter is not this kiosk's
NO_CODE_IN_PICTURE = "no_code_in_picture"
NO_KEY = "no_key"  # the kiosk has no key, or the city refused it
OFFLINE = "offline"
FAILED = "failed"  # anything else
CITY_REFUSALS = frozenset({INVALID_CODE, BOOKING_NOT_FOUND, CODE_OUTDATED, NOT_TODAY,
                           WRONG_STATUS, NOT_AT_THIS_KIOSK})


def is_check_in_route(route: str) -> bool:
    return route.split("?", 1)[0].rstrip("/") == CHECK_IN_ROUTE


def normalise_code(text: str) -> str | None:
    """The code as read or typed: full-width made narrow, spaces and line breaks dropped,
    upper case. None when it cannot be a booking's code (nothing is asked of the city)."""
    code = "".join(unicodedata.normalize("NFKC", text).split()).upper().replace("。", ".")
    if not code.startswith(CODE_PREFIX) or len(code) > MAX_CODE:
        return None
    return code


def refusal_of(exc: BackendError) -> str:
    """The screen's name for a failed check-in."""
    if isinstance(exc, BackendUnavailable):
        return OFFLINE
    if isinstance(exc, BackendRejected):
        if exc.code == "kiosk_key_invalid" or exc.status_code == 401:
            return NO_KEY
        if exc.code in CITY_REFUSALS:
            return exc.code
    return FAILED


class BookingCheckIn(Protocol):
    """A booking checked in (`backend_client.kiosk_queue.KioskCheckIn`)."""

    @property
    def number(self) -> str: ...  # the booking's number

    @property
    def status(self) -> str: ...

    @property
    def title(self) -> tuple[str, str]: ...  # (Japanese, English)

    @property
    def slot_start(self) -> datetime | None: ...

    @property
    def slot_end(self) -> datetime | None: ...

    @property
    def ticket(self) -> QueueTicket | None: ...  # the appointment's waiting number


class CheckInSource(Protocol):
    async def check_in(self, code: str) -> BookingCheckIn: ...


class CheckInState(Observable):
    """The check-in screen (`source` None: this kiosk has no key; nothing is asked)."""

    def __init__(self, source: CheckInSource | None) -> None:
        super().__init__()
        self._source = source
        self.code_text = ""  # the typed code
        self.revision = 0  # bumped when the state itself empties the typed code
        self.busy = False  # a code is being checked in
        self.refusal: str | None = None  # why the last code was not checked in
        self.checked_in: BookingCheckIn | None = None  # the booking checked in
        self.key_refused = source is None
        self._turn = 0  # bumped by `clear`: an answer for an earlier person is dropped

    # --- the CodeReader of app.shell.views.code_entry ---------------------------------------
    def set_code_text(self, text: str) -> None:
        self.code_text = text

    def no_code_in_picture(self, detail: str = "") -> None:
        log.info("no check-in code in the picture: %s", detail)
        self.refusal, self.checked_in = NO_CODE_IN_PICTURE, None
        self._changed()

    async def scan_typed(self) -> bool:
        return await self.scan(self.code_text, typed=True)

    async def scan(self, text: str, typed: bool = False) -> bool:
        """Checks in the booking of a code read by the camera, from a picture or typed
        (`typed`: the field is emptied once the city accepted it). A press while one is
        being checked in does nothing."""
        if self.busy or self.checked_in is not None:
            return False
        if self._source is None or self.key_refused:
            self.refusal = NO_KEY
            self._changed()
            return False
        code = normalise_code(text)
        if code is None:
            self.refusal = INVALID_CODE
            self._changed()
            return False
        turn = self._turn
        self.busy, self.refusal = True, None
        self._changed()
        try:
            checked = await self._source.check_in(code)
        except BackendError as exc:
            log.info("kiosk check-in refused: %s", exc)
            refusal = refusal_of(exc)
            if refusal == NO_KEY:
                self.key_refused = True
            if turn == self._turn:
                self.refusal = refusal
            return False
        finally:
            self.busy = False
            self._changed()
        if turn != self._turn:  # 「終わる」 meanwhile: the next person sees nothing of it
            return False
        self.checked_in = checked
        if typed:
            self.code_text = ""
            self.revision += 1
        self._changed()
        return True

    # --- the screen ---------------------------------------------------------------------
    def clear(self) -> None:
        """「終わる」, or the screen opened again: nothing of the last person stays."""
        self.checked_in, self.refusal, self.code_text = None, None, ""
        self.revision += 1
        self._turn += 1
        self._changed()
