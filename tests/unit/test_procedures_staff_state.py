"""The procedures staff screens (review and the 書かない窓口 counter) in plain Python with a
fake source: filters and order, labels from the definition, status moves with their reason
checks and the outcome where the clerk pressed, downloads, handoff-code refusals in
Japanese, one resident at a time at the counter, and the identity check before the PDF."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.features.procedures.forms.definition import ProcedureDefinition, parse_definition
from app.features.procedures.staff.counter_state import COMPLETE, IDENTITY, PDF, CounterState
from app.features.procedures.staff.review_state import (
    ACTIONS_AT,
    ReviewState,
    attachment_at,
)
from app.features.procedures.staff.state import Load, Refusal, field_lines, normalise_code
from app.features.procedures.staff.views import counter_body, review_body
from app.features.procedures.staff.views.common import REFUSALS, refusal_text
from app.features.procedures.staff.wiring import STAFF_SCREENS
from app.i18n.translator import load_translator
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendRejected, BackendUnavailable
from backend_client.procedures_staff import (
    DownloadedFile,
    IdentityResult,
    StaffSubmission,
    SubmissionPage,
)
from tests.unit.test_views_build import texts
from tests.unit.test_waste_screens import walk

pytestmark = pytest.mark.anyio

DEMO = Path(__file__).resolve().parents[2] / "assets" / "procedures" / "demo"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CODE = "TPH1." + "A" * 26 + ".1798000000." + "B" * 26


def child_allowance() -> ProcedureDefinition:
    return parse_definition(json.loads((DEMO / "child-allowance.json").read_text("utf-8")))


def submission_json(sid: str, *, status: str = "received", applicant: str = "p-1",
                    name: str = "津山 花子", created: datetime = T0,
                    procedure: str = "child-allowance", department: str = "children",
                    data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": sid, "number": f"手-2026-{sid[-3:]:0>6}", "procedure_id": procedure,
            "procedure_version": 1, "department": department, "applicant_id": applicant,
            "applicant_name": name, "subject_id": applicant, "subject_name": name,
            "status": status,
            "data": data if data is not None else {
                "applicant_name": name, "account_type": "futsu", "bank_name": "津山銀行",
                "phone": "0868-00-0000", "extra_note": "メモ"},
            "attachments": [{"slot": "bank-card", "attachment_id": "att-1",
                             "name": "card.jpg", "content_type": "image/jpeg",
                             "size": 1000}],
            "fee": {"amount_yen": 0, "method": None, "paid_at": None},
            "fix_fields": [], "reason": None, "identity_checked_at": None,
            "history": [{"at": created.isoformat(), "actor_kind": "applicant",
                         "from": None, "to": status, "reason": None}],
            "created_at": created.isoformat(), "updated_at": created.isoformat(),
            "applicant": {"name": name, "birthdate": "1986-07-03"}, **extra}


def sub(sid: str, **kwargs: Any) -> StaffSubmission:
    return StaffSubmission.from_json(submission_json(sid, **kwargs))


@dataclass
class FakeSource:
    stored: dict[str, StaffSubmission] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # code -> submission id
    calls: list[tuple[str, Any]] = field(default_factory=list)
    fail: Exception | None = None
    definitions: dict[str, ProcedureDefinition] = field(default_factory=dict)
    page_size: int = 50

    def _maybe_fail(self) -> None:
        if self.fail is not None:
            raise self.fail

    async def submissions(self, *, status: str | None, procedure_id: str | None,
                          department: str, before: str | None) -> SubmissionPage:
        """Like the backend: last changed first, `page_size` at a time; a department the
        fake's clerk is not staff of is refused."""
        self.calls.append(("list", (status, procedure_id, department, before)))
        self._maybe_fail()
        rows = sorted((s.row for s in self.stored.values()
                       if (status is None or s.status == status)
                       and (procedure_id is None or s.row.procedure_id == procedure_id)
                       and s.row.department == department),
                      key=lambda r: (r.updated_at, r.id), reverse=True)
        if before:
            rows = [r for r in rows if r.updated_at is not None
                    and r.updated_at.isoformat() < before]
        page = rows[:self.page_size]
        last = page[-1].updated_at if len(page) == self.page_size else None
        return SubmissionPage(tuple(page), last.isoformat() if last else "")

    async def submission(self, submission_id: str) -> StaffSubmission:
        self.calls.append(("detail", submission_id))
        self._maybe_fail()
        return self.stored[submission_id]

    async def move(self, submission_id: str, *, to: str, reason: str | None,
                   fix_fields: list[str] | None) -> StaffSubmission:
        self.calls.append(("move", (submission_id, to, reason, fix_fields)))
        self._maybe_fail()
        old = self.stored[submission_id]
        answer = submission_json(submission_id, status=to, applicant=old.row.applicant_id,
                                 name=old.row.applicant_name,
                                 created=old.row.created_at or T0,
                                 procedure=old.row.procedure_id,
                                 department=old.row.department, data=old.data,
                                 reason=reason, fix_fields=fix_fields or [])
        del answer["applicant"]  # like the backend's staff view: no birthdate
        moved = StaffSubmission.from_json(answer)
        self.stored[submission_id] = moved
        return moved

    async def attachment(self, submission_id: str, attachment_id: str) -> DownloadedFile:
        self.calls.append(("attachment", (submission_id, attachment_id)))
        self._maybe_fail()
        return DownloadedFile("card.jpg", "image/jpeg", b"\xff\xd8jpeg")

    async def scan(self, code: str) -> StaffSubmission:
        self.calls.append(("scan", code))
        self._maybe_fail()
        if code not in self.codes:
            raise BackendRejected(422, "handoff_forged: ...", "handoff_forged")
        return self.stored[self.codes.pop(code)]

    async def identity_check(self, submission_id: str, *, document: str | None,
                             matches: bool) -> IdentityResult:
        self.calls.append(("identity", (submission_id, document, matches)))
        self._maybe_fail()
        return IdentityResult(submission_id, self.stored[submission_id].status, matches,
                              not matches, document or "")

    async def pdf(self, submission_id: str, fallback_name: str) -> DownloadedFile:
        self.calls.append(("pdf", submission_id))
        self._maybe_fail()
        return DownloadedFile(fallback_name, "application/pdf", b"%PDF-1.7 form")

    async def definition(self, procedure_id: str) -> ProcedureDefinition | None:
        return self.definitions.get(procedure_id)


