"""Logging out when this device still holds changes the city has not received.

Plain Python over `DeviceData` and `AccountState` (tested with fakes): the resident chooses
to send them first, to give them up, or to stay logged in.
"""

from __future__ import annotations

from typing import Protocol

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
