"""Logging out when this device still holds changes the city has not received.

Plain Python over `DeviceData` and `AccountState` (tested with fakes): the resident chooses
to send them first, to give them up, or to stay logged in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from backend_client import BackendError

log = logging.getLogger(__name__)

ASK, SEND, DISCARD, CANCEL = "ask", "send", "discard", "cancel"
QUESTION_PENDING, QUESTION_STILL_PENDING = "pending", "still_pending"


class _Device(Protocol):
    pending: int

    async def sync_and_wait(self) -> object: ...

    async def stop(self, wipe: bool = False) -> None: ...


class _Account(Protocol):
    async def logout(self) -> None: ...


async def run_logout(choice: str, device: _Device, account: _Account) -> str:
    """Carries out the resident's choice; returns the question still to show ("" when the
    resident is logged out or chose to stay)."""
    if choice == CANCEL:
        return ""
    if choice == ASK and device.pending > 0:
        return QUESTION_PENDING
    if choice == SEND:
        await device.sync_and_wait()
        if device.pending > 0:  # offline, or the city could not take them yet
            return QUESTION_STILL_PENDING
    elif choice not in (ASK, DISCARD):
        raise ValueError(f"unknown logout choice {choice!r}")
    await device.stop(wipe=choice == DISCARD)
    await account.logout()
    return ""


async def send_before_reset(device: _Device, timeout_s: float) -> int:
    """A kiosk about to wipe itself for the next person: try once, for at most `timeout_s`,
    to send what the last resident left unsent (a booking made just before walking away).
    Returns how many changes are still unsent (lost with the ephemeral store)."""
    if device.pending == 0:
        return 0
    with contextlib.suppress(TimeoutError, BackendError):
        await asyncio.wait_for(device.sync_and_wait(), timeout_s)
    if device.pending:
        log.warning("kiosk reset with %d unsent changes", device.pending)
    return device.pending