@dataclass
class Saved:
    files: list[tuple[str, bytes]] = field(default_factory=list)

    async def __call__(self, name: str, data: bytes) -> None:
        self.files.append((name, data))


def ctx(confirm: Any = None, tasks: list[Any] | None = None) -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language="ja"))
    run = tasks.append if tasks is not None else (lambda *a: None)
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=run,
                                 confirm=confirm or (lambda c: None))


def button(controls: Any, identifier: str) -> Any:
    """The button wrapped in `Semantics(identifier=...)`."""
    found = [c for c in walk(controls) if getattr(c, "identifier", None) == identifier]
    assert found, identifier
    return found[0].content


def calls(source: FakeSource, kind: str) -> list[Any]:
    return [args for name, args in source.calls if name == kind]


# --- the review screen ---------------------------------------------------------------------


async def test_the_list_is_filtered_by_the_server_newest_first_and_this_department_only(
) -> None:
    source = FakeSource(definitions={"child-allowance": child_allowance()})
    source.stored = {
        "s-001": sub("s-001", created=T0),
        "s-002": sub("s-002", created=T0 + timedelta(hours=2), status="reviewing"),
        "s-003": sub("s-003", created=T0 + timedelta(hours=1)),
        "s-004": sub("s-004", created=T0 + timedelta(hours=3), procedure="care-level",
                     department="care"),  # a clerk of two departments: the other list
    }
    state = ReviewState(source, "children", Saved())
    assert state.claim_list_load()
    await state.load_list()
    assert calls(source, "list") == [(None, None, "children", None)]
    assert [r.id for r in state.rows] == ["s-002", "s-003", "s-001"]
    assert not state.claim_list_load()  # nothing changed: no second read
    # The title comes from the definition on the device when the backend sends none.
    assert state.title_of(state.rows[0]).ja == "児童手当の認定請求"
    assert [pid for pid, _ in state.procedure_options()] == ["child-allowance"]

    state.set_status_filter("reviewing")
    assert state.claim_list_load()
    await state.load_list()
    assert calls(source, "list")[-1] == ("reviewing", None, "children", None)
    assert [r.id for r in state.rows] == ["s-002"]
    state.set_status_filter("no-such-status")
    state.set_procedure_filter("child-allowance")
    assert state.claim_list_load()
    await state.load_list()
    assert calls(source, "list")[-1] == (None, "child-allowance", "children", None)


