"""The procedures staff client and screens' states (`ProceduresStaffClient`,
`BackendProceduresStaff`, `ReviewState`, `CounterState`) against the real backend in-process,
on SQLite (the routes' SQL
runs on PostgreSQL in the backend tests): a department's list and detail with labels, an attachment
download, status moves and their refusals; at the 書かない窓口 counter the scan (typed in
any case, forged, replayed, another department, another resident while one is open), the
identity check before the PDF, the PDF and completing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.features.procedures.staff.counter_state import CounterState
from app.features.procedures.staff.repository import BackendProceduresStaff
from app.features.procedures.staff.review_state import ACTIONS_AT, ReviewState
from app.features.procedures.staff.state import Load
from backend.identity.access_tokens import issue_access_token
from backend.models import Person
from backend_client import BackendClient, BackendRejected
from backend_client.procedures_staff import ProceduresStaffClient
from tests.backend.asgi_client import asgi_client
from tests.backend.procedure_helpers import (
    CHILD_ALLOWANCE,
    Device,
    applied,
    attachment_ref,
    child_allowance_data,
    demo_body,
    hanako,
    load_demo,
    staff,
    taro,
    uploaded,
)
from tests.backend.test_procedure_handoff import changed, issued_code, submit

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


@dataclass
class Saved:
    files: list[tuple[str, bytes]] = field(default_factory=list)

    async def __call__(self, name: str, data: bytes) -> None:
        self.files.append((name, data))


class DemoStore:
    """The device's public store holding the demo definitions (`procedures` rows)."""

    def read(self, collection: str, key: str) -> Any:
        assert collection == "procedures"
        try:
            return SimpleNamespace(data=demo_body(key))
        except FileNotFoundError:
            return None


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI]) -> FastAPI:
    made: FastAPI = make_app(database_url)
    load_demo(made)
    return made


def source_for(app: FastAPI, client: BackendClient, person: Person) -> BackendProceduresStaff:
    token = issue_access_token(app.state.signing_key, app.state.settings.issuer, person.id)

    async def fixed() -> str:
        return token

    return BackendProceduresStaff(client, fixed, lambda: DemoStore())


def backend_client(app: FastAPI) -> BackendClient:
    return BackendClient("http://backend.test", transport=httpx.ASGITransport(app=app))


async def test_review_list_detail_download_and_moves(app: FastAPI) -> None:
    parent = hanako(app)
    async with asgi_client(app) as http:
        meta = await uploaded(http, app, parent)
        made = applied(await Device(http, app, parent).submit(
            CHILD_ALLOWANCE, child_allowance_data(), attachments=[attachment_ref(meta)]))
    clerk = staff(app, "children", "職員 こども")
    client = backend_client(app)
    saved = Saved()
    state = ReviewState(source_for(app, client, clerk), "children", saved)
    try:
        await state.load_list()
        assert state.list_load is Load.LOADED, state.list_refusal
        assert [(r.id, r.status, r.applicant_name) for r in state.rows] == [
            (made["id"], "received", "津山 花子")]
        assert state.title_of(state.rows[0]).ja == "児童手当の認定請求"

        state.open(made["id"])
        assert state.claim_detail_load()
        await state.load_detail()
        assert state.detail is not None, state.detail_refusal
        labels = {line.field: line.label.ja for line in state.lines()}
        assert labels["bank_name"] == "金融機関名" and labels["applicant_name"] == "氏名"
        assert [h.to_status for h in state.detail.history] == ["received"]

        assert await state.download_attachment(meta["attachment_id"])
        assert saved.files[0][1].startswith(b"\xff\xd8")  # the stored JPEG

        # Refused by the screen: no reason. Refused by the city: a field it does not know.
        assert not await state.move("rejected")
        assert state.outcome is not None and state.outcome.refusal is not None
        assert state.outcome.refusal.code == "no_reason"
        state.set_reason("口座の名義が読めません")
        state.set_fix_field("account_holder_kana", True)
        assert await state.move("returned"), state.outcome
        assert state.detail.status == "returned"
        assert state.detail.fix_fields == ("account_holder_kana",)
        assert state.detail.reason == "口座の名義が読めません"
        assert [r.status for r in state.rows] == ["returned"]
        assert state.outcome_for(made["id"], ACTIONS_AT) is not None
        assert state.moves() == ()

        # The client straight: a move the flow does not allow is the backend's 409.
        with pytest.raises(BackendRejected) as wrong:
            await ProceduresStaffClient(client).move(
                issue_access_token(app.state.signing_key, app.state.settings.issuer,
                                   clerk.id), made["id"], to="completed")
        assert wrong.value.status_code == 409 and wrong.value.code == "wrong_move"

        # Another department's clerk: 403 for the department, 404 for the submission.
        other = ReviewState(source_for(app, client, staff(app, "citizens")), "children",
                            Saved())
        await other.load_list()
        assert other.list_refusal is not None
        assert other.list_refusal.code == "outside_staff_scope"
        other.open(made["id"])
        await other.load_detail()
        assert other.detail is None and other.detail_refusal is not None
        assert other.detail_refusal.code == "not_found"
    finally:
        await client.aclose()


