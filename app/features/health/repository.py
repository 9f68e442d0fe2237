"""The health tile's reads and writes: records in the resident's encrypted store on this
device (collection `health_records`), kept there only (`keep_on_device`) until the resident
turns on their sync, then pushed through the outbox like any change; the tile's own device
values (settings, the dish memory, kept photos) in `health_device`, which never syncs. The
consent ledger and the household over the network."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import Any

from app.account.device_data import DeviceData
from app.features.health.consent import PURPOSE
from app.features.health.ports import Child, StoredRecord
from app.features.health.records import CITY_TZ
from app.features.procedures.api import household_from
from backend_client.client import BackendClient
from backend_client.errors import BackendError

log = logging.getLogger(__name__)

RECORDS = "health_records"
DEVICE = "health_device"


def push_args(record: Mapping[str, Any]) -> dict[str, Any]:
    """The `add` mutation of the backend's append-only collection: its own fields, with the
    record's subject and creation time kept inside `data`."""
    return {"id": record["id"], "kind": record["kind"], "recorded_at": record["recorded_at"],
            "data": {"subject": record["subject"], "created_at": record["created_at"],
                     "data": record["data"]}}


def from_row(row: Any) -> dict[str, Any] | None:
    """A record as the tile wrote it, whether the row is the device's own or came back from
    the server in the collection's shape (`push_args`)."""
    if not isinstance(row, dict):
        return None
    if "subject" in row:
        return row
    inner = row.get("data")
    if isinstance(inner, dict) and "subject" in inner:
        return {"id": row.get("id"), "kind": row.get("kind"), "subject": inner["subject"],
                "recorded_at": row.get("recorded_at"), "created_at": inner.get("created_at"),
                "data": inner.get("data")}
    return None


class LocalHealth:
    def __init__(self, device: DeviceData) -> None:
        self._device = device

    def available(self) -> bool:
        return self._device.store is not None

    def stamp(self) -> object:
        return self._device.version

    def _store(self) -> Any:
        store = self._device.store
        if store is None:
            raise RuntimeError("the device's store is not open")
        return store

    async def records(self) -> list[StoredRecord]:
        store = self._store()
        rows = await asyncio.to_thread(store.list, RECORDS)
        out = []
        for row in rows:
            record = from_row(row.data)
            if record is None:
                log.warning("a health record row could not be read; skipped")
                continue
            out.append(StoredRecord(record, row.pending or row.server_position is not None,
                                    pending=row.pending))
        return out

    async def add_record(self, record: dict[str, Any], *, sync: bool) -> None:
        store = self._store()
        if sync:
            await asyncio.to_thread(store.apply_local, RECORDS, record["id"], record, "add",
                                    push_args(record))
            await self._device.changed_locally()
        else:
            await asyncio.to_thread(store.keep_on_device, RECORDS, record["id"], record)

    async def delete_record(self, record_id: str) -> None:
        store = self._store()
        row = await asyncio.to_thread(store.read, RECORDS, record_id)
        if row is None:
            return
        if row.pending or row.server_position is not None:
            await asyncio.to_thread(store.apply_local, RECORDS, record_id, None, "delete",
                                    {"id": record_id})
            await self._device.changed_locally()
        else:
            await asyncio.to_thread(store.keep_on_device, RECORDS, record_id, None)

    async def send_unsent(self) -> int:
        """Sync turned on: every record only on this device goes to the outbox."""
        store = self._store()
        sent = 0
        for row in await asyncio.to_thread(store.list, RECORDS):
            record = from_row(row.data)
            if record is None or row.pending or row.server_position is not None:
                continue
            await asyncio.to_thread(store.apply_local, RECORDS, row.key, record, "add",
                                    push_args(record))
            sent += 1
        if sent:
            await self._device.changed_locally()
        return sent

    async def delete_all(self) -> int:
        """Every record (the server's copies too, by their delete mutations), the kept photos
        and the dish memory; the settings and the consent stay."""
        store = self._store()
        rows = await asyncio.to_thread(store.list, RECORDS)
        for row in rows:
            await self.delete_record(row.key)
        for row in await asyncio.to_thread(store.list, DEVICE):
            if row.key != "settings":
                await asyncio.to_thread(store.keep_on_device, DEVICE, row.key, None)
        return len(rows)

    async def device_value(self, key: str) -> Any:
        row = await asyncio.to_thread(self._store().read, DEVICE, key)
        return None if row is None else row.data

    async def set_device_value(self, key: str, value: Any) -> None:
        await asyncio.to_thread(self._store().keep_on_device, DEVICE, key, value)


def encode_bytes(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_bytes(text: Any) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError:
        return None


class BackendHealth:
    """The consent ledger and the household (who the resident may keep a record for)."""

    def __init__(self, client: BackendClient, token: Callable[[], Awaitable[str]]) -> None:
        self._client = client
        self._token = token
        self._children: list[Child] | None = None

    async def record_consent(self, version: int, granted: bool, text_sha256: str,
                             on_behalf_of: str | None = None) -> None:
        await self._client.record_consent(await self._token(), PURPOSE, version, granted,
                                          text_sha256, on_behalf_of=on_behalf_of)

    async def children(self) -> list[Child]:
        if self._children is not None:
            return self._children
        try:
            answer = await self._client.my_household(await self._token())
        except BackendError as exc:
            log.info("household not read: %s", exc)
            return []
        household = answer.get("household") if isinstance(answer, dict) else None
        known = household_from(None, household if isinstance(household, Mapping) else None, [])
        self._children = [Child(str(p.person_id), p.name, _age(p.birthdate))
                          for p in known.minor_children if p.person_id]
        return self._children


def _age(birthdate: str | None) -> int | None:
    if not birthdate:
        return None
    try:
        born = date.fromisoformat(birthdate)
    except ValueError:
        return None
    today = datetime.now(CITY_TZ).date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