async def test_more_pages_are_added_to_the_list() -> None:
    source = FakeSource(page_size=2)
    source.stored = {f"s-00{n}": sub(f"s-00{n}", created=T0 + timedelta(hours=n))
                     for n in range(1, 6)}
    state = ReviewState(source, "children", Saved())
    await state.load_list()
    assert [r.id for r in state.rows] == ["s-005", "s-004"] and state.next_before
    await state.load_more()
    await state.load_more()
    assert [r.id for r in state.rows] == ["s-005", "s-004", "s-003", "s-002", "s-001"]
    assert state.next_before == ""
    assert calls(source, "list")[1][3] == (T0 + timedelta(hours=4)).isoformat()
    await state.load_list()  # read again: the first page only
    assert [r.id for r in state.rows] == ["s-005", "s-004"]


async def test_a_failed_list_read_says_why() -> None:
    source = FakeSource(fail=BackendRejected(403, "outside_staff_scope: ...",
                                             "outside_staff_scope"))
    state = ReviewState(source, "children", Saved())
    await state.load_list()
    assert state.list_load is Load.FAILED
    assert state.list_refusal == Refusal("outside_staff_scope", "outside_staff_scope: ...",
                                         {})
    shown = " ".join(texts(review_body(ctx(), state)))
    assert "この画面は担当課の職員専用です。" in shown


async def test_the_detail_lists_every_field_with_its_label_in_layout_order() -> None:
    source = FakeSource(definitions={"child-allowance": child_allowance()},
                        stored={"s-001": sub("s-001")})
    state = ReviewState(source, "children", Saved())
    await state.load_list()
    state.open("s-001")
    assert state.claim_detail_load()
    await state.load_detail()
    lines = state.lines()
    # Layout order (applicant_name, phone, bank_name, account_type), then what no label
    # names, under its own id.
    assert [line.field for line in lines] == ["applicant_name", "phone", "bank_name",
                                              "account_type", "extra_note"]
    assert lines[0].label.ja == "氏名" and lines[0].section.ja == "請求者"
    account = lines[3]
    assert account.shown is not None and account.shown.ja == "普通"
    assert lines[4].label.ja == "extra_note"
    shown = texts(review_body(ctx(), state))
    assert "氏名" in shown and "普通" in shown and "振込先口座のわかるもの" in shown
    # Without a definition and labels from the backend: the backend's labels win.
    labelled = StaffSubmission.from_json({**submission_json("s-009"), "fields": [
        {"field": "phone", "label": {"ja": "電話", "en": "Phone"}, "value": "1"}]})
    assert [(line.field, line.label.ja) for line in field_lines(labelled)][:1] == [
        ("phone", "電話")]


async def open_one(source: FakeSource, sid: str = "s-001") -> ReviewState:
    state = ReviewState(source, "children", Saved())
    await state.load_list()
    state.open(sid)
    await state.load_detail()
    return state


