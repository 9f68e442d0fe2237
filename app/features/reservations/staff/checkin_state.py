"""Check-in by the booking's code in plain Python (testable with a fake source): the clerk
reads the resident's QR (camera, picture or typed); the booking becomes `checked_in` and, at
a counter with a queue, gets its waiting number (called first once its time is due)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.features.reservations.staff.state import (
    CheckedIn,
    Refusal,
    ReservationsStaffSource,
    normalise_code,
    refusal_of,
)
from app.observable import Observable
from backend_client import BackendError

log = logging.getLogger(__name__)


class CheckInState(Observable):
    def __init__(self, source: ReservationsStaffSource, department: str,
                 on_checked_in: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._source = source
        self.department = department
        # Told after each check-in: the department's day list reads the day again, so it
        # says 受付済み when the clerk goes back to it.
        self._on_checked_in = on_checked_in
        self.code_text = ""
        self.revision = 0  # bumped when the state empties the typed code
        self.busy = False
        self.refusal: Refusal | None = None
        self.checked_in: CheckedIn | None = None  # the last booking checked in

    def set_code_text(self, text: str) -> None:
        self.code_text = text

    def no_code_in_picture(self, detail: str = "") -> None:
        self.refusal = Refusal("no_code_in_picture", detail)
        self.checked_in = None
        self._changed()

    async def scan_typed(self) -> bool:
        return await self.scan(self.code_text, typed=True)

    async def scan(self, text: str, typed: bool = False) -> bool:
        """Checks in the booking of a code read by the camera, from a picture or typed
        (`typed`: the field is emptied once it is accepted)."""
        if self.busy:
            return False
        code = normalise_code(text)
        if code is None:
            self.refusal, self.checked_in = Refusal("malformed_code"), None
            self._changed()
            return False
        self.busy = True
        self._changed()
        try:
            checked = await self._source.check_in_by_code(code)
        except BackendError as exc:
            log.info("check-in code refused: %s", exc)
            self.refusal, self.checked_in = refusal_of(exc), None
            return False
        finally:
            self.busy = False
            self._changed()
        self.checked_in, self.refusal = checked, None
        if self._on_checked_in is not None:
            self._on_checked_in()
        if typed:
            self.code_text = ""
            self.revision += 1
        self._changed()
        return True

    def clear(self) -> None:
        """「次の方へ」."""
        self.checked_in, self.refusal, self.code_text = None, None, ""
        self.revision += 1
        self._changed()
