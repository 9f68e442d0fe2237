"""The procedures state with fake repositories: search and fit, whom one may apply for, the
pre-filled form, drafts saved and resumed, submitting (errors at their fields, then 未送信, then
the city's outcome), resubmitting after 差戻し, withdrawing, attachments and the QR code."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flet as ft
import pytest
from PIL import Image

from app.features.procedures.catalogue import Entry, Household, Person, entries_from
from app.features.procedures.ports import CatalogueRead, Handoff, Uploaded
from app.features.procedures.records import Draft, Submission, field_errors_from, submission_from
from app.features.procedures.state import (
    FIX_ERRORS,
    HANDOFF_OFFLINE,
    SUBMITTED,
    UPLOAD_OFFLINE,
    Load,
    ProceduresState,
)
from app.features.procedures.views import procedures_body
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendRejected, BackendUnavailable

pytestmark = pytest.mark.anyio

DEMO = Path(__file__).resolve().parents[2] / "assets" / "procedures" / "demo"
NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
ME = Person("self", None, "津山 太郎", "1986-04-01", "岡山県津山市山北520")
KID = Person("minor_child", "kid-1", "津山 一郎", "2019-05-01", "岡山県津山市山北520")
MUM = Person("delegator", "mum-1", "津山 ハル")


def rows() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DEMO.glob("*.json"))]


class FakeRepository:
    def __init__(self, household: Household | None = None) -> None:
        self.entries = entries_from(rows())
        self.household_read = household or Household(age=40, minor_children=(KID,),
                                                     delegators=(MUM,), known=True)
        self.drafts_rows: dict[str, dict[str, Any]] = {}
        self.submission_rows: dict[str, dict[str, Any]] = {}
        self.pending: set[str] = set()
        self.writes: list[tuple[str, str, str, dict[str, Any]]] = []
        self.version = 0
        self.me: Person | None = ME

    @property
    def signed_in(self) -> bool:
        return self.me is not None

    def stamp(self) -> object:
        return self.version

    def applicant(self) -> Person | None:
        return self.me

    async def catalogue(self) -> CatalogueRead:
        return CatalogueRead(self.entries, NOW)

    async def drafts(self) -> list[Draft]:
        return [Draft(key, r["procedure_id"], r["procedure_version"], r["data"],
                      r["attachments"], r.get("subject_id"), NOW, True)
                for key, r in self.drafts_rows.items()]

    async def submissions(self, now: datetime) -> list[Submission]:
        return [submission_from(k, r, waiting=k in self.pending)
                for k, r in self.submission_rows.items()]

    async def household(self) -> Household:
        return self.household_read

    async def save_draft(self, draft_id: str, row: dict[str, Any]) -> bool:
        self.drafts_rows[draft_id] = row
        self.writes.append(("procedure_drafts", draft_id, "save", row))
        self.version += 1
        return True

    async def discard_draft(self, draft_id: str) -> bool:
        self.drafts_rows.pop(draft_id, None)
        self.writes.append(("procedure_drafts", draft_id, "discard", {"id": draft_id}))
        self.version += 1
        return True

    async def stored_submission(self, submission_id: str) -> dict[str, Any]:
        return dict(self.submission_rows.get(submission_id, {}))

    async def write_submission(self, submission_id: str, row: dict[str, Any], name: str,
                               args: dict[str, Any]) -> bool:
        self.submission_rows[submission_id] = row
        self.pending.add(submission_id)
        self.writes.append(("procedure_submissions", submission_id, name, args))
        self.version += 1
        return True

    def server_decides(self, submission_id: str, **row: Any) -> None:
        """What the next sync brings: the server's row replaces the optimistic one."""
        self.submission_rows[submission_id] = {**self.submission_rows[submission_id], **row}
        self.pending.discard(submission_id)
        self.version += 1


