"""The 書かない窓口 handoff (backend/tiles/procedures/handoff.py, counter_routes.py): the
signed 10-minute code, the clerk's scan (forged, expired, replayed, other resident, other
department), the identity check and the official form as a PDF, on SQLite and PostgreSQL.

Submissions are made through sync (`procedure_submissions` `submit`) with the demo
definition `resident-record-copy` (a counter procedure of 市民課, 300 yen a copy)."""

from __future__ import annotations

import io
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from sqlmodel import Session, col, select

from backend.db import write_engine
from backend.models import AccessLogEntry, Person
from backend.sync.push import process_push
from backend.sync.types import Mutation
from backend.tiles.procedures import counter_routes
from backend.tiles.procedures import handoff as handoffs
from backend.tiles.procedures.definitions.importer import import_folder
from backend.tiles.procedures.models import ProcedureHandoff, ProcedureSubmission
from backend.tiles.procedures.settings import DEMO_DIR
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.procedure_helpers import delegate

pytestmark = pytest.mark.anyio

PROCEDURE = "resident-record-copy"
SCAN = "/staff/procedures/handoffs/scan"
CODE_SHAPE = re.compile(r"TPH1\.[A-Z2-7]{26}\.[0-9]{10}\.[A-Z2-7]{26}")


@dataclass
class Counter:
    app: FastAPI
    resident: Person
    clerk: Person  # 市民課 (citizens)
    other_clerk: Person  # 環境事業課 (waste)

    @property
    def key(self) -> bytes:
        return handoffs.handoff_key(self.app.state.signing_key)


@pytest.fixture
def counter(database_url: str, make_app: Callable[..., FastAPI]) -> Counter:
    app = make_app(database_url)
    # The demo definitions (loaded at start too; importing them again changes nothing).
    report = import_folder(app.state.engine, app.state.settings.municipality_code, DEMO_DIR)
    assert not report.errors, report.errors
    return Counter(
        app,
        make_person(app, name="津山 花子", birthdate=date(1990, 7, 15),
                    address="岡山県津山市山北520"),
        make_person(app, role="staff", name="職員 さくら", departments=("citizens",)),
        make_person(app, role="staff", name="職員 一郎", departments=("waste",)),
    )


def submit(app: FastAPI, person: Person, subject: Person | None = None,
           purpose: str = "bank", copies: int = 2) -> str:
    """A `resident-record-copy` submission through sync; its id."""
    target = subject or person
    submission_id = str(uuid.uuid4())
    args: dict[str, Any] = {
        "id": submission_id, "procedure_id": PROCEDURE, "procedure_version": 1,
        "subject_id": None if subject is None else subject.id, "attachments": [],
        "fee_method": "counter",
        "data": {"applicant_name": person.name, "applicant_address": person.address,
                 "subject_name": target.name, "subject_address": target.address,
                 "subject_birthdate": target.birthdate.isoformat() if target.birthdate
                 else None,
                 "copies": copies, "purpose": purpose, "include_household": True,
                 "include_domicile": False}}
    mutation = Mutation(seq=1, mutation_id=str(uuid.uuid4()), collection="procedure_submissions",
                        name="submit", args=args, created_at=datetime.now(UTC).isoformat())
    result = process_push(app.state.engine, person, f"phone-{uuid.uuid4()}",
                          [mutation]).results[0]
    assert result["error"] is None, result
    return submission_id


async def issue(client: httpx.AsyncClient, app: FastAPI, person: Person,
                submission_id: str) -> httpx.Response:
    return await client.post(f"/procedures/submissions/{submission_id}/handoff",
                             headers=bearer(app, person))


async def issued_code(client: httpx.AsyncClient, app: FastAPI, person: Person,
                      submission_id: str) -> str:
    answer = await issue(client, app, person, submission_id)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["code"])


async def scan(client: httpx.AsyncClient, app: FastAPI, clerk: Person,
               code: str) -> httpx.Response:
    return await client.post(SCAN, json={"code": code}, headers=bearer(app, clerk))