async def test_moves_check_the_reason_and_the_fields_before_sending() -> None:
    source = FakeSource(definitions={"child-allowance": child_allowance()},
                        stored={"s-001": sub("s-001"), "s-002": sub("s-002")})
    state = await open_one(source)
    assert state.moves() == ("reviewing", "completed", "returned", "rejected")

    assert not await state.move("rejected")
    assert state.outcome is not None and state.outcome.refusal == Refusal("no_reason",
                                                                          "rejected")
    state.set_reason("   ")
    assert not await state.move("returned")
    assert state.outcome.refusal is not None and state.outcome.refusal.code == "no_reason"
    state.set_reason("x" * 2001)
    assert not await state.move("rejected")
    assert state.outcome.refusal is not None
    assert state.outcome.refusal.code == "reason_too_long"
    assert not await state.move("withdrawn")  # never a staff move
    assert state.outcome.refusal is not None and state.outcome.refusal.code == "not_allowed"
    assert calls(source, "move") == []

    state.set_reason("  口座番号が\n読めません ")
    state.set_fix_field("account_number", True)  # not filled: not offered, dropped
    state.set_fix_field("bank_name", True)
    state.set_fix_field("phone", True)
    state.set_fix_field("phone", False)
    assert await state.move("returned")
    assert calls(source, "move") == [("s-001", "returned", "口座番号が 読めません",
                                      ["bank_name"])]
    assert state.detail is not None and state.detail.status == "returned"
    assert state.reason_text == "" and state.fix_fields == []
    # The list keeps the row where it was, with the new status.
    assert [(r.id, r.status) for r in state.rows] == [("s-002", "received"),
                                                      ("s-001", "returned")]
    # The outcome by the action buttons of this submission, not elsewhere.
    assert state.outcome_for("s-001", ACTIONS_AT) is not None
    assert state.outcome_for("s-002", ACTIONS_AT) is None
    shown = texts(review_body(ctx(), state))
    assert "状態を「差戻し」にしました。申請者に通知されます。" in shown
    assert state.moves() == ()  # staff cannot move a returned submission


async def test_a_plain_move_sends_no_reason_and_a_refusal_is_shown_by_the_buttons() -> None:
    source = FakeSource(stored={"s-001": sub("s-001")})
    state = await open_one(source)
    state.set_reason("書きかけ")
    assert await state.move("reviewing")
    assert calls(source, "move") == [("s-001", "reviewing", None, None)]
    source.fail = BackendRejected(409, "wrong_move: ...", "wrong_move")
    assert not await state.move("completed")
    outcome = state.outcome_for("s-001", ACTIONS_AT)
    assert outcome is not None and outcome.refusal is not None
    assert outcome.refusal.code == "wrong_move"
    assert "その間に状態が変わりました" in refusal_text(ctx(), outcome.refusal)
    keys = [c.key for c in review_body(ctx(), state)]
    # The refusal sits right above the buttons (after the decision heading).
    assert keys.index("actions-heading") < keys.index("outcome-actions") < keys.index(
        "move-buttons")
    source.fail = BackendUnavailable("down")
    assert not await state.move("completed")
    assert state.outcome is not None and state.outcome.refusal is not None
    assert state.outcome.refusal.code == "offline"


async def test_an_attachment_is_saved_and_the_outcome_is_on_its_row() -> None:
    saved = Saved()
    source = FakeSource(stored={"s-001": sub("s-001")})
    state = ReviewState(source, "children", saved)
    await state.load_list()
    state.open("s-001")
    await state.load_detail()
    assert await state.download_attachment("att-1")
    assert saved.files == [("card.jpg", b"\xff\xd8jpeg")]
    assert state.outcome_for("s-001", attachment_at("att-1")) is not None
    assert state.outcome_for("s-001", ACTIONS_AT) is None
    source.fail = BackendRejected(404, "not found")
    assert not await state.download_attachment("att-1")
    outcome = state.outcome_for("s-001", attachment_at("att-1"))
    assert outcome is not None and outcome.refusal is not None
    assert outcome.refusal.code == "not_found"


# --- the counter ---------------------------------------------------------------------------


