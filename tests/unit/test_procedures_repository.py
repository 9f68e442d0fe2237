"""The procedures repository against real device stores: the pulled catalogue with its age,
drafts and submissions written with their outbox entries (encrypted at rest), the server's
outcome (a number, or a refusal with field errors rebuilt from the refused mutation), and
how "この端末のデータ" names the pending writes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.features.procedures.catalogue import Household, Person
from app.features.procedures.repository import LocalProcedures, applicant_from, describe_change
from app.features.procedures.state import ProceduresState
from offline_store import (
    MemoryDataKeyStore,
    PublicStore,
    UserStore,
    open_public_store,
    open_user_store,
)

pytestmark = pytest.mark.anyio

DEMO = Path(__file__).resolve().parents[2] / "assets" / "procedures" / "demo"
PROFILE = {"name": "津山 太郎", "address": "岡山県津山市山北520", "birthdate": "1986-04-01"}
KID = Person("minor_child", "kid-1", "津山 一郎", "2019-05-01", "岡山県津山市山北520")


class Device:
    def __init__(self, store: UserStore | None) -> None:
        self.store = store
        self.version = 0

    async def changed_locally(self) -> None:
        self.version += 1


class Public:
    def __init__(self, store: PublicStore | None) -> None:
        self.store = store
        self.version = 0


class People:
    def __init__(self) -> None:
        self.reads = 0

    async def household(self) -> Household:
        self.reads += 1
        return Household(age=40, minor_children=(KID,), known=True)


class NoNetwork:
    async def upload(self, *args: Any) -> Any:
        raise AssertionError("no upload in these tests")

    async def handoff(self, submission_id: str) -> Any:
        raise AssertionError("no handoff in these tests")


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[UserStore, PublicStore]]:
    user = open_user_store(tmp_path, "resident-1", MemoryDataKeyStore(), ephemeral=True,
                           device_id="dev")
    public = open_public_store(tmp_path, "336203")
    yield user, public
    user.close()
    public.close()


def pull_catalogue(public: PublicStore, rows: list[Mapping[str, Any]]) -> None:
    public.apply_changes("public", [
        {"position": n, "collection": "procedures", "key": str(r.get("id") or f"bad-{n}"),
         "op": "upsert", "data": r} for n, r in enumerate(rows, start=1)], len(rows))


def demo_rows() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DEMO.glob("*.json"))]


def repository(user: UserStore | None, public: PublicStore | None,
               profile: Mapping[str, Any] | None = PROFILE) -> LocalProcedures:
    return LocalProcedures(Public(public), Device(user), People(), lambda: profile)


async def test_the_catalogue_comes_from_the_public_store_with_its_age(
        stores: tuple[UserStore, PublicStore]) -> None:
    user, public = stores
    repo = repository(user, public)
    never = await repo.catalogue()
    assert never.entries == [] and never.synced_at is None and never.available
    pull_catalogue(public, [*demo_rows(), {"id": "broken", "version": "x"}])
    read = await repo.catalogue()
    assert {e.id for e in read.entries} == {r["id"] for r in demo_rows()}  # broken skipped
    assert read.synced_at is not None
    closed = await repository(user, None).catalogue()
    assert not closed.available


async def test_a_draft_is_encrypted_on_the_device_and_queued(
        stores: tuple[UserStore, PublicStore]) -> None:
    user, public = stores
    repo = repository(user, public)
    row = {"id": "d-1", "procedure_id": "child-allowance", "procedure_version": 1,
           "subject_id": None, "data": {"phone": "0868322111", "bank_name": "津山信金"},
           "attachments": []}
    assert await repo.save_draft("d-1", row)
    [draft] = await repo.drafts()
    assert draft.data["bank_name"] == "津山信金" and draft.waiting
    [entry] = user.outbox()
    assert (entry.collection, entry.name, entry.args) == ("procedure_drafts", "save", row)
    assert describe_change(entry) == ("A procedure draft saved", {})
    with sqlite3.connect(user.path) as raw:
        stored = b"".join(bytes(r[0]) for r in raw.execute(
            "SELECT data FROM local_record WHERE collection = 'procedure_drafts'"))
        queued = b"".join(bytes(r[0]) for r in raw.execute("SELECT args FROM outbox"))
    assert "津山信金".encode() not in stored and "津山信金".encode() not in queued
    assert await repo.discard_draft("d-1")
    assert await repo.drafts() == []
    assert user.outbox()[-1].name == "discard"


async def test_a_submission_shows_pending_then_the_citys_number(
        stores: tuple[UserStore, PublicStore]) -> None:
    user, public = stores
    pull_catalogue(public, demo_rows())
    repo = repository(user, public)
    state = ProceduresState(repo, NoNetwork(), lambda: datetime.now(UTC),
                            make_id=lambda: "sub-1")
    await state.load()
    entry = state.entry("resident-record-copy")
    assert entry is not None
    state.open_form(entry)
    state.set_value("copies", 1)
    state.set_value("purpose", "bank")
    assert await state.submit() == "sub-1"
    await state.load()
    [pending] = state.submissions
    assert pending.status == "pending" and pending.waiting
    [sent] = user.outbox()
    assert describe_change(sent) == ("An application sent", {})
    # the sync: the server accepts and its row arrives in the personal stream
    user.mark_results([{"mutation_id": sent.mutation_id, "status": "applied"}])
    user.apply_changes("main", [{"position": 1, "collection": "procedure_submissions",
                                 "key": "sub-1", "op": "upsert", "data": {
                                     **sent.args, "status": "counter", "number": "R2612-0001",
                                     "fee": {"amount_yen": 300, "method": "points",
                                             "paid_at": None},
                                     "history": [{"at": "2026-12-04T03:00:00+00:00",
                                                  "from": None, "to": "counter"}]}}], 1)
    await state.load()
    [done] = state.submissions
    assert (done.status, done.number, done.waiting) == ("counter", "R2612-0001", False)
    assert done.fee_due and [h.to_status for h in done.history] == ["counter"]


async def test_a_refused_submission_is_kept_with_its_reason_and_field_errors(
        stores: tuple[UserStore, PublicStore]) -> None:
    user, public = stores
    repo = repository(user, public)
    args = {"id": "sub-2", "procedure_id": "resident-record-copy", "procedure_version": 1,
            "data": {"copies": 1}, "attachments": []}
    assert await repo.write_submission("sub-2", {**args, "status": "pending"}, "submit", args)
    [sent] = user.outbox()
    detail = json.dumps({"message": "入力内容を確認してください", "errors": [
        {"field": "purpose", "code": "required", "message_ja": "目的を選んでください",
         "message_en": "Choose the purpose"}]}, ensure_ascii=False)
    user.mark_results([{"mutation_id": sent.mutation_id, "status": "rejected",
                        "error": {"code": "invalid_form", "message": detail}}])
    [refused] = await repo.submissions(datetime.now(UTC))
    assert refused.status == "refused" and refused.refusal == (
        "invalid_form", "入力内容を確認してください")
    assert [(e.field, e.text(lambda m, **_: m, "ja")) for e in refused.field_errors] == [
        ("purpose", "目的を選んでください")]
    assert refused.data == {"copies": 1}


async def test_a_cut_short_refusal_still_names_its_fields(
        stores: tuple[UserStore, PublicStore]) -> None:
    user, public = stores
    repo = repository(user, public)
    args = {"id": "sub-3", "procedure_id": "x", "procedure_version": 1, "data": {}}
    await repo.write_submission("sub-3", dict(args), "submit", args)
    [sent] = user.outbox()
    cut = '{"message": "bad", "errors": [{"field": "copies", "code": "minimum", "message_ja'
    user.mark_results([{"mutation_id": sent.mutation_id, "status": "rejected",
                        "error": {"code": "invalid_form", "message": cut}}])
    [refused] = await repo.submissions(datetime.now(UTC))
    assert [e.field for e in refused.field_errors] == ["copies"]


async def test_signed_out_nothing_is_read_or_written(
        stores: tuple[UserStore, PublicStore]) -> None:
    _, public = stores
    repo = repository(None, public, profile=None)
    assert not repo.signed_in and repo.applicant() is None
    assert await repo.drafts() == [] and await repo.submissions(datetime.now(UTC)) == []
    assert await repo.household() == Household()
    assert not await repo.save_draft("d", {})
    assert not await repo.write_submission("s", {}, "submit", {})


def test_the_applicant_is_the_verified_profile() -> None:
    me = applicant_from(PROFILE)
    assert me is not None and (me.name, me.address, me.birthdate) == (
        "津山 太郎", "岡山県津山市山北520", "1986-04-01")
    assert applicant_from(None) is None and applicant_from({"name": 3}) is None


def test_pending_writes_are_named_on_device_data() -> None:
    class Entry:
        def __init__(self, collection: str, name: str) -> None:
            self.collection, self.name = collection, name

    assert describe_change(Entry("procedure_submissions", "resubmit")) == (
        "A corrected application sent", {})
    assert describe_change(Entry("procedure_submissions", "withdraw")) == (
        "An application withdrawn", {})
    assert describe_change(Entry("bulky_waste", "book")) is None


# --- the wiring: one state per resident, reads started by prepare, never by the view ------


def test_prepare_starts_the_reads_and_the_qr_loop_once(tmp_path: Path) -> None:
    from app.account.account_state import AccountState, LoginStatus
    from app.account.device_data import DeviceData
    from app.account.token_store import MemoryTokenStore
    from app.device.public_content import PublicContent
    from app.features.procedures import FEATURE
    from app.features.procedures.wiring import build_view, prepare, procedures_state
    from app.services import AppServices
    from app.shell.context import ViewContext
    from app.shell.feature_spec import Mode
    from app.shell.registry import FeatureRegistry
    from app.shell.settings import Settings
    from app.shell.state import ShellState
    from backend_client import BackendClient, Me

    backend = BackendClient("http://127.0.0.1:9")
    public = PublicContent(tmp_path, backend)
    account = AccountState(backend, MemoryTokenStore())
    account.me = Me("resident-1", "津山 太郎", "card", "resident", age=40,
                    raw={**PROFILE, "common_id": "resident-1"})
    account.status = LoginStatus.SIGNED_IN
    services = AppServices(backend, "http://127.0.0.1:9", account,
                           DeviceData(tmp_path, backend, kiosk=True, public=public), public)
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings())
    scheduled: list[tuple[Any, ...]] = []
    ctx = ViewContext.for_state(shell, lambda r: None, lambda *a: scheduled.append(a), services)
    assert FEATURE.built and FEATURE.describe_change is describe_change
    shell.navigate("/procedures")
    loading = build_view(ctx)
    assert [getattr(c, "key", None) for c in loading] == ["loading"]
    assert not scheduled  # rendering never starts a read
    prepare(ctx)
    prepare(ctx)
    assert [a[0].__name__ for a in scheduled] == ["_load", "_load_household"]
    state = procedures_state(ctx)
    assert state is procedures_state(ctx) and state.signed_in is False  # no store yet
    shell.navigate("/procedures/handoff/sub-1")
    assert shell.route == "/procedures/handoff/sub-1"
    prepare(ctx)
    prepare(ctx)
    assert [a[0].__name__ for a in scheduled[2:]] == ["_keep_code_fresh"]
    assert shell.back_route() == "/procedures"