class FakeOnline:
    def __init__(self) -> None:
        self.uploads: list[tuple[str, str, str, bytes]] = []
        self.codes = 0
        self.fail: Exception | None = None
        self.now = NOW

    async def upload(self, procedure_id: str, slot: str, name: str, content_type: str,
                     content: bytes) -> Uploaded:
        if self.fail is not None:
            raise self.fail
        self.uploads.append((procedure_id, slot, content_type, content))
        return Uploaded(f"att-{len(self.uploads)}", content_type, len(content))

    async def handoff(self, submission_id: str) -> Handoff:
        if self.fail is not None:
            raise self.fail
        self.codes += 1
        return Handoff(f"TPH1.H{self.codes}.{int((self.now + timedelta(minutes=10)).timestamp())}"
                       ".SIG", self.now + timedelta(minutes=10))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def loaded(repo: FakeRepository | None = None,
                 online: FakeOnline | None = None,
                 clock: Clock | None = None) -> tuple[ProceduresState, FakeRepository]:
    repo = repo or FakeRepository()
    ids = iter(f"sub-{n}" for n in range(1, 100))
    state = ProceduresState(repo, online or FakeOnline(), clock or Clock(),
                            make_id=lambda: next(ids))
    assert state.claim_load()
    await state.load()
    assert state.load_state is Load.LOADED
    assert not state.claim_load()  # nothing changed
    assert state.claim_household()
    await state.load_household()
    assert not state.claim_household()  # known now
    return state, repo


def entry(state: ProceduresState, procedure_id: str) -> Entry:
    found = state.entry(procedure_id)
    assert found is not None
    return found


def jpeg(exif: bool = True) -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    out = io.BytesIO()
    if exif:
        data = image.getexif()
        data[0x010F] = "SecretCam"  # Make
        image.save(out, format="JPEG", exif=data.tobytes())
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


# --- catalogue ------------------------------------------------------------------------------


async def test_search_and_life_events_over_the_loaded_catalogue() -> None:
    state, repo = await loaded()
    # a parent who acts for someone: both the child allowance and care fit, first
    assert {e.id for e in state.results()[:2]} == {"child-allowance",
                                                    "long-term-care-certification"}
    state.set_query("ｼﾞｭｳﾐﾝﾋｮｳ")
    assert [e.id for e in state.results()] == ["resident-record-copy"]
    state.set_query("")
    state.choose_life_event("opinion")
    assert [e.id for e in state.results()] == ["residents-voice"]
    state.choose_life_event("opinion")  # the same chip again: all
    assert len(state.results()) == len(repo.entries)
    repo.version += 1  # a sync landed
    assert state.claim_load()


async def test_the_for_whom_list_follows_the_definition_and_the_household() -> None:
    state, _ = await loaded()
    assert state.for_whom(entry(state, "child-allowance")) == [ME]
    assert state.for_whom(entry(state, "long-term-care-certification")) == [ME, MUM]
    minor = Entry(id="x", version=1, title={}, summary={}, keywords=(), life_events=(),
                  completion="online", for_whom=("minor_child",))
    assert state.for_whom(minor) == [KID]


# --- the form -------------------------------------------------------------------------------


async def test_the_form_is_prefilled_and_locked_from_the_verified_profile() -> None:
    state, _ = await loaded()
    session = state.open_form(entry(state, "child-allowance"))
    assert session is not None
    assert session.data["applicant_name"] == "津山 太郎"
    assert session.data["applicant_birthdate"] == "1986-04-01"
    assert session.data["children"] == [{"name": "津山 一郎", "birthdate": "2019-05-01"}]
    assert {"applicant_name", "applicant_address", "children"} <= session.locked
    state.set_value("applicant_name", "別人")  # a locked field does not change
    assert session.data["applicant_name"] == "津山 太郎"
    filled, required = session.progress()
    assert 0 < filled < required


async def test_choosing_a_delegator_changes_the_subject_prefill() -> None:
    state, _ = await loaded()
    session = state.open_form(entry(state, "long-term-care-certification"))
    assert session is not None and session.subject == ME
    assert session.data["subject_name"] == "津山 太郎"
    revision = session.revision
    state.set_value("insured_number", "1234567890")
    state.choose_subject(MUM)
    assert session.subject == MUM and session.revision > revision
    assert session.data["subject_name"] == "津山 ハル"
    assert "subject_birthdate" not in session.data  # not known for her: not carried over
    assert session.data["insured_number"] == "1234567890"  # what the resident typed stays
    state.choose_subject(KID)  # not allowed by this procedure: nothing changes
    assert session.subject == MUM