def test_a_typed_code_is_normalised() -> None:
    assert normalise_code(f"  {CODE.lower()} ") == CODE
    wide = CODE.replace("TPH1", "ＴＰＨ１").replace("A" * 26, "ａ" * 26)
    assert normalise_code(wide[:20] + " \n" + wide[20:]) == CODE
    assert normalise_code("TPH1.short.1.sig") is None
    assert normalise_code("https://example.com/") is None
    assert normalise_code(CODE + "X") is None


async def counter(source: FakeSource, saved: Saved | None = None) -> CounterState:
    return CounterState(source, "children", saved or Saved())


async def test_scan_refusals_are_shown_in_japanese() -> None:
    source = FakeSource()
    state = await counter(source)
    state.set_code_text("not a code")
    assert not await state.scan_typed()
    assert state.scan_refusal == Refusal("malformed_code")
    assert calls(source, "scan") == []  # nothing sent
    assert not await state.scan(CODE)  # unknown to the fake: forged
    assert state.scan_refusal is not None and state.scan_refusal.code == "handoff_forged"
    t = load_translator("ja")
    expected = {
        "handoff_forged": "偽造",
        "handoff_expired": "期限",
        "handoff_replayed": "使用済み",
        "handoff_other_resident": "他の住民",
        "outside_staff_scope": "担当外",
    }
    for code, words in expected.items():
        source.fail = BackendRejected(409, f"{code}: ...", code)
        assert not await state.scan(CODE)
        assert state.scan_refusal is not None and state.scan_refusal.code == code
        shown = refusal_text(ctx(), state.scan_refusal)
        assert words in shown, (code, shown)
        assert t.has(REFUSALS[code])
    assert "読み取れません" in refusal_text(ctx(), Refusal("no_code_in_picture"))
    state.no_code_in_picture("blank")
    assert state.scan_refusal == Refusal("no_code_in_picture", "blank")


def code_for(n: int) -> str:
    return f"TPH1.{chr(ord('A') + n) * 26}.1798000000.{'C' * 26}"


async def test_one_resident_at_a_time() -> None:
    source = FakeSource(definitions={"child-allowance": child_allowance()})
    source.stored = {
        "s-001": sub("s-001", status="counter", applicant="p-1", name="津山 花子"),
        "s-002": sub("s-002", status="counter", applicant="p-2", name="美作 ハナ"),
        "s-003": sub("s-003", status="counter", applicant="p-1", name="津山 花子"),
    }
    source.codes = {code_for(1): "s-001", code_for(2): "s-002", code_for(3): "s-003",
                    code_for(4): "s-002"}
    state = await counter(source)
    state.set_code_text(code_for(1).lower())
    assert await state.scan_typed()
    assert state.code_text == "" and state.revision == 1
    assert [i.id for i in state.items] == ["s-001"] and state.resident_name == "津山 花子"
    assert state.items[0].title.ja == "児童手当の認定請求"
    # Another resident's code while 花子's form is open: refused, her form stays.
    assert not await state.scan(code_for(2))
    assert state.scan_refusal == Refusal("handoff_other_resident", "app")
    assert "別の方" in refusal_text(ctx(), state.scan_refusal)
    assert [i.id for i in state.items] == ["s-001"]
    # The same resident's second form joins the first.
    assert await state.scan(code_for(3))
    assert [i.id for i in state.items] == ["s-001", "s-003"] and state.scan_refusal is None
    # After 「次の方へ」 the next resident is welcome.
    state.clear()
    assert await state.scan(code_for(4))
    assert [i.id for i in state.items] == ["s-002"]


