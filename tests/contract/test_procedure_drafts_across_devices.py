"""A procedure draft follows the resident from device to device (docs/procedures.md §3:
`procedure_drafts`, last writer wins by server order, encrypted on the device), against the
real backend in-process (SQLite and PostgreSQL): 津山 花子 (dev-hanako) logs in on her phone
and her tablet, each with its own store and data key; a 児童手当 draft saved on the phone
resumes on the tablet with the same answers and the verified fields locked; an edit on the
tablet reaches the phone; a discard on the phone removes it from the tablet; and on the
tablet's disk the draft is never plain text."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.features.procedures.records import DRAFTS, Draft
from app.features.procedures.repository import BackendPeople, BackendProcedures, LocalProcedures
from app.features.procedures.state import FormSession, ProceduresState
from backend.tiles.procedures.definitions.importer import import_folder
from backend.tiles.procedures.settings import DEMO_DIR
from backend_client import BackendClient
from offline_store import (
    MemoryDataKeyStore,
    PublicStore,
    UserStore,
    open_public_store,
    open_user_store,
)
from offline_store.sync_engine import SyncEngine
from tests.contract.test_sync_streams_engine import signed_in
from tests.identity_helpers import BASE_URL, make_identity_app

pytestmark = pytest.mark.anyio

PROCEDURE = "child-allowance"
PHONE_NUMBER = "0868321234"
EDITED_NUMBER = "0868329876"
BANK = "津山信用金庫"
EDITED_BANK = "美作銀行"
VERIFIED = ("applicant_name", "applicant_address", "applicant_birthdate", "children")


class Device:
    """What the app's DeviceData gives a tile: the store and a version bumped on writes."""

    def __init__(self, store: UserStore) -> None:
        self.store: UserStore | None = store
        self.version = 0

    async def changed_locally(self) -> None:
        self.version += 1


class Public:
    def __init__(self, store: PublicStore) -> None:
        self.store: PublicStore | None = store
        self.version = 0


@dataclass
class Screen:
    """One of 花子's devices: its own login, stores (own data key), sync engine and the
    procedures state the screens render."""

    name: str
    store: UserStore
    public: PublicStore
    client: BackendClient
    sync: SyncEngine
    state: ProceduresState

    async def synced(self) -> None:
        report = await self.sync.sync_once()
        assert report.ok and report.rejected == 0, (self.name, report)
        await self.state.load()  # (the app's DeviceData bumps its version and reads again)
        await self.state.load_household()

    def drafts_of(self, procedure_id: str = PROCEDURE) -> list[Draft]:
        return [d for d in self.state.drafts if d.procedure_id == procedure_id]

    def resume(self, draft: Draft) -> FormSession:
        entry = self.state.entry(draft.procedure_id)
        assert entry is not None, f"{self.name}: {draft.procedure_id} not in the catalogue"
        session = self.state.open_form(entry, draft=draft)
        assert session is not None
        return session

    def close(self) -> None:
        self.store.close()
        self.public.close()


@pytest.fixture
def app(database_url: str) -> Iterator[FastAPI]:
    made = make_identity_app(database_url)
    report = import_folder(made.state.engine, made.state.settings.municipality_code, DEMO_DIR)
    assert not report.errors, report.errors
    yield made
    made.state.engine.dispose()


async def device_of(app: FastAPI, folder: Path, device_id: str) -> tuple[str, Screen]:
    """花子 logs in on `device_id` (the whole dev-IdP flow) and opens her store there."""
    common_id, token = await signed_in(app, "dev-hanako", device_id)
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    me = await client.me(await token())
    assert me.common_id == common_id and me.name == "津山 花子"
    store = open_user_store(folder, common_id, MemoryDataKeyStore(), device_id=device_id)
    public = open_public_store(folder, app.state.settings.municipality_code)

    def profile() -> dict[str, Any] | None:
        return me.raw

    repo = LocalProcedures(Public(public), Device(store),
                           BackendPeople(client, token, lambda: me.age), profile)
    state = ProceduresState(repo, BackendProcedures(client, token), _now(client))
    return common_id, Screen(device_id, store, public, client,
                             SyncEngine(store, client, token, public_store=public), state)