async def test_errors_appear_as_typed_and_clear_when_fixed() -> None:
    state, _ = await loaded()
    session = state.open_form(entry(state, "child-allowance"))
    assert session is not None
    state.set_value("phone", "abc")
    assert "phone" in session.errors
    state.set_value("phone", "0868322111")
    assert "phone" not in session.errors


async def test_a_draft_is_saved_and_resumed_with_verified_fields_restored() -> None:
    state, repo = await loaded()
    session = state.open_form(entry(state, "child-allowance"))
    assert session is not None
    state.set_value("phone", "0868322111")
    state.set_value("is_public_servant", False)
    assert await state.save_draft()
    collection, key, name, row = repo.writes[-1]
    assert (collection, name) == ("procedure_drafts", "save") and key == session.draft_id
    assert row["procedure_id"] == "child-allowance" and row["data"]["phone"] == "0868322111"
    # on another device, after sync: the draft is listed and resumes where it was
    repo.drafts_rows[key]["data"]["applicant_name"] = "書き換え"  # a tampered draft
    other, _ = await loaded(repo)  # (the household is read once per state)
    [draft] = other.drafts
    resumed = other.open_form(entry(other, "child-allowance"), draft=draft)
    assert resumed is not None and resumed.draft_id == key
    assert resumed.data["phone"] == "0868322111"
    assert resumed.data["applicant_name"] == "津山 太郎"  # locked: the verified value
    assert await other.discard_draft(draft)
    assert repo.writes[-1][2] == "discard" and other.session is None


async def test_submit_shows_every_error_first_and_sends_nothing() -> None:
    state, repo = await loaded()
    session = state.open_form(entry(state, "child-allowance"))
    assert session is not None
    assert await state.submit() is None
    assert repo.writes == []
    assert {"phone", "bank_name", "account_number", "attachment:bank-card"} <= set(
        session.errors)
    assert session.summary == FIX_ERRORS
    assert session.summary_params["count"] == str(len(session.errors))


def fill_copy_request(state: ProceduresState) -> None:
    state.set_value("copies", 2)
    state.set_value("purpose", "other")
    state.set_value("purpose_other", "パスポート申請")


async def test_submit_writes_pending_then_the_city_receives_it() -> None:
    state, repo = await loaded()
    session = state.open_form(entry(state, "resident-record-copy"), subject=MUM)
    assert session is not None and session.subject == MUM
    fill_copy_request(state)
    state.choose_fee_method("counter")
    assert session.fee_total() == 600
    sid = await state.submit()
    assert sid == "sub-1" and state.session is None
    assert state.message_on("/procedures/submissions/sub-1") == SUBMITTED
    assert state.message_on("/procedures") == ""  # said on the application's screen only
    collection, key, name, args = repo.writes[-1]
    assert (collection, key, name) == ("procedure_submissions", "sub-1", "submit")
    assert args["subject_id"] == "mum-1" and args["fee_method"] == "counter"
    assert args["data"]["copies"] == 2 and args["procedure_version"] >= 1
    await state.load()
    [shown] = state.submissions
    assert shown.status == "pending" and shown.waiting and shown.fee_amount == 600
    repo.server_decides("sub-1", status="counter", number="R2612-0001",
                        history=[{"at": NOW.isoformat(), "from": None, "to": "counter"}])
    assert state.claim_load()
    await state.load()
    [shown] = state.submissions
    assert (shown.status, shown.number, shown.waiting) == ("counter", "R2612-0001", False)
    assert shown.may_withdraw and not shown.may_resubmit
    assert shown.for_someone_else  # for ハル, a delegator


async def test_a_hidden_field_is_dropped_before_sending() -> None:
    state, repo = await loaded()
    state.open_form(entry(state, "resident-record-copy"))
    fill_copy_request(state)
    state.set_value("purpose", "bank")  # purpose_other is hidden now
    assert await state.submit() is not None
    assert "purpose_other" not in repo.writes[-1][3]["data"]