async def test_identity_check_before_the_pdf_and_the_pdf_before_completing() -> None:
    saved = Saved()
    source = FakeSource(stored={"s-001": sub("s-001", status="counter")},
                        codes={CODE: "s-001"})
    state = await counter(source, saved)
    assert await state.scan(CODE)
    item = state.items[0]
    shown = texts(counter_body(ctx(), state))
    assert "氏名: 津山 花子" in shown and "生年月日: 1986年7月3日(木)" in shown

    assert not await state.save_pdf("s-001")
    assert item.outcome == (PDF, Refusal("identity_first"))
    assert not await state.complete("s-001")
    assert item.outcome == (COMPLETE, Refusal("identity_first"))
    assert not await state.check_identity("s-001", True)  # no document chosen
    assert item.outcome == (IDENTITY, Refusal("no_document"))
    assert calls(source, "pdf") == [] and calls(source, "identity") == []

    state.set_document("s-001", "forged-kind")
    assert item.document == ""
    state.set_document("s-001", "driver_licence")
    assert await state.check_identity("s-001", True)
    assert calls(source, "identity") == [("s-001", "driver_licence", True)]
    assert item.identity == "confirmed"
    assert not await state.complete("s-001")
    assert item.outcome == (COMPLETE, Refusal("pdf_first"))
    assert await state.save_pdf("s-001")
    assert saved.files == [(f"{item.submission.number}.pdf", b"%PDF-1.7 form")]
    assert await state.complete("s-001")
    assert calls(source, "move") == [("s-001", "completed", None, None)]
    assert item.completed and item.finished and item.submission.status == "completed"
    shown = texts(counter_body(ctx(), state))
    assert "受付を完了しました。申請者に通知されます。" in shown
    assert "生年月日: 1986年7月3日(木)" in shown  # still what the scan showed
    # Finished: the next resident's code opens without 「次の方へ」.
    source.stored["s-002"] = sub("s-002", status="counter", applicant="p-2")
    source.codes[code_for(2)] = "s-002"
    assert await state.scan(code_for(2))
    assert [i.id for i in state.items] == ["s-002"]


async def test_an_identity_that_does_not_match_voids_the_code_and_prints_nothing() -> None:
    source = FakeSource(stored={"s-001": sub("s-001", status="counter")},
                        codes={CODE: "s-001"})
    state = await counter(source)
    await state.scan(CODE)
    assert await state.check_identity("s-001", False)
    assert calls(source, "identity") == [("s-001", None, False)]
    item = state.items[0]
    assert item.identity == "not_matching" and item.finished
    assert not await state.save_pdf("s-001")
    assert calls(source, "pdf") == []
    shown = " ".join(texts(counter_body(ctx(), state)))
    assert "無効" in shown and "申請書をPDFで出力" not in shown


async def test_a_refused_identity_check_is_shown_by_its_buttons() -> None:
    source = FakeSource(stored={"s-001": sub("s-001", status="counter")},
                        codes={CODE: "s-001"})
    state = await counter(source)
    await state.scan(CODE)
    state.set_document("s-001", "my_number_card")
    source.fail = BackendUnavailable("down")
    assert not await state.check_identity("s-001", True)
    assert state.items[0].outcome == (IDENTITY, Refusal("offline", "down"))
    keys = [c.key for c in counter_body(ctx(), state)]
    assert "counter-item-s-001" in keys


def test_every_screen_and_message_has_a_japanese_translation() -> None:
    t = load_translator("ja")
    assert {(s.id, s.department) for s in STAFF_SCREENS} == {
        (f"{kind}-{d}", d) for kind in ("review", "counter")
        for d in ("citizens", "children", "care")}
    ids = {m for m in REFUSALS.values()}
    for screen in STAFF_SCREENS:
        ids |= {screen.title, screen.description}
    assert sorted(m for m in ids if not t.has(m)) == []