def _now(client: BackendClient) -> Callable[[], Any]:
    return client.server_clock.now


@pytest.fixture
async def devices(app: FastAPI, tmp_path: Path) -> Any:
    phone_id, phone = await device_of(app, tmp_path / "phone", "hanako-phone")
    tablet_id, tablet = await device_of(app, tmp_path / "tablet", "hanako-tablet")
    assert phone_id == tablet_id  # the same resident
    assert phone.store.path != tablet.store.path
    assert phone.store.client_id != tablet.store.client_id
    for screen in (phone, tablet):
        await screen.synced()
        assert screen.state.entry(PROCEDURE) is not None
        assert screen.state.household.minor_children  # 花子 is a parent of two children
    yield phone, tablet
    for screen in (phone, tablet):
        screen.close()
        await screen.client.aclose()


async def saved_on(screen: Screen, phone_number: str = PHONE_NUMBER,
                   bank: str = BANK) -> FormSession:
    """Opens 児童手当 on `screen`, types a phone number and a bank, saves the draft."""
    entry = screen.state.entry(PROCEDURE)
    assert entry is not None
    session = screen.state.open_form(entry)
    assert session is not None
    screen.state.set_value("phone", phone_number)
    screen.state.set_value("bank_name", bank)
    screen.state.set_value("account_type", "futsu")
    assert not session.errors, session.errors
    assert await screen.state.save_draft()
    return session


def verified_values(session: FormSession) -> dict[str, Any]:
    return {name: session.data.get(name) for name in VERIFIED}


async def test_a_draft_saved_on_the_phone_resumes_on_the_tablet(
        devices: tuple[Screen, Screen]) -> None:
    phone, tablet = devices
    written = await saved_on(phone)
    assert set(VERIFIED) <= written.locked
    await phone.state.load()
    [waiting] = phone.drafts_of()
    assert waiting.waiting  # 未送信 until the phone syncs
    await phone.synced()
    [sent] = phone.drafts_of()
    assert not sent.waiting and sent.id == written.draft_id

    assert tablet.drafts_of() == []  # nothing until the tablet syncs
    await tablet.synced()
    [arrived] = tablet.drafts_of()
    assert arrived.id == written.draft_id and not arrived.waiting
    assert (arrived.procedure_id, arrived.procedure_version) == (
        PROCEDURE, written.entry.version)
    assert arrived.data == sent.data
    assert arrived.data["phone"] == PHONE_NUMBER and arrived.data["bank_name"] == BANK

    resumed = tablet.resume(arrived)
    assert resumed.draft_id == written.draft_id
    assert resumed.data == written.data  # the same answers, the same verified values
    assert resumed.data["phone"] == PHONE_NUMBER and resumed.data["bank_name"] == BANK
    assert resumed.data["account_type"] == "futsu"
    # the pre-filled fields come from 花子's verified profile and stay locked
    assert set(VERIFIED) <= resumed.locked and set(VERIFIED) <= resumed.prefilled
    assert verified_values(resumed) == verified_values(written)
    assert resumed.data["applicant_name"] == "津山 花子"
    assert resumed.data["applicant_birthdate"] == "1986-07-03"
    assert resumed.data["applicant_address"]
    assert len(resumed.data["children"]) == 2
    tablet.state.set_value("applicant_name", "別人 なりすまし")  # a locked field
    assert resumed.data["applicant_name"] == "津山 花子"


