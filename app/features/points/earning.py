"""Earning points with a code (an event's check-in, a collection point), in plain Python.

Online the code goes to `POST /points/claims` and the grant shows at once. Offline (or when
the request cannot get through) it is queued as the sync mutation
`points_claims.claim {"code"}` and listed as 未送信 until the city decides; the mutation id
is the server's idempotency key, so a claim is granted exactly once (docs/points.md)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from app.features.points.ports import PointsService, WalletStore
from app.features.points.problems import Problem, problem_for
from backend_client import BackendError, BackendUnavailable
from backend_client.points_dto import ClaimResult

log = logging.getLogger(__name__)

MAX_CODE = 2048
NO_CODE = "Please scan the code or paste its text."
QUEUED = "Saved on this device. It will be sent when you are online."
NOT_SIGNED_IN = "Log in to receive points."


class EarnFlow:
    def __init__(self, server: PointsService, store: WalletStore, now: Callable[[], datetime],
                 offline: Callable[[], bool]) -> None:
        self._server = server
        self._store = store
        self._now = now
        self._offline = offline
        self.code_text = ""
        self.code_revision = 0
        self.result: ClaimResult | None = None
        self.queued = False
        self.problem: Problem | None = None
        self.busy = False

    def set_code_text(self, text: str) -> None:
        self.code_text = text

    def scanned(self, code: str) -> None:
        self.code_text = code
        self.code_revision += 1
        self.problem = None

    async def claim(self) -> bool:
        """Sends the code (or queues it offline); True when granted or queued."""
        code = self.code_text.strip()
        if not code or len(code) > MAX_CODE:
            self.problem = Problem(NO_CODE)
            return False
        self.busy, self.problem, self.result, self.queued = True, None, None, False
        try:
            if not self._offline():
                try:
                    self.result = await self._server.claim(code, f"claim:{uuid.uuid4().hex}")
                except BackendUnavailable as exc:
                    log.info("claim not sent, queued for the sync: %s", exc)
                except BackendError as exc:
                    self.problem = problem_for(exc)
                    return False
                else:
                    self._cleared()
                    self._server.changed()
                    return True
            if not await self._store.queue_claim(str(uuid.uuid4()), code, self._now()):
                self.problem = Problem(NOT_SIGNED_IN)
                return False
            self.queued = True
            self._cleared()
            return True
        finally:
            self.busy = False

    def _cleared(self) -> None:
        self.code_text = ""
        self.code_revision += 1