def test_the_counter_answer_is_read_with_its_labelled_rows() -> None:
    """The scan's answer (`{"submission": counter_json, "handoff": ...}`): the applicant
    nested, the filled rows by section with members as sub-rows."""
    answer = {"submission": {
        "id": "s-1", "number": "手-2026-000007", "procedure_id": "resident-record-copy",
        "procedure_version": 1, "title": {"ja": "住民票の写しの交付請求", "en": "Copy"},
        "department": "citizens", "status": "counter", "created_at": T0.isoformat(),
        "applicant": {"id": "p-1", "name": "津山 花子", "birthdate": "1986-07-03",
                      "address": "津山市"},
        "subject": {"id": "p-2", "name": "津山 一花", "birthdate": "2015-05-20"},
        "sections": [{"id": "who", "title": "請求者", "rows": [
            {"field": "applicant_name", "label": "氏名", "value": "津山 花子", "depth": 0},
            {"field": "children", "label": "お子さん", "value": "", "depth": 0},
            {"field": "children", "label": "氏名", "value": "津山 一花", "depth": 1}]}],
        "attachments": [], "fee": {"amount_yen": 600, "paid": False},
        "identity_check": None},
        "handoff": {"used_at": T0.isoformat()}}
    scanned = StaffSubmission.from_json(answer)
    assert scanned.row.applicant_id == "p-1" and scanned.row.subject_name == "津山 一花"
    assert scanned.applicant_birthdate == date(1986, 7, 3)
    assert scanned.row.title.ja == "住民票の写しの交付請求"
    assert not scanned.identity_checked and scanned.fee_amount_yen == 600
    lines = field_lines(scanned)
    assert [(line.label.ja, line.depth) for line in lines] == [
        ("氏名", 0), ("お子さん", 0), ("氏名", 1)]
    assert lines[0].section.ja == "請求者" and lines[2].shown is not None
    checked = StaffSubmission.from_json({**answer["submission"], "identity_check": {
        "document": "passport", "checked_at": T0.isoformat(), "checked_by": "職員"}})
    assert checked.identity_checked


def test_a_handoff_qr_is_read_from_a_picture_through_the_points_api() -> None:
    """The counter's camera and picture paths use the points tile's reader."""
    import io

    import qrcode

    from app.features.points.api import decode_qr

    image = qrcode.make(CODE, error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = io.BytesIO()
    image.save(out, format="PNG")
    assert normalise_code(decode_qr(out.getvalue())) == CODE
    with pytest.raises(ValueError):
        decode_qr(b"not a picture")


async def test_rejecting_asks_first_and_then_moves() -> None:
    source = FakeSource(stored={"s-001": sub("s-001")})
    state = await open_one(source)
    asked: list[Any] = []
    tasks: list[Any] = []
    view = ctx(asked.append, tasks)
    # Without a reason: no question, the state says a reason is needed.
    button(review_body(view, state), "procedures-move-rejected").on_click(None)
    assert asked == [] and len(tasks) == 1
    await tasks.pop()()
    assert state.outcome is not None and state.outcome.refusal == Refusal("no_reason",
                                                                          "rejected")
    state.set_reason("対象外です")
    button(review_body(view, state), "procedures-move-rejected").on_click(None)
    assert len(asked) == 1 and tasks == [] and calls(source, "move") == []
    assert "却下しますか" in asked[0].title
    asked[0].on_confirm()
    await tasks.pop()()
    assert calls(source, "move") == [("s-001", "rejected", "対象外です", None)]


async def test_next_person_asks_while_an_application_is_unfinished() -> None:
    source = FakeSource(stored={"s-001": sub("s-001", status="counter")},
                        codes={CODE: "s-001"})
    state = await counter(source)
    await state.scan(CODE)
    asked: list[Any] = []
    button(counter_body(ctx(asked.append), state), "procedures-counter-next").on_click(None)
    assert len(asked) == 1 and state.items
    asked[0].on_confirm()
    assert state.items == []


def test_values_are_shown_as_text() -> None:
    from app.features.procedures.staff.state import FieldLine, Localized
    from app.features.procedures.staff.views.common import value_text

    def shown(value: Any) -> str:
        return value_text(ctx(), FieldLine("f", Localized("f"), Localized(""), value))

    assert shown("2015-05-20") == "2015年5月20日(水)"
    assert shown(True) == "はい" and shown(False) == "いいえ" and shown(None) == "—"
    assert shown([{"name": "津山 一花", "birthdate": "2015-05-20"}]) == \
        "津山 一花（2015年5月20日(水)）"
    assert shown(3) == "3"