async def test_an_edit_on_the_tablet_reaches_the_phone_and_the_later_write_wins(
        devices: tuple[Screen, Screen]) -> None:
    phone, tablet = devices
    written = await saved_on(phone)
    await phone.synced()
    await tablet.synced()
    [draft] = tablet.drafts_of()
    tablet.resume(draft)
    tablet.state.set_value("phone", EDITED_NUMBER)
    tablet.state.set_value("bank_name", EDITED_BANK)
    assert await tablet.state.save_draft()
    await tablet.synced()

    await phone.synced()
    [seen] = phone.drafts_of()
    assert seen.id == written.draft_id and not seen.waiting
    assert (seen.data["phone"], seen.data["bank_name"]) == (EDITED_NUMBER, EDITED_BANK)
    resumed = phone.resume(seen)
    assert (resumed.data["phone"], resumed.data["bank_name"]) == (EDITED_NUMBER, EDITED_BANK)
    assert verified_values(resumed) == verified_values(written)

    # Both edit the same draft offline: the phone first, the tablet a moment later. The
    # tablet's save reaches the server first, the phone's after it: the phone's is the last
    # by server order (not by the devices' clocks) and wins on both devices.
    phone.resume(seen)
    phone.state.set_value("bank_name", "スマホの銀行")
    assert await phone.state.save_draft()
    [latest] = tablet.drafts_of()
    tablet.resume(latest)
    tablet.state.set_value("bank_name", "タブレットの銀行")
    assert await tablet.state.save_draft()
    await tablet.synced()
    await phone.synced()
    await tablet.synced()
    for screen in (phone, tablet):
        [final] = screen.drafts_of()
        assert final.data["bank_name"] == "スマホの銀行", screen.name
        assert final.data["phone"] == EDITED_NUMBER and not final.waiting


async def test_a_draft_discarded_on_the_phone_is_gone_from_the_tablet(
        devices: tuple[Screen, Screen]) -> None:
    phone, tablet = devices
    await saved_on(phone)
    await phone.synced()
    await tablet.synced()
    [on_tablet] = tablet.drafts_of()
    [on_phone] = phone.drafts_of()
    assert on_phone.id == on_tablet.id
    assert await phone.state.discard_draft(on_phone)
    await phone.state.load()
    assert phone.drafts_of() == []  # gone at once on the phone
    await phone.synced()
    await tablet.synced()
    assert phone.drafts_of() == [] and tablet.drafts_of() == []
    assert tablet.store.read(DRAFTS, on_tablet.id) is None
    await phone.synced()  # and it does not come back
    assert phone.drafts_of() == []


def store_bytes(store: UserStore) -> bytes:
    """Every byte of the store on disk: the database file and its journal/WAL."""
    return b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*")
                    if p.is_file())


async def test_on_the_tablets_disk_the_draft_is_not_plain_text(
        devices: tuple[Screen, Screen]) -> None:
    phone, tablet = devices
    await saved_on(phone)
    await phone.synced()
    await tablet.synced()
    [draft] = tablet.drafts_of()
    tablet.resume(draft)
    tablet.state.set_value("phone", EDITED_NUMBER)
    assert await tablet.state.save_draft()  # a row and an outbox entry written on the tablet
    with sqlite3.connect(tablet.store.path) as raw:
        rows = raw.execute("SELECT key, data FROM local_record WHERE collection = ?",
                           (DRAFTS,)).fetchall()
        queued = raw.execute("SELECT args FROM outbox WHERE collection = ?",
                             (DRAFTS,)).fetchall()
    assert [r[0] for r in rows] == [draft.id] and len(queued) == 1  # really there
    for secret in (PHONE_NUMBER, EDITED_NUMBER, BANK):
        assert secret.encode() not in bytes(rows[0][1])
        assert secret.encode() not in bytes(queued[0][0])
    await tablet.synced()
    await phone.synced()
    for screen in (tablet, phone):
        on_disk = store_bytes(screen.store)
        assert on_disk  # the files exist
        for secret in (PHONE_NUMBER, EDITED_NUMBER, BANK):
            assert secret.encode() not in on_disk, (screen.name, secret)