def refusal(answer: httpx.Response) -> str:
    detail = answer.json()["detail"]
    assert detail["message_ja"] and detail["message_en"] and detail["message"]
    return str(detail["code"])


def handoff_rows(app: FastAPI, submission_id: str) -> list[ProcedureHandoff]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(ProcedureHandoff).where(
            col(ProcedureHandoff.submission_id) == submission_id)
            .order_by(col(ProcedureHandoff.issued_at))).all())


def access_log(app: FastAPI, person: Person) -> list[tuple[str, str, str | None]]:
    with Session(app.state.engine) as session:
        return [(e.purpose, e.resource, e.actor_person_id) for e in session.exec(
            select(AccessLogEntry).where(col(AccessLogEntry.subject_person_id) == person.id)
            .order_by(col(AccessLogEntry.id))).all()]


def number_of(app: FastAPI, submission_id: str) -> str:
    with Session(app.state.engine) as session:
        submission = session.get(ProcedureSubmission, submission_id)
        assert submission is not None
        return submission.number


def changed(text: str, index: int) -> str:
    """`text` with the character at `index` swapped for another of the same alphabet."""
    char = text[index]
    other = ("3" if char != "3" else "4") if char.isdigit() else ("A" if char != "A" else "B")
    return text[:index] + other + text[index + 1:]


# --- codes without a database -----------------------------------------------------------


def test_codes_are_qr_alphanumeric_and_signed() -> None:
    key = bytes(range(32))
    expires = datetime(2026, 12, 4, 1, 10, tzinfo=UTC)
    handoff_id = handoffs.new_handoff_id()
    code = handoffs.make_code(key, handoff_id, expires)
    assert CODE_SHAPE.fullmatch(code), code
    assert set(code) <= handoffs.QR_ALPHANUMERIC
    read = handoffs.read_code(key, f"  {code}\n")  # a scanner's surrounding spaces
    assert (read.handoff_id, read.expires_at) == (handoff_id, expires)
    _, id_part, expiry, signature = code.split(".")
    forged = [
        changed(code, len(code) - 1),  # the signature
        code.replace(id_part, changed(id_part, 0)),  # another id
        code.replace(expiry, str(int(expiry) + 600)),  # a later expiry
        code.lower(),
        f"TPH1.{id_part}.{expiry}",
        f"TPH2.{id_part}.{expiry}.{signature}",
        code + "A",
        "garbage",
        "",
        "TPH1." + "A" * 200,
        handoffs.make_code(bytes(32), handoff_id, expires),  # another backend's key
    ]
    for text in forged:
        with pytest.raises(handoffs.HandoffRefused) as refused:
            handoffs.read_code(key, text)
        assert refused.value.code == handoffs.HANDOFF_FORGED, text
        assert refused.value.status == 422


# --- issue and scan ---------------------------------------------------------------------


