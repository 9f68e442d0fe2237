"""The procedures tile on a device against the real backend in-process (SQLite; the routes'
SQL runs on PostgreSQL in the backend tests): the catalogue pulled into the public store, a
submission made offline and decided on sync (受付番号, or a refusal whose field errors reach
the fields), 差戻し and the resubmission, withdrawal, an attachment uploaded without its
EXIF, the 書かない窓口 code, and the fee paid with points through the points tile's API."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.features.points.api import FeePayment
from app.features.procedures.catalogue import Household
from app.features.procedures.repository import BackendProcedures, LocalProcedures
from app.features.procedures.state import ProceduresState
from backend.tiles.procedures.definitions.importer import import_folder
from backend.tiles.procedures.settings import DEMO_DIR
from backend_client import BackendClient, BackendRejected
from backend_client.procedures import ProceduresClient, handoff_expiry
from offline_store import MemoryDataKeyStore, open_public_store, open_user_store
from offline_store.sync_engine import SyncEngine
from tests.backend.people import bearer, make_person
from tests.backend.points_payment_helpers import PIN, give_points, points_of, with_pin
from tests.backend.procedure_helpers import jpeg_bytes
from tests.identity_helpers import BASE_URL

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


class Device:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.version = 0

    async def changed_locally(self) -> None:
        self.version += 1


class Public:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.version = 0


class NoPeople:
    async def household(self) -> Household:
        return Household(age=40, known=True)


@dataclass
class Phone:
    app: FastAPI
    client: BackendClient
    state: ProceduresState
    sync: SyncEngine
    token: Callable[[], Awaitable[str]]
    person: Any

    async def synced(self) -> None:
        report = await self.sync.sync_once()
        assert report.ok, report
        await self.state.load()  # (the app's DeviceData bumps its version and reads again)


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI]) -> FastAPI:
    made = make_app(database_url)
    report = import_folder(made.state.engine, made.state.settings.municipality_code, DEMO_DIR)
    assert not report.errors, report.errors
    return made


def phone_of(app: FastAPI, tmp_path: Path) -> Phone:
    person = make_person(app, name="津山 花子", birthdate=date(1990, 7, 15),
                         address="岡山県津山市山北520")
    token_text = bearer(app, person)["Authorization"].removeprefix("Bearer ")

    async def token() -> str:
        return token_text

    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    store = open_user_store(tmp_path, person.id, MemoryDataKeyStore(), ephemeral=True,
                            device_id="phone")
    public = open_public_store(tmp_path, app.state.settings.municipality_code)
    profile = {"name": person.name, "address": person.address, "birthdate": "1990-07-15"}
    repo = LocalProcedures(Public(public), Device(store), NoPeople(), lambda: profile)
    state = ProceduresState(repo, BackendProcedures(client, token), lambda: datetime.now(UTC))
    return Phone(app, client, state, SyncEngine(store, client, token, public_store=public),
                 token, person)


async def counter_submission(phone: Phone, fee_method: str = "counter") -> str:
    state = phone.state
    entry = state.entry("resident-record-copy")
    assert entry is not None
    session = state.open_form(entry)
    assert session is not None
    state.set_value("copies", 2)
    state.set_value("purpose", "bank")
    state.choose_fee_method(fee_method)
    sid = await state.submit()
    assert sid is not None
    return sid


async def test_a_counter_submission_gets_its_number_and_a_handoff_code(
        app: FastAPI, tmp_path: Path) -> None:
    phone = phone_of(app, tmp_path)
    await phone.synced()
    assert {"child-allowance", "resident-record-copy"} <= {e.id for e in phone.state.entries}
    assert phone.state.synced_at is not None
    sid = await counter_submission(phone)
    await phone.state.load()
    [pending] = phone.state.submissions
    assert pending.status == "pending" and pending.waiting  # not sent yet
    await phone.synced()
    [shown] = phone.state.submissions
    assert shown.status == "counter" and shown.number and not shown.waiting
    assert shown.fee_amount == 600 and shown.fee_method == "counter"
    assert [h.to_status for h in shown.history][-1] == "counter"
    assert not shown.for_someone_else and shown.history[-1].by == "resident"
    assert await phone.state.renew_handoff(sid, online=True)
    handoff = phone.state.handoff_for(sid)
    assert handoff.code is not None and handoff.code.code.startswith("TPH1.")
    assert handoff_expiry(handoff.code.code) == handoff.code.expires_at.replace(microsecond=0)
    assert handoff.seconds_left(handoff.code.expires_at - timedelta(minutes=4)) == 240
    # another resident cannot have a code for it
    other = phone_of(app, tmp_path / "other")
    with pytest.raises(BackendRejected) as refused:
        await ProceduresClient(other.client).handoff_code(await other.token(), sid)
    assert refused.value.status_code == 404


async def test_a_refusal_brings_its_field_errors_back_to_the_form(
        app: FastAPI, tmp_path: Path) -> None:
    phone = phone_of(app, tmp_path)
    await phone.synced()
    # what an older app might send: a copy count the definition does not allow
    repo = phone.state._repo  # the device's own store, as the app writes it
    args = {"id": str(uuid.uuid4()), "procedure_id": "resident-record-copy",
            "procedure_version": 1, "data": {"copies": 0, "purpose": "bank"},
            "attachments": [], "fee_method": "counter"}
    assert await repo.write_submission(args["id"], {**args, "status": "pending"}, "submit",
                                       args)
    await phone.synced()
    [refused] = phone.state.submissions
    assert refused.status == "refused" and refused.refusal is not None
    assert refused.refusal[0] == "invalid_form"
    assert "copies" in {e.field for e in refused.field_errors}
    session = phone.state.reopen_refused(refused)
    assert session is not None and "copies" in session.errors
    assert session.errors["copies"].text(lambda m, **_: m, "ja")  # the server's Japanese


async def care_submission(phone: Phone) -> str:
    """An online procedure (審査: the care department decides)."""
    state = phone.state
    entry = state.entry("long-term-care-certification")
    assert entry is not None
    session = state.open_form(entry)
    assert session is not None
    for name, value in {"insured_number": "0123456789", "application_kind": "new",
                        "current_situation": "home", "doctor_name": "山田 医師",
                        "clinic_name": "津山医院", "contact_name": "津山 太郎",
                        "contact_relationship": "知人", "contact_phone": "0868111111"}.items():
        state.set_value(name, value)
    sid = await state.submit()
    assert sid is not None, session.errors
    return sid


async def test_returned_then_resubmitted_then_withdrawn(app: FastAPI, tmp_path: Path) -> None:
    phone = phone_of(app, tmp_path)
    await phone.synced()
    sid = await care_submission(phone)
    await phone.synced()
    received = phone.state.submission(sid)
    assert received is not None and received.status == "received" and received.number
    clerk = make_person(app, role="staff", name="職員 さくら", departments=("care",))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE_URL) as http:
        moved = await http.post(f"/staff/procedures/submissions/{sid}/status",
                                headers=bearer(app, clerk),
                                json={"to": "returned", "reason": "番号をご確認ください",
                                      "fix_fields": ["insured_number"]})
    assert moved.status_code == 200, moved.text
    await phone.synced()
    returned = phone.state.submission(sid)
    assert returned is not None and returned.status == "returned"
    assert returned.reason == "番号をご確認ください"
    assert returned.fix_fields == ("insured_number",)
    session = phone.state.open_resubmission(returned)
    assert session is not None and set(session.errors) == {"insured_number"}
    phone.state.set_value("insured_number", "0123456780")
    assert await phone.state.submit() == sid
    await phone.synced()
    again = phone.state.submission(sid)
    assert again is not None and again.status == "received" and not again.fix_fields
    assert "returned" in [h.to_status for h in again.history]
    assert await phone.state.withdraw(again)
    await phone.synced()
    gone = phone.state.submission(sid)
    assert gone is not None and gone.status == "withdrawn" and not gone.may_withdraw


async def test_an_attachment_is_uploaded_without_its_exif(app: FastAPI, tmp_path: Path) -> None:
    phone = phone_of(app, tmp_path)
    await phone.synced()
    entry = phone.state.entry("child-allowance")
    assert entry is not None
    session = phone.state.open_form(entry)
    assert session is not None
    photo = jpeg_bytes()
    assert await phone.state.attach("bank-card", "card.jpg", photo, online=True)
    added = session.attachments["bank-card"]
    assert added["content_type"] == "image/jpeg" and added["attachment_id"]
    assert added["size"] > 0
    # a file of another type than the slot allows is refused by the server too
    with pytest.raises(BackendRejected) as refused:
        await ProceduresClient(phone.client).upload_attachment(
            await phone.token(), procedure_id="child-allowance", slot="bank-card",
            name="a.txt", content_type="text/plain", content=b"not a picture")
    assert 400 <= refused.value.status_code < 500


async def test_the_fee_is_paid_with_points_through_the_points_api(
        app: FastAPI, tmp_path: Path) -> None:
    phone = phone_of(app, tmp_path)
    await phone.synced()
    sid = await counter_submission(phone, fee_method="points")
    await phone.synced()
    procedures = ProceduresClient(phone.client)

    async def pay(submission_id: str, pin: str, key: str) -> dict[str, Any]:
        return await procedures.pay_fee_with_points(await phone.token(), submission_id,
                                                    pin=pin, idempotency_key=key)

    fees = FeePayment(None, pay=pay)  # type: ignore[arg-type]
    fees.start(sid)
    fees.set_pin(sid, PIN)
    assert not await fees.pay(sid, online=True)
    assert fees.refusals[sid].code == "pin_not_set"
    give_points(app, phone.person, 1000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE_URL) as http:
        await with_pin(http, app, phone.person)
    fees.set_pin(sid, PIN)
    assert await fees.pay(sid, online=True)
    assert fees.receipts[sid].amount == 600 and fees.receipts[sid].balance_after == 400
    assert points_of(app, phone.person) == 400
    await phone.synced()
    paid = phone.state.submission(sid)
    assert paid is not None and paid.fee_paid_at is not None and not paid.fee_due
    fees.set_pin(sid, PIN)
    assert not await fees.pay(sid, online=True)
    assert fees.refusals[sid].code == "already_paid"
    assert points_of(app, phone.person) == 400
    offline = FeePayment(None, pay=pay)  # type: ignore[arg-type]
    offline.set_pin(sid, PIN)
    assert not await offline.pay(sid, online=False)
    assert offline.refusals[sid].code == "needs_network"