async def test_a_refused_submission_reopens_with_the_server_errors_at_the_fields() -> None:
    state, _ = await loaded()
    refused = Submission(
        id="sub-9", procedure_id="resident-record-copy", procedure_version=1,
        status="refused", data={"copies": 2, "purpose": "other"},
        refusal=("invalid_form", "入力に誤りがあります"),
        field_errors=tuple(field_errors_from(json.dumps({
            "message": "入力に誤りがあります", "errors": [
                {"field": "purpose_other", "code": "required",
                 "message_ja": "その他の目的を入力", "message_en": "Enter the purpose"}]}))))
    session = state.reopen_refused(refused)
    assert session is not None
    assert session.errors["purpose_other"].text(lambda m, **_: m, "ja") == "その他の目的を入力"
    assert session.summary_params["reason"] == "入力に誤りがあります"


async def test_a_returned_application_is_corrected_and_resubmitted() -> None:
    state, repo = await loaded()
    state.open_form(entry(state, "resident-record-copy"))
    fill_copy_request(state)
    sid = await state.submit()
    assert sid is not None
    repo.server_decides(sid, status="returned", number="R2612-0002", reason="枚数を確認",
                        fix_fields=["copies"])
    await state.load()
    returned = state.submission(sid)
    assert returned is not None and returned.may_resubmit
    session = state.open_resubmission(returned)
    assert session is not None and set(session.errors) == {"copies"}
    assert session.data["copies"] == 2 and session.summary_params["reason"] == "枚数を確認"
    state.set_value("copies", 1)
    assert await state.submit() == sid
    _, key, name, args = repo.writes[-1]
    assert (key, name) == (sid, "resubmit") and args["data"]["copies"] == 1
    assert set(args) == {"id", "data", "attachments"}


async def test_withdraw_only_an_open_confirmed_application() -> None:
    state, repo = await loaded()
    state.open_form(entry(state, "resident-record-copy"))
    fill_copy_request(state)
    sid = await state.submit()
    assert sid is not None
    await state.load()
    pending = state.submission(sid)
    assert pending is not None and not await state.withdraw(pending)  # not decided yet
    repo.server_decides(sid, status="received", number="R2612-0003")
    await state.load()
    received = state.submission(sid)
    assert received is not None and await state.withdraw(received)
    assert repo.writes[-1][2:] == ("withdraw", {"id": sid})
    assert repo.submission_rows[sid]["status"] == "withdrawn"


# --- attachments ----------------------------------------------------------------------------


async def test_an_attachment_is_checked_stripped_and_uploaded_online_only() -> None:
    online = FakeOnline()
    state, repo = await loaded(online=online)
    session = state.open_form(entry(state, "child-allowance"))
    assert session is not None
    photo = jpeg()
    assert not await state.attach("bank-card", "card.jpg", photo, online=False)
    assert session.errors["attachment:bank-card"].message == UPLOAD_OFFLINE
    assert repo.writes[-1][:3] == ("procedure_drafts", session.draft_id, "save")  # kept
    assert online.uploads == []
    assert not await state.attach("bank-card", "card.txt", b"hello", online=True)
    assert session.errors["attachment:bank-card"].code == "unknown_type"
    assert await state.attach("bank-card", "card.jpg", photo, online=True)
    [(_, slot, kind, sent)] = online.uploads
    assert (slot, kind) == ("bank-card", "image/jpeg")
    assert b"SecretCam" in photo and b"SecretCam" not in sent  # EXIF stripped
    assert session.attachments["bank-card"]["attachment_id"] == "att-1"
    assert "attachment:bank-card" not in session.errors
    online.fail = BackendRejected(415, "type not allowed", "invalid_attachment")
    assert not await state.attach("bank-card", "card.jpg", jpeg(False), online=True)
    assert session.errors["attachment:bank-card"].params["reason"] == "type not allowed"


# --- 書かない窓口 -------------------------------------------------------------------------


