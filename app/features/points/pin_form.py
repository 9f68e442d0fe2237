"""Setting or changing the payment PIN (`PUT /points/pin`), in plain Python."""

from __future__ import annotations

from collections.abc import Callable

from app.features.points.pin_rules import digits_only, pin_acceptable, pin_entered
from app.features.points.ports import PointsService
from app.features.points.problems import MESSAGES, OFFLINE, Problem, problem_for
from backend_client import BackendError

MISMATCH = "The two new PINs are not the same."
NO_CURRENT = "Please enter your current PIN."
SAME = "The new PIN is the same as the current one."
SAVED = "Your PIN is saved."


class PinForm:
    def __init__(self, server: PointsService, offline: Callable[[], bool]) -> None:
        self._server = server
        self._offline = offline
        self.current = ""
        self.new = ""
        self.again = ""
        self.revision = 0  # bumped when the form empties its fields
        self.problem: Problem | None = None
        self.saved = False
        self.busy = False

    def set_field(self, name: str, text: str) -> None:
        if name not in ("current", "new", "again"):
            raise ValueError(f"unknown PIN field {name!r}")
        setattr(self, name, digits_only(text))
        self.saved = False

    def check(self, changing: bool) -> Problem | None:
        """What is wrong with the fields, before anything is sent."""
        if changing and not pin_entered(self.current):
            return Problem(NO_CURRENT)
        if not pin_acceptable(self.new):
            return Problem(MESSAGES["pin_invalid"], code="pin_invalid")
        if self.new != self.again:
            return Problem(MISMATCH)
        if changing and self.new == self.current:
            return Problem(SAME)
        return None

    async def save(self, changing: bool) -> bool:
        problem = self.check(changing)
        if problem is None and self._offline():
            problem = Problem(OFFLINE, code="offline")
        self.problem, self.saved = problem, False
        if problem is not None:
            return False
        self.busy = True
        try:
            await self._server.set_pin(self.new, self.current if changing else None)
        except BackendError as exc:
            self.problem = problem_for(exc)
            return False
        finally:
            self.busy = False
            self.current = self.new = self.again = ""
            self.revision += 1
        self.saved = True
        return True
