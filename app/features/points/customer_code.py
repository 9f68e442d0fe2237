"""「マイコード」: a one-use token for a shop to scan (`POST /points/customer-codes`), valid
60 seconds. The PIN is asked once; it is kept in memory while the code is on screen, so
「新しいコード」 needs no second entry, and forgotten when the resident leaves it."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from app.features.points.pin_rules import digits_only, pin_entered
from app.features.points.ports import PointsService
from app.features.points.problems import OFFLINE, Problem, problem_for
from backend_client import BackendError
from backend_client.points_dto import CustomerCode

NO_PIN = "Please enter your PIN (4 to 6 digits)."


class CustomerCodeState:
    def __init__(self, server: PointsService, now: Callable[[], datetime],
                 offline: Callable[[], bool]) -> None:
        self._server = server
        self._now = now  # the server's clock: it set `expires_at`
        self._offline = offline
        self.pin = ""
        self.pin_revision = 0
        self.code: CustomerCode | None = None
        self.problem: Problem | None = None
        self.busy = False
        self.ticking = False  # a countdown task is running (wiring)
        self._pin_for_renewal = ""

    def set_pin(self, text: str) -> None:
        self.pin = digits_only(text)

    def seconds_left(self) -> int:
        if self.code is None:
            return 0
        return max(0, math.ceil((self.code.expires_at - self._now()).total_seconds()))

    @property
    def expired(self) -> bool:
        return self.code is not None and self.seconds_left() == 0

    async def make(self) -> bool:
        """A new code with the PIN just entered (or the one entered for the last code)."""
        pin = self.pin or self._pin_for_renewal
        if not pin_entered(pin):
            self.problem = Problem(NO_PIN)
            return False
        if self._offline():
            self.problem = Problem(OFFLINE, code="offline")
            return False
        self.busy, self.problem = True, None
        try:
            self.code = await self._server.customer_code(pin)
        except BackendError as exc:
            self.problem = problem_for(exc)
            self.code, self._pin_for_renewal = None, ""
            return False
        finally:
            self.busy = False
            self.pin = ""
            self.pin_revision += 1
        self._pin_for_renewal = pin
        return True

    def forget(self) -> None:
        """The resident left the screen: the code and the PIN go."""
        self.code, self.problem, self.pin, self._pin_for_renewal = None, None, "", ""
        self.pin_revision += 1