async def test_the_handoff_code_is_renewed_before_it_expires() -> None:
    online, clock = FakeOnline(), Clock()
    state, _ = await loaded(online=online, clock=clock)
    handoff = state.handoff_for("sub-1")
    assert handoff.needs_renewal(clock.now)
    assert await state.renew_handoff("sub-1", online=True)
    first = handoff.code
    assert first is not None and handoff.seconds_left(clock.now) == 600
    clock.now += timedelta(minutes=5)
    assert not handoff.needs_renewal(clock.now) and handoff.seconds_left(clock.now) == 300
    clock.now += timedelta(minutes=4, seconds=40)
    assert handoff.needs_renewal(clock.now)
    online.now = clock.now
    assert await state.renew_handoff("sub-1", online=True)
    assert handoff.code is not None and handoff.code.code != first.code
    assert handoff.seconds_left(clock.now) == 600


async def test_no_handoff_code_offline_or_when_refused() -> None:
    online = FakeOnline()
    state, _ = await loaded(online=online)
    assert not await state.renew_handoff("sub-1", online=False)
    assert state.handoff_for("sub-1").problem == HANDOFF_OFFLINE and online.codes == 0
    online.fail = BackendUnavailable("down")
    assert not await state.renew_handoff("sub-1", online=True)
    assert state.handoff_for("sub-1").problem == HANDOFF_OFFLINE
    online.fail = BackendRejected(409, "not at the counter", "wrong_status")
    assert not await state.renew_handoff("sub-1", online=True)
    handoff = state.handoff_for("sub-1")
    assert handoff.code is None and handoff.problem_params["reason"] == "not at the counter"
    state.close_handoff()
    assert state.handoff is None


async def test_nothing_is_written_when_nobody_is_signed_in() -> None:
    repo = FakeRepository()
    state, _ = await loaded(repo)
    repo.me = None
    assert state.open_form(entry(state, "child-allowance")) is None
    assert not await state.save_draft() and await state.submit() is None
    assert repo.writes == []


# --- the screens render what the state holds ------------------------------------------------


def screen(route: str, language: str = "ja", offline: bool = False) -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language=language))
    shell.navigate(route)
    assert shell.route == route  # the tile's own URLs are kept (sub_routes "*")
    if offline:
        shell.set_connection(False, "down")
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


def controls_of(tree: Any) -> list[Any]:
    found: list[Any] = []

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 60 or obj is None:
            return
        if isinstance(obj, list | tuple):
            for item in obj:
                walk(item, depth + 1)
            return
        if not isinstance(obj, ft.BaseControl):
            return
        found.append(obj)
        for attr in ("content", "controls", "label"):
            walk(getattr(obj, attr, None), depth + 1)

    walk(tree)
    return found


def words(tree: Any) -> str:
    return " ".join(str(v) for c in controls_of(tree) for v in (
        getattr(c, "value", None), getattr(c, "label", None)) if isinstance(v, str))


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_the_catalogue_screen_labels_the_fit_demo_and_counter(language: str) -> None:
    state, _ = await loaded()
    text = words(procedures_body(screen("/procedures", language), state))
    if language == "ja":
        assert "あなたに合う手続き" in text and "デモ" in text and "窓口" in text
        assert "児童手当の認定請求" in text and "引っ越し" in text
    else:
        assert "Suits you" in text and "Child allowance: application" in text


async def test_a_never_synced_device_says_so_plainly() -> None:
    repo = FakeRepository()
    repo.entries = []
    state, _ = await loaded(repo)
    assert "オンラインになると" in words(procedures_body(screen("/procedures"), state))


async def test_the_form_screen_shows_the_summary_and_the_fields() -> None:
    state, _ = await loaded()
    state.open_form(entry(state, "child-allowance"))
    assert await state.submit() is None
    text = words(procedures_body(screen("/procedures/child-allowance"), state))
    assert "か所を修正してください" in text and "申請を送信する" in text
    assert "津山 太郎" in text  # pre-filled