async def test_issue_and_scan_round_trip(counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    number = number_of(app, submission_id)
    async with asgi_client(app) as client:
        answer = await issue(client, app, counter.resident, submission_id)
        assert answer.status_code == 201, answer.text
        code = answer.json()["code"]
        assert CODE_SHAPE.fullmatch(code) and set(code) <= handoffs.QR_ALPHANUMERIC
        scanned = await scan(client, app, counter.clerk, code)
    assert scanned.status_code == 200, scanned.text
    (row,) = handoff_rows(app, submission_id)
    assert row.expires_at - row.issued_at <= timedelta(minutes=10)
    assert row.expires_at - row.issued_at > timedelta(minutes=9, seconds=58)
    assert datetime.fromisoformat(answer.json()["expires_at"]) == row.expires_at
    assert row.used_by_person_id == counter.clerk.id and row.used_at is not None
    view = scanned.json()["submission"]
    assert view["id"] == submission_id and view["number"] == number
    assert view["status"] == "counter"
    assert view["title"]["ja"] == "住民票の写しの交付請求"
    assert view["pdf_title"] == "住民票の写し等交付請求書"
    assert view["demo"] is True
    assert view["applicant"] == {"id": counter.resident.id, "name": "津山 花子",
                                 "birthdate": "1990-07-15", "address": "岡山県津山市山北520"}
    assert view["subject"] is None
    assert view["presenter"]["id"] == counter.resident.id
    rows = [(r["field"], r["label"], r["value"]) for s in view["sections"] for r in s["rows"]]
    assert rows == [
        ("applicant_name", "氏名", "津山 花子"),
        ("applicant_address", "住所", "岡山県津山市山北520"),
        ("subject_name", "氏名", "津山 花子"),
        ("subject_address", "住所", "岡山県津山市山北520"),
        ("subject_birthdate", "生年月日", "1990年7月15日"),
        ("copies", "必要な通数", "2"),
        ("purpose", "使いみち", "金融機関・携帯電話の契約"),
        ("include_household", "世帯全員を記載する", "はい"),
        ("include_domicile", "本籍・筆頭者を記載する", "いいえ"),
    ]  # purpose_other is hidden (purpose is not "other")
    assert view["fee"] == {"amount_yen": 600, "method": "counter", "paid": False,
                           "paid_at": None}
    assert view["attachments"] == [] and view["identity_check"] is None
    assert (f"窓口での手続き（受付番号 {number}）", "procedure_submissions",
            counter.clerk.id) in access_log(app, counter.resident)


async def test_the_code_stays_valid_until_its_tenth_minute_then_expires(
        counter: Counter, monkeypatch: pytest.MonkeyPatch) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    async with asgi_client(app) as client:
        code = await issued_code(client, app, counter.resident, submission_id)
        (row,) = handoff_rows(app, submission_id)
        monkeypatch.setattr(counter_routes, "utc_now", lambda: row.expires_at)
        expired = await scan(client, app, counter.clerk, code)
        monkeypatch.setattr(counter_routes, "utc_now",
                            lambda: row.expires_at - timedelta(seconds=1))
        in_time = await scan(client, app, counter.clerk, code)
    assert expired.status_code == 422 and refusal(expired) == handoffs.HANDOFF_EXPIRED
    assert in_time.status_code == 200, in_time.text


async def test_forged_codes_are_refused_and_consume_nothing(counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    async with asgi_client(app) as client:
        code = await issued_code(client, app, counter.resident, submission_id)
        _, id_part, expiry, _ = code.split(".")
        unknown = handoffs.make_code(counter.key, handoffs.new_handoff_id(),
                                     datetime.fromtimestamp(int(expiry), UTC))
        stretched = handoffs.make_code(  # a well-signed code with another expiry
            counter.key, id_part, datetime.fromtimestamp(int(expiry) + 3600, UTC))
        forged = [changed(code, len(code) - 3), code.replace(id_part, changed(id_part, 5)),
                  code.replace(expiry, str(int(expiry) + 1)), code.lower(), "garbage",
                  unknown, stretched]
        answers = [await scan(client, app, counter.clerk, text) for text in forged]
        too_long = await scan(client, app, counter.clerk, "T" * 500)
        genuine = await scan(client, app, counter.clerk, code)
    for text, answer in zip(forged, answers, strict=True):
        assert answer.status_code == 422, (text, answer.text)
        assert refusal(answer) == handoffs.HANDOFF_FORGED, text
    assert too_long.status_code == 422  # the body's own limit
    assert genuine.status_code == 200, genuine.text


async def test_a_code_is_used_once_and_a_new_code_voids_the_unused_one(
        counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    async with asgi_client(app) as client:
        first = await issued_code(client, app, counter.resident, submission_id)
        second = await issued_code(client, app, counter.resident, submission_id)
        old = await scan(client, app, counter.clerk, first)
        once = await scan(client, app, counter.clerk, second)
        twice = await scan(client, app, counter.clerk, second)
    assert old.status_code == 409 and refusal(old) == handoffs.HANDOFF_REPLAYED
    assert once.status_code == 200, once.text
    assert twice.status_code == 409 and refusal(twice) == handoffs.HANDOFF_REPLAYED
    voided, used = handoff_rows(app, submission_id)
    assert voided.voided_at is not None and voided.used_at is None
    assert used.used_at is not None and used.voided_at is None


def test_two_clerks_scanning_at_once_one_wins(counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    second_clerk = make_person(app, role="staff", name="職員 二葉", departments=("citizens",))
    now = datetime.now(UTC)
    with Session(app.state.engine) as session:
        submission = session.get(ProcedureSubmission, submission_id)
        assert submission is not None
        code = handoffs.issue(session, counter.key, submission, counter.resident, now).code
        session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def take(clerk: Person) -> None:
        with Session(app.state.engine) as session:
            handoff, _ = handoffs.verify(session, counter.key, code, now, {"citizens"})
        barrier.wait(timeout=30)  # both saw a good code: both try to use it at once
        with Session(write_engine(app.state.engine)) as session:
            try:
                handoffs.use(session, handoff.id, clerk.id, now)
                session.commit()
                outcomes.append("used")
            except handoffs.HandoffRefused as exc:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=take, args=(clerk,))
               for clerk in (counter.clerk, second_clerk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == [handoffs.HANDOFF_REPLAYED, "used"]


async def test_a_clerk_of_another_department_is_refused_without_using_the_code(
        counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    async with asgi_client(app) as client:
        code = await issued_code(client, app, counter.resident, submission_id)
        elsewhere = await scan(client, app, counter.other_clerk, code)
        resident = await scan(client, app, counter.resident, code)
        right_window = await scan(client, app, counter.clerk, code)
        check = await client.post(
            f"/staff/procedures/submissions/{submission_id}/identity-check",
            json={"document": "passport"}, headers=bearer(app, counter.other_clerk))
        pdf = await client.get(f"/staff/procedures/submissions/{submission_id}/pdf",
                               headers=bearer(app, counter.other_clerk))
    assert elsewhere.status_code == 403 and refusal(elsewhere) == "outside_staff_scope"
    assert "市民課" in elsewhere.json()["detail"]["message_ja"]  # where to send the resident
    assert resident.status_code == 403  # not staff at all
    assert right_window.status_code == 200, right_window.text
    assert check.status_code == 404 and pdf.status_code == 404
    assert all(actor != counter.other_clerk.id
               for _, _, actor in access_log(app, counter.resident))


async def test_a_revoked_delegation_turns_the_code_away(counter: Counter) -> None:
    app = counter.app
    grantor = make_person(app, name="美作 ハナ", birthdate=date(1944, 2, 11),
                          address="岡山県津山市林田1")
    helper = counter.resident
    async with asgi_client(app) as client:
        delegation_id = await delegate(client, app, grantor, helper)
        submission_id = submit(app, helper, subject=grantor)
        first = await issued_code(client, app, helper, submission_id)
        grantor_code = await issued_code(client, app, grantor, submission_id)  # voids `first`
        code = await issued_code(client, app, helper, submission_id)  # voids grantor_code
        revoked = await client.post(f"/me/delegations/{delegation_id}/revoke",
                                    headers=bearer(app, grantor))
        assert revoked.status_code == 200, revoked.text
        refused = await scan(client, app, counter.clerk, code)
        again = await issue(client, app, helper, submission_id)
        stranger = await issue(client, app, counter.other_clerk, submission_id)
        grantor_again = await issued_code(client, app, grantor, submission_id)
        accepted = await scan(client, app, counter.clerk, grantor_again)
    assert len({first, grantor_code, code, grantor_again}) == 4
    assert refused.status_code == 409
    assert refusal(refused) == handoffs.HANDOFF_OTHER_RESIDENT
    assert again.status_code == 403 and refusal(again) == handoffs.HANDOFF_OTHER_RESIDENT
    assert stranger.status_code == 404
    assert accepted.status_code == 200, accepted.text
    view = accepted.json()["submission"]
    assert view["applicant"]["name"] == "津山 花子"
    assert view["subject"]["name"] == "美作 ハナ"
    assert view["presenter"]["name"] == "美作 ハナ"
    number = number_of(app, submission_id)
    purpose = f"窓口での手続き（受付番号 {number}）"
    for person in (helper, grantor):
        assert (purpose, "procedure_submissions", counter.clerk.id) in access_log(app, person)


async def test_only_the_applicant_or_a_delegate_gets_a_code_and_only_at_the_counter(
        counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    neighbour = make_person(app, name="隣人 次郎")
    async with asgi_client(app) as client:
        other = await issue(client, app, neighbour, submission_id)
        unknown = await issue(client, app, counter.resident, str(uuid.uuid4()))
        anonymous = await client.post(f"/procedures/submissions/{submission_id}/handoff")
        with Session(app.state.engine) as session:
            submission = session.get(ProcedureSubmission, submission_id)
            assert submission is not None
            submission.status = "completed"
            session.add(submission)
            session.commit()
        decided = await issue(client, app, counter.resident, submission_id)
    assert other.status_code == 404 and refusal(other) == counter_routes.NOT_FOUND
    assert unknown.status_code == 404
    assert anonymous.status_code == 401
    assert decided.status_code == 409 and refusal(decided) == handoffs.NOT_AT_COUNTER
    assert handoff_rows(app, submission_id) == []


# --- identity check and the PDF --------------------------------------------------------


async def test_identity_check_then_the_pdf(counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    number = number_of(app, submission_id)
    check_url = f"/staff/procedures/submissions/{submission_id}/identity-check"
    pdf_url = f"/staff/procedures/submissions/{submission_id}/pdf"
    async with asgi_client(app) as client:
        not_scanned = await client.post(check_url, json={"document": "my_number_card"},
                                        headers=bearer(app, counter.clerk))
        code = await issued_code(client, app, counter.resident, submission_id)
        assert (await scan(client, app, counter.clerk, code)).status_code == 200
        too_early = await client.get(pdf_url, headers=bearer(app, counter.clerk))
        no_document = await client.post(check_url, json={"matches": True},
                                        headers=bearer(app, counter.clerk))
        bad_document = await client.post(check_url, json={"document": "library_card"},
                                         headers=bearer(app, counter.clerk))
        checked = await client.post(check_url, json={"document": "my_number_card"},
                                    headers=bearer(app, counter.clerk))
        pdf = await client.get(pdf_url, headers=bearer(app, counter.clerk))
    assert not_scanned.status_code == 409 and refusal(not_scanned) == "handoff_not_scanned"
    assert too_early.status_code == 409
    assert refusal(too_early) == counter_routes.IDENTITY_REQUIRED
    assert no_document.status_code == 422 and bad_document.status_code == 422
    assert checked.status_code == 200, checked.text
    assert checked.json()["identity_check"]["document"] == "my_number_card"
    assert checked.json()["identity_check"]["checked_by"] == "職員 さくら"
    assert checked.json()["status"] == "counter"
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join("\n".join(page.extract_text() for page in reader.pages).split())
    for expected in ("津山市", "住民票の写し等交付請求書", f"受付番号{number}", "津山花子",
                     "1990年7月15日", "岡山県津山市山北520", "必要な通数2",
                     "使いみち金融機関・携帯電話の契約", "世帯全員を記載するはい",
                     "600円（窓口で支払い・未払い）", "マイナンバーカードで確認（確認者職員さくら",
                     "デモ（見本）", "手書き不要"):
        assert expected in text, expected
    log = access_log(app, counter.resident)
    purpose = f"窓口での手続き（受付番号 {number}）"
    assert (purpose, "procedure_submissions:pdf", counter.clerk.id) in log


async def test_an_identity_mismatch_voids_the_code_and_the_submission_waits(
        counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    check_url = f"/staff/procedures/submissions/{submission_id}/identity-check"
    pdf_url = f"/staff/procedures/submissions/{submission_id}/pdf"
    async with asgi_client(app) as client:
        code = await issued_code(client, app, counter.resident, submission_id)
        assert (await scan(client, app, counter.clerk, code)).status_code == 200
        matched = await client.post(check_url, json={"document": "passport"},
                                    headers=bearer(app, counter.clerk))
        mismatch = await client.post(check_url, json={"matches": False},
                                     headers=bearer(app, counter.clerk))
        after = await client.post(check_url, json={"document": "passport"},
                                  headers=bearer(app, counter.clerk))
        pdf = await client.get(pdf_url, headers=bearer(app, counter.clerk))
        rescan = await scan(client, app, counter.clerk, code)
        fresh = await issued_code(client, app, counter.resident, submission_id)
        scanned = await scan(client, app, counter.clerk, fresh)
        checked = await client.post(check_url, json={"document": "driver_licence"},
                                    headers=bearer(app, counter.clerk))
    assert matched.status_code == 200
    assert mismatch.status_code == 200, mismatch.text
    assert mismatch.json()["handoff_voided"] is True
    assert mismatch.json()["identity_check"] is None
    assert mismatch.json()["status"] == "counter"
    assert after.status_code == 409 and refusal(after) == "handoff_not_scanned"
    assert pdf.status_code == 409  # the earlier match was cleared
    assert rescan.status_code == 409 and refusal(rescan) == handoffs.HANDOFF_REPLAYED
    assert scanned.status_code == 200 and checked.status_code == 200
    first, _ = handoff_rows(app, submission_id)
    assert first.voided_at is not None and first.used_at is not None


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_an_online_procedure_prints_without_the_counter_check(counter: Counter) -> None:
    """Long-term care (介護, an online procedure of 高齢介護福祉課): no handoff, so the
    PDF needs no identity check; it lists the attachment; other departments get 404."""
    app = counter.app
    care_clerk = make_person(app, role="staff", name="職員 かいご", departments=("care",))
    resident = counter.resident
    async with asgi_client(app) as client:
        uploaded = await client.post(
            "/procedures/attachments", headers=bearer(app, resident),
            data={"procedure_id": "long-term-care-certification", "slot": "insurance-card"},
            files={"file": ("card.png", png_bytes(), "image/png")})
        assert uploaded.status_code == 201, uploaded.text
        upload = uploaded.json()
        submission_id = str(uuid.uuid4())
        args = {"id": submission_id, "procedure_id": "long-term-care-certification",
                "procedure_version": 1, "subject_id": None,
                "attachments": [{"slot": "insurance-card",
                                 "attachment_id": upload["attachment_id"],
                                 "name": "card.png", "content_type": upload["content_type"],
                                 "size": upload["size"]}],
                "data": {"subject_name": resident.name, "subject_address": resident.address,
                         "subject_birthdate": "1990-07-15", "insured_number": "0123456789",
                         "application_kind": "new", "current_situation": "hospital",
                         "hospital_name": "津山中央病院", "doctor_name": "医師 一郎",
                         "clinic_name": "山北クリニック", "contact_name": "津山 一郎",
                         "contact_relationship": "長男", "contact_phone": "0868000000"}}
        mutation = Mutation(seq=1, mutation_id=str(uuid.uuid4()),
                            collection="procedure_submissions", name="submit", args=args,
                            created_at=datetime.now(UTC).isoformat())
        result = process_push(app.state.engine, resident, "phone-care", [mutation]).results[0]
        assert result["error"] is None, result
        number = number_of(app, submission_id)
        handoff = await issue(client, app, resident, submission_id)
        check = await client.post(
            f"/staff/procedures/submissions/{submission_id}/identity-check",
            json={"document": "passport"}, headers=bearer(app, care_clerk))
        elsewhere = await client.get(f"/staff/procedures/submissions/{submission_id}/pdf",
                                     headers=bearer(app, counter.clerk))
        pdf = await client.get(f"/staff/procedures/submissions/{submission_id}/pdf",
                               headers=bearer(app, care_clerk))
    assert handoff.status_code == 409 and refusal(handoff) == handoffs.NOT_AT_COUNTER
    assert check.status_code == 409 and refusal(check) == handoffs.NOT_AT_COUNTER
    assert elsewhere.status_code == 404
    assert pdf.status_code == 200, pdf.text
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join("\n".join(page.extract_text() for page in reader.pages).split())
    for expected in ("介護保険要介護認定・要支援認定申請書", number,
                     "被保険者番号（10桁）0123456789", "津山中央病院",
                     "介護保険被保険者証card.png（image/png", "本人確認未確認"):
        assert expected in text, expected
    assert (f"手続きの審査（受付番号 {number}）", "procedure_submissions:pdf",
            care_clerk.id) in access_log(app, resident)


def test_codes_for_one_submission_are_limited_per_hour(counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    start = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    with Session(app.state.engine) as session:
        submission = session.get(ProcedureSubmission, submission_id)
        assert submission is not None
        for minute in range(handoffs.MAX_ISSUES_PER_HOUR):
            handoffs.issue(session, counter.key, submission, counter.resident,
                           start + timedelta(minutes=minute))
        with pytest.raises(handoffs.HandoffRefused) as refused:
            handoffs.issue(session, counter.key, submission, counter.resident,
                           start + timedelta(minutes=59))
        assert refused.value.code == handoffs.TOO_MANY and refused.value.status == 429
        later = handoffs.issue(session, counter.key, submission, counter.resident,
                               start + timedelta(minutes=61))  # the first has left the hour
        session.commit()
    rows = handoff_rows(app, submission_id)
    assert len(rows) == handoffs.MAX_ISSUES_PER_HOUR + 1
    assert [r.voided_at is None for r in rows].count(True) == 1  # only the newest is live
    assert handoffs.read_code(counter.key, later.code).handoff_id == rows[-1].id


async def test_a_delegate_may_bring_the_code_and_is_logged_as_seen(counter: Counter) -> None:
    """The subject applied themselves; their delegate asks the code and goes to the counter:
    the clerk sees the delegate as the presenter, so the delegate's log has the read too."""
    app = counter.app
    grantor = make_person(app, name="美作 ハナ", birthdate=date(1944, 2, 11),
                          address="岡山県津山市林田1")
    helper = counter.resident
    async with asgi_client(app) as client:
        await delegate(client, app, grantor, helper, scope="all")
        submission_id = submit(app, grantor)
        number = number_of(app, submission_id)
        code = await issued_code(client, app, helper, submission_id)
        scanned = await scan(client, app, counter.clerk, code)
    assert scanned.status_code == 200, scanned.text
    view = scanned.json()["submission"]
    assert view["applicant"]["name"] == "美作 ハナ" and view["subject"] is None
    assert view["presenter"] == {"id": helper.id, "name": "津山 花子",
                                 "birthdate": "1990-07-15", "address": "岡山県津山市山北520"}
    purpose = f"窓口での手続き（受付番号 {number}）"
    for person in (grantor, helper):
        assert access_log(app, person).count(
            (purpose, "procedure_submissions", counter.clerk.id)) == 1, person.name


async def test_a_withdrawn_submission_cannot_be_handed_over(counter: Counter) -> None:
    app = counter.app
    submission_id = submit(app, counter.resident)
    async with asgi_client(app) as client:
        code = await issued_code(client, app, counter.resident, submission_id)
        withdraw = Mutation(seq=1, mutation_id=str(uuid.uuid4()),
                            collection="procedure_submissions", name="withdraw",
                            args={"id": submission_id}, created_at=datetime.now(UTC).isoformat())
        result = process_push(app.state.engine, counter.resident, "phone-withdraw",
                              [withdraw]).results[0]
        assert result["error"] is None, result
        scanned = await scan(client, app, counter.clerk, code)
    assert scanned.status_code == 409 and refusal(scanned) == handoffs.NOT_AT_COUNTER
    (row,) = handoff_rows(app, submission_id)
    assert row.used_at is None  # refused before anything was used
