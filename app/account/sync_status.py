""""Data on this device" in plain Python: what is waiting to be sent, what the city did not
accept (and why), what was sent lately, and how fresh the stored data is."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.account.device_data import DeviceData
from offline_store import OutboxEntry, StoreRecovery

# How long a change the city did not accept stays listed (its row is back to the city's value).
REJECTED_SHOWN_FOR = timedelta(days=30)
RECENTLY_SENT = 5

# What a rejection means for the resident, by the server's code (English message ids).
REJECTION_REASONS = {
    "invalid_args": "The city could not accept the data of this change.",
    "unknown_mutation": "This version of the app sent a change the city does not know. "
                        "Please update the app.",
    "read_only": "This information can only be changed by the city.",
    "not_found": "It no longer exists (it was deleted, perhaps on another device).",
    "already_exists": "It already exists (it was added on another device).",
    "seq_conflict": "The change was sent twice in a conflicting way; it was not applied.",
    "mutation_id_reused": "This change reached the city twice with different contents; "
                          "the city kept the first one.",
    "quota_exceeded": "You have reached the limit of what the city keeps for you of this "
                      "kind. Delete some entries you no longer need, then make the change "
                      "again.",
    "internal_error": "The city's system could not process this change because of a fault "
                      "on its side, so it was not applied. Please try again later or contact "
                      "the city office.",
}

# The resident's store could not be opened at all (DeviceData.open_error).
OPEN_ERROR = ("Your data cannot be saved on this device right now. Check the free storage "
              "space and restart the app.")

# What happened to a store that was rebuilt (offline_store.recovery), by kind.
RECOVERY_HEADLINES = {
    "damaged": "The data saved on this device was damaged, so it has been rebuilt.",
    "key_lost": "The key to the data saved on this device was lost, so the data has been "
                "rebuilt.",
    "file_lost": "The data saved on this device was missing, so it has been fetched again.",
}


def recovery_lines(recovery: StoreRecovery) -> list[tuple[str, dict[str, str]]]:
    """What the resident is told about a rebuilt store: what happened, that the city's copy
    comes back, what of their unsent changes was saved or lost (message ids, parameters)."""
    lines: list[tuple[str, dict[str, str]]] = [
        (RECOVERY_HEADLINES.get(recovery.kind, RECOVERY_HEADLINES["damaged"]), {}),
        ("What the city already has is being downloaded again.", {}),
    ]
    if recovery.recovered:
        lines.append(("{count} changes you had not sent yet were recovered and will be sent.",
                      {"count": str(recovery.recovered)}))
    if recovery.lost is None:
        lines.append(("Changes you had not sent yet, if there were any, could not be "
                      "recovered.", {}))
    elif recovery.lost:
        lines.append(("{count} changes you had not sent yet could not be recovered. "
                      "Please make them again.", {"count": str(recovery.lost)}))
    else:
        lines.append(("None of your unsent changes were lost.", {}))
    return lines

# Describes one change for the resident: (English message id, its parameters), or None to
# let the next describer try. Features add theirs (see FeatureSpec.describe_change).
Describer = Callable[[OutboxEntry], tuple[str, dict[str, str]] | None]


def generic_description(entry: OutboxEntry) -> tuple[str, dict[str, str]]:
    if entry.collection == "preferences":
        return "A setting was changed ({key})", {"key": entry.key}
    if entry.collection == "health_records":
        if entry.name == "delete":
            return "A health record was deleted", {}
        return "A health record was added", {}
    return "A change to {collection}", {"collection": entry.collection}


@dataclass(frozen=True)
class ChangeItem:
    seq: int
    description: tuple[str, dict[str, str]]
    created_at: datetime
    state: str  # pending | sending | applied | rejected
    reason: tuple[str, dict[str, str]] | None = None  # for rejected ones
    attempts: int = 0


def describe(entry: OutboxEntry, describers: Iterable[Describer]) -> tuple[str, dict[str, str]]:
    for describer in describers:
        found = describer(entry)
        if found is not None:
            return found
    return generic_description(entry)


def reason_of(entry: OutboxEntry) -> tuple[str, dict[str, str]]:
    known = REJECTION_REASONS.get(entry.error_code or "")
    if known is not None:
        return known, {}
    if entry.error_message:
        return "The city did not accept it: {message}", {"message": entry.error_message}
    return "The city did not accept it.", {}


def items_from(entries: Iterable[OutboxEntry], describers: Iterable[Describer],
               now: datetime) -> tuple[list[ChangeItem], list[ChangeItem], list[ChangeItem]]:
    """(waiting, not accepted, recently sent), newest first; entries in `seq` order."""
    describers = list(describers)
    waiting: list[ChangeItem] = []
    rejected: list[ChangeItem] = []
    sent: list[ChangeItem] = []
    for entry in entries:
        item = ChangeItem(entry.seq, describe(entry, describers), entry.created_at, entry.state,
                          reason_of(entry) if entry.state == "rejected" else None,
                          entry.attempts)
        if entry.state in ("pending", "sending"):
            waiting.append(item)
        elif entry.state == "rejected":
            if now - entry.created_at <= REJECTED_SHOWN_FOR:
                rejected.append(item)
        elif entry.state == "applied":
            sent.append(item)
    return waiting[::-1], rejected[::-1], sent[::-1][:RECENTLY_SENT]


class SyncStatusState:
    def __init__(self, device: DeviceData, describers: Iterable[Describer],
                 clock: Callable[[], datetime]) -> None:
        self._device = device
        self._describers = list(describers)
        self._clock = clock
        self.waiting: list[ChangeItem] = []
        self.rejected: list[ChangeItem] = []
        self.sent: list[ChangeItem] = []
        self.stamp: object = None
        self.loading = False

    def claim_load(self) -> bool:
        stamp = (self._device.version, id(self._device.store))
        if self.loading or stamp == self.stamp:
            return False
        self.loading = True
        self.stamp = stamp
        return True

    async def load(self) -> None:
        store = self._device.store
        try:
            if store is None:
                self.waiting, self.rejected, self.sent = [], [], []
                return
            entries = await asyncio.to_thread(store.outbox)
            self.waiting, self.rejected, self.sent = items_from(entries, self._describers,
                                                                self._clock())
        finally:
            self.loading = False