async def test_the_counter_scan_identity_pdf_and_complete(app: FastAPI) -> None:
    resident = hanako(app)
    other_resident = taro(app)
    first = submit(app, resident)
    clerk = staff(app, "citizens", "職員 さくら")
    client = backend_client(app)
    saved = Saved()
    state = CounterState(source_for(app, client, clerk), "citizens", saved)
    async with asgi_client(app) as http:
        code = await issued_code(http, app, resident, first)
        try:
            state.set_code_text("TPH1.nonsense")
            assert not await state.scan_typed()
            assert state.scan_refusal is not None
            assert state.scan_refusal.code == "malformed_code"
            assert not await state.scan(changed(code, len(code) - 1))
            assert state.scan_refusal.code == "handoff_forged"

            # Another department's clerk: refused, and the code stays valid.
            elsewhere = CounterState(source_for(app, client, staff(app, "children")),
                                     "children", Saved())
            assert not await elsewhere.scan(code)
            assert elsewhere.scan_refusal is not None
            assert elsewhere.scan_refusal.code == "outside_staff_scope"

            # Typed in lower case with spaces: read.
            state.set_code_text(f" {code[:20].lower()} {code[20:]} ")
            assert await state.scan_typed(), state.scan_refusal
            item = state.items[0]
            assert state.resident_name == "津山 花子"
            assert item.submission.applicant_birthdate is not None
            assert item.submission.applicant_birthdate.isoformat() == "1986-07-03"
            assert item.title.ja and item.lines, item
            assert not await state.scan(code)
            assert state.scan_refusal.code == "handoff_replayed"

            # Another resident's code while 花子's form is open: refused by the screen.
            second = submit(app, other_resident)
            other_code = await issued_code(http, app, other_resident, second)
            assert not await state.scan(other_code)
            assert state.scan_refusal == state.scan_refusal.__class__(
                "handoff_other_resident", "app")
            assert [i.id for i in state.items] == [first]

            # The PDF waits for the identity check (the screen, and the city too).
            assert not await state.save_pdf(first)
            with pytest.raises(BackendRejected) as early:
                await ProceduresStaffClient(client).pdf(
                    issue_access_token(app.state.signing_key, app.state.settings.issuer,
                                       clerk.id), first, "x.pdf")
            assert early.value.code == "identity_check_required"
            state.set_document(first, "my_number_card")
            assert await state.check_identity(first, True), item.outcome
            assert await state.save_pdf(first), item.outcome
            name, pdf = saved.files[-1]
            assert pdf.startswith(b"%PDF") and name.endswith(".pdf")
            assert await state.complete(first), item.outcome
            assert item.submission.status == "completed" and item.finished

            # 花子 is done: the next resident, with a new code (the first one was used).
            fresh = await issued_code(http, app, other_resident, second)
            assert await state.scan(fresh), state.scan_refusal
            assert [i.id for i in state.items] == [second]
            # The person at the counter is not 太郎: the code is void, nothing printed.
            assert await state.check_identity(second, False)
            assert state.items[0].identity == "not_matching"
            assert not await state.save_pdf(second)
            state.clear()
            assert not await state.scan(fresh)
            assert state.scan_refusal is not None
            assert state.scan_refusal.code == "handoff_replayed"
        finally:
            await client.aclose()