async def test_the_application_and_qr_screens() -> None:
    online = FakeOnline()
    state, repo = await loaded(online=online)
    state.open_form(entry(state, "resident-record-copy"))
    fill_copy_request(state)
    sid = await state.submit()
    assert sid is not None
    await state.load()
    assert "未送信" in words(procedures_body(screen(f"/procedures/submissions/{sid}"), state))
    repo.server_decides(sid, status="counter", number="R2612-0009")
    await state.load()
    text = words(procedures_body(screen(f"/procedures/submissions/{sid}"), state))
    assert "R2612-0009" in text and "窓口用QRコードを表示" in text and "取り下げる" in text
    await state.renew_handoff(sid, online=True)
    tree = procedures_body(screen(f"/procedures/handoff/{sid}"), state)
    assert "窓口でこのQRコードを職員に見せてください" in words(tree)
    images = [c for c in controls_of(tree) if isinstance(c, ft.Image)]
    assert len(images) == 1 and isinstance(images[0].src, bytes)
    assert images[0].src.startswith(b"\x89PNG")
    assert state.handoff is not None and state.handoff.code is not None
    assert state.handoff.code.code in words(tree)
    state.close_handoff()
    await state.renew_handoff(sid, online=False)
    offline = words(procedures_body(screen(f"/procedures/handoff/{sid}", offline=True), state))
    assert "インターネット接続が必要" in offline


async def test_every_screen_renders_and_encodes_in_a_headless_shell(tmp_path: Path) -> None:
    """The whole shell on a headless Flet session (each message encoded as the web socket
    would), on every procedures screen, signed in, with a loaded state."""
    import msgpack
    from flet.controls.base_control import BaseControl
    from flet.messaging.connection import Connection
    from flet.messaging.protocol import configure_encode_object_for_msgpack
    from flet.messaging.session import Session
    from flet.pubsub.pubsub_hub import PubSubHub

    from app.account.account_state import AccountState, LoginStatus
    from app.account.device_data import DeviceData
    from app.account.token_store import MemoryTokenStore
    from app.device.public_content import PublicContent
    from app.services import AppServices
    from app.shell.app_shell import PortalShell
    from app.shell.settings import MemorySettingsStore
    from backend_client import BackendClient, Me

    encode = configure_encode_object_for_msgpack(BaseControl)

    class Recording(Connection):
        def __init__(self) -> None:
            super().__init__()
            self.sent = 0
            self.pubsubhub = PubSubHub()

        def send_message(self, message: Any) -> None:
            msgpack.packb([message.action, message.body], default=encode)
            self.sent += 1

    connection = Recording()
    session = Session(connection)  # type: ignore[arg-type]
    msgpack.packb(session.get_page_patch(), default=encode)  # the client's first snapshot
    backend = BackendClient("http://127.0.0.1:9")
    public = PublicContent(tmp_path, backend)
    account = AccountState(backend, MemoryTokenStore())
    account.me = Me("resident-1", ME.name, "card", "resident", age=40, raw={"name": ME.name})
    account.status = LoginStatus.SIGNED_IN
    services = AppServices(backend, "http://127.0.0.1:9", account,
                           DeviceData(tmp_path, backend, kiosk=True, public=public), public)
    online = FakeOnline()
    state, repo = await loaded(online=online)
    services._feature_states["procedures:resident-1"] = state
    shell_state = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings())
    shell = PortalShell(session.page, shell_state, services, MemorySettingsStore())
    shell.run_task = lambda *a: None  # type: ignore[method-assign]
    state.open_form(entry(state, "resident-record-copy"), subject=MUM)
    fill_copy_request(state)
    sid = await state.submit()
    assert sid is not None
    repo.server_decides(sid, status="counter", number="R2612-0010",
                        history=[{"at": NOW.isoformat(), "from": None, "to": "counter"}])
    await state.load()
    await state.renew_handoff(sid, online=True)
    routes = ["/procedures", "/procedures/child-allowance", "/procedures/resident-record-copy",
              f"/procedures/submissions/{sid}", f"/procedures/handoff/{sid}",
              "/procedures/long-term-care-certification"]
    for route in routes:
        shell_state.navigate(route)
        before = connection.sent
        shell.render()
        view = session.page.views[-1]
        assert view.key == f"view:{route}"
        assert connection.sent > before
        shell.render()  # a re-render of the same screen encodes too
