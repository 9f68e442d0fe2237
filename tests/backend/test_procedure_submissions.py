"""Submitting procedures through sync (docs/procedures.md §2–§3): `procedure_submissions`
(submit, resubmit, withdraw), `procedure_drafts`, acting for someone, the fee in points,
export and deletion. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session, col

from backend.models import AccessLogEntry
from backend.tiles.procedures import handlers
from backend.tiles.procedures.models import (
    ProcedureAttachment,
    ProcedureDraft,
    ProcedureSubmission,
    ProcedureSubmissionEvent,
)
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person
from tests.backend.points_payment_helpers import PIN, give_points, new_key, points_of, with_pin
from tests.backend.procedure_helpers import (
    CARE,
    CHILD_ALLOWANCE,
    MOVING_IN,
    RECORD_COPY,
    Device,
    applied,
    attachment_ref,
    care_data,
    child_allowance_data,
    delegate,
    demo_body,
    hana,
    hanako,
    load_demo,
    pull_rows,
    put_definition,
    record_copy_data,
    refused,
    staff,
    taro,
    uploaded,
)

pytestmark = pytest.mark.anyio


def _app(make_app: Any, database_url: str) -> FastAPI:
    app: FastAPI = make_app(database_url)
    load_demo(app)
    return app


async def test_hanako_applies_for_the_child_allowance(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    async with asgi_client(app) as client:
        meta = await uploaded(client, app, parent)
        phone = Device(client, app, parent)
        result = applied(await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                            attachments=[attachment_ref(meta)]))
        rows = await pull_rows(client, app, parent, "procedure_submissions")
    assert result["number"].startswith("手-") and len(result["number"]) == len("手-2026-000001")
    assert result["status"] == "received"
    assert result["applicant_id"] == parent.id == result["subject_id"]
    assert result["subject_name"] == "津山 花子"
    # Pre-filled fields that may not be edited are the verified values, not the device's.
    data = result["data"]
    assert data["applicant_name"] == "津山 花子"
    assert data["applicant_address"] == "岡山県津山市北町12-3"
    assert data["applicant_birthdate"] == "1986-07-03"
    assert [child["birthdate"] for child in data["children"]] == ["2015-05-20", "2018-09-02"]
    assert "employer" not in data  # hidden by its show_if
    assert [a["attachment_id"] for a in result["attachments"]] == [meta["attachment_id"]]
    assert result["fee"] == {"amount_yen": 0, "method": None, "paid_at": None}
    assert [(h["from"], h["to"]) for h in result["history"]] == [(None, "received")]
    assert [row["data"] for row in rows] == [result]
    with Session(app.state.engine) as session:
        stored = session.get(ProcedureSubmission, result["id"])
        assert stored is not None and stored.department == "children"
        attachment = session.get(ProcedureAttachment, meta["attachment_id"])
        assert attachment is not None and attachment.submission_id == result["id"]


async def test_numbers_count_up_and_an_id_is_used_once(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    async with asgi_client(app) as client:
        phone = Device(client, app, parent)
        first = applied(await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                           attachments=[attachment_ref(
                                               await uploaded(client, app, parent))]))
        again = await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                   submission_id=first["id"])
        second = applied(await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                            attachments=[attachment_ref(
                                                await uploaded(client, app, parent))]))
    refused(again, "already_exists")
    assert int(second["number"][-6:]) == int(first["number"][-6:]) + 1


async def test_an_invalid_form_lists_every_field_error(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    async with asgi_client(app) as client:
        phone = Device(client, app, parent)
        data = child_allowance_data(phone="12-34", account_number="12", account_type="gold",
                                    nickname="x")
        del data["bank_name"]
        attachments = [attachment_ref(await uploaded(client, app, parent))]
        result = await phone.submit(CHILD_ALLOWANCE, data, attachments=attachments)
        one = await phone.submit(CHILD_ALLOWANCE, child_allowance_data(phone="12-34"),
                                 attachments=attachments)
    detail = json.loads(refused(result, "invalid_form"))
    fields = {(error["field"], error["code"]) for error in detail["errors"]}
    assert fields == {("phone", "pattern"), ("account_number", "pattern"),
                      ("account_type", "enum"), ("nickname", "unknown_field"),
                      ("bank_name", "required")}
    assert "more" not in detail  # every error is there (words left to the device's copy)
    # Few enough errors come with their texts in both languages.
    [error] = json.loads(refused(one, "invalid_form"))["errors"]
    assert error["field"] == "phone" and error["message_ja"] and error["message_en"]
    with Session(app.state.engine) as session:
        assert session.scalars(select(ProcedureSubmission)).all() == []


async def test_eligibility_and_versions_are_checked(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    no_children = taro(app)
    parent = hanako(app)
    visitor = make_person(app, name="Visitor", assurance_level="email")
    retired = {**demo_body(MOVING_IN), "id": "retired-form", "version": 1}
    put_definition(app, retired, withdrawn=True)
    async with asgi_client(app) as client:
        taro_phone = Device(client, app, no_children)
        answers = {
            "taro": await taro_phone.submit(CHILD_ALLOWANCE, child_allowance_data()),
            "visitor": await Device(client, app, visitor).submit(
                CHILD_ALLOWANCE, child_allowance_data()),
            "version": await Device(client, app, parent).submit(
                CHILD_ALLOWANCE, child_allowance_data(), version=7),
            "unknown": await taro_phone.submit("no-such-procedure", {}),
            "retired": await taro_phone.submit("retired-form", {}),
            "no_attachment": await Device(client, app, parent).submit(
                CHILD_ALLOWANCE, child_allowance_data()),
        }
    assert "18歳未満" in refused(answers["taro"], "not_eligible")
    refused(answers["visitor"], "not_eligible")
    refused(answers["version"], "unknown_version")
    refused(answers["unknown"], "unknown_procedure")
    refused(answers["retired"], "unknown_procedure")
    assert "bank-card" in refused(answers["no_attachment"], "invalid_attachments")


async def test_someone_elses_upload_cannot_be_attached(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    other = hanako(app)
    async with asgi_client(app) as client:
        theirs = await uploaded(client, app, other)
        wrong_slot = await uploaded(client, app, parent, procedure_id=CARE,
                                    slot="insurance-card")
        phone = Device(client, app, parent)
        stolen = await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                    attachments=[attachment_ref(theirs)])
        misplaced = await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                       attachments=[attachment_ref(wrong_slot)])
        mine = await uploaded(client, app, parent)
        applied(await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                   attachments=[attachment_ref(mine)]))
        reused = await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                    attachments=[attachment_ref(mine)])
    assert "no upload" in refused(stolen, "invalid_attachments")
    refused(misplaced, "invalid_attachments")
    assert "another submission" in refused(reused, "invalid_attachments")


async def test_returned_then_resubmitted_keeps_the_history(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    reviewer = staff(app, "children")
    async with asgi_client(app) as client:
        phone = Device(client, app, parent)
        first = applied(await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                           attachments=[attachment_ref(
                                               await uploaded(client, app, parent))]))
        early = await phone.push("procedure_submissions", "resubmit", {
            "id": first["id"], "data": child_allowance_data(), "attachments": []})
        moved = await client.post(
            f"/staff/procedures/submissions/{first['id']}/status",
            headers=bearer(app, reviewer),
            json={"to": "returned", "reason": "口座番号が読めません",
                  "fix_fields": ["account_number"]})
        assert moved.status_code == 200, moved.text
        bad = await phone.push("procedure_submissions", "resubmit", {
            "id": first["id"], "data": child_allowance_data(account_number="x"),
            "attachments": first["attachments"]})
        again = applied(await phone.push("procedure_submissions", "resubmit", {
            "id": first["id"], "data": child_allowance_data(account_number="7654321"),
            "attachments": [attachment_ref(first["attachments"][0])]}))
    refused(early, "wrong_status")
    refused(bad, "invalid_form")
    assert again["status"] == "received" and again["fix_fields"] == []
    assert again["data"]["account_number"] == "7654321"
    assert [(h["from"], h["to"]) for h in again["history"]] == [
        (None, "received"), ("received", "returned"), ("returned", "received")]
    with Session(app.state.engine) as session:
        events = session.scalars(select(ProcedureSubmissionEvent).where(
            col(ProcedureSubmissionEvent.submission_id) == first["id"])
            .order_by(col(ProcedureSubmissionEvent.id))).all()
    assert json.loads(events[0].data or "{}")["account_number"] == "1234567"
    assert json.loads(events[2].data or "{}")["account_number"] == "7654321"
    assert events[1].reason == "口座番号が読めません"


async def test_withdraw_an_open_submission_only(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    reviewer = staff(app, "children")
    async with asgi_client(app) as client:
        phone = Device(client, app, parent)
        open_one = applied(await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                              attachments=[attachment_ref(
                                                  await uploaded(client, app, parent))]))
        done = applied(await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                          attachments=[attachment_ref(
                                              await uploaded(client, app, parent))]))
        await client.post(f"/staff/procedures/submissions/{done['id']}/status",
                          headers=bearer(app, reviewer), json={"to": "completed"})
        withdrawn = applied(await phone.push("procedure_submissions", "withdraw",
                                             {"id": open_one["id"]}))
        twice = applied(await phone.push("procedure_submissions", "withdraw",
                                         {"id": open_one["id"]}))
        late = await phone.push("procedure_submissions", "withdraw", {"id": done["id"]})
        stranger = await Device(client, app, taro(app)).push(
            "procedure_submissions", "withdraw", {"id": done["id"]})
    assert withdrawn["status"] == twice["status"] == "withdrawn"
    assert withdrawn["history"][-1]["to"] == "withdrawn"
    refused(late, "wrong_status")
    refused(stranger, "not_found")


async def test_a_delegate_applies_for_the_delegator(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    helper = taro(app)
    elder = hana(app)
    async with asgi_client(app) as client:
        phone = Device(client, app, helper)
        before = await phone.submit(CARE, care_data(), subject_id=elder.id)
        await delegate(client, app, elder, helper)
        result = applied(await phone.submit(CARE, care_data(), subject_id=elder.id))
        elder_rows = await pull_rows(client, app, elder, "procedure_submissions")
        helper_rows = await pull_rows(client, app, helper, "procedure_submissions")
    refused(before, "not_for_whom")
    assert result["applicant_id"] == helper.id and result["subject_id"] == elder.id
    assert result["subject_name"] == "美作 ハナ"
    assert result["data"]["subject_name"] == "美作 ハナ"
    assert result["data"]["subject_birthdate"] == "1944-02-11"
    assert [row["data"]["id"] for row in elder_rows] == [result["id"]]
    assert [row["data"]["id"] for row in helper_rows] == [result["id"]]
    with Session(app.state.engine) as session:
        entries = session.scalars(select(AccessLogEntry)).all()
    about_elder = [e for e in entries if e.subject_person_id == elder.id]
    about_helper = [e for e in entries if e.subject_person_id == helper.id]
    assert [(e.actor_kind, e.actor_person_id) for e in about_elder] == [
        ("delegate", helper.id)]
    assert result["number"] in about_elder[0].purpose
    assert [(e.actor_kind, e.actor_person_id) for e in about_helper] == [("self", helper.id)]


async def test_a_parent_applies_for_a_minor_child(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = make_person(app, name="親 花子")
    child = make_person(app, name="子 陽翔", birthdate=parent.birthdate.replace(year=2015))
    stranger_child = make_person(app, name="他人 子", birthdate=child.birthdate)
    make_household(app, [(parent, "self", None), (child, "child", None)])
    make_household(app, [(stranger_child, "self", None)])
    body = {**demo_body(RECORD_COPY), "id": "child-record", "for_whom": ["minor_child"]}
    put_definition(app, body)
    async with asgi_client(app) as client:
        phone = Device(client, app, parent)
        for_child = applied(await phone.submit("child-record", record_copy_data(1),
                                               subject_id=child.id))
        for_other = await phone.submit("child-record", record_copy_data(1),
                                       subject_id=stranger_child.id)
        for_self = await phone.submit("child-record", record_copy_data(1))
    assert for_child["subject_id"] == child.id and for_child["status"] == "counter"
    refused(for_other, "not_for_whom")
    refused(for_self, "not_for_whom")


async def test_the_fee_is_paid_with_points_once(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    resident = taro(app)
    give_points(app, resident, 1000)
    async with asgi_client(app) as client:
        phone = Device(client, app, resident)
        bad_method = await phone.submit(RECORD_COPY, record_copy_data(2), fee_method="cash")
        result = applied(await phone.submit(RECORD_COPY, record_copy_data(2),
                                            fee_method="points"))
        url = f"/procedures/submissions/{result['id']}/points-payment"
        no_pin = await client.post(url, headers=bearer(app, resident),
                                   json={"pin": PIN, "idempotency_key": new_key()})
        await with_pin(client, app, resident)
        stranger = await client.post(url, headers=bearer(app, taro(app)),
                                     json={"pin": PIN, "idempotency_key": new_key()})
        paid = await client.post(url, headers=bearer(app, resident),
                                 json={"pin": PIN, "idempotency_key": new_key()})
        twice = await client.post(url, headers=bearer(app, resident),
                                  json={"pin": PIN, "idempotency_key": new_key()})
        rows = await pull_rows(client, app, resident, "procedure_submissions")
        withdrawn = applied(await phone.push("procedure_submissions", "withdraw",
                                             {"id": result["id"]}))
    refused(bad_method, "invalid_fee_method")
    assert result["status"] == "counter"
    assert result["fee"] == {"amount_yen": 600, "method": "points", "paid_at": None}
    assert no_pin.status_code == 409
    assert stranger.status_code == 404
    assert paid.status_code == 201, paid.text
    assert paid.json()["amount"] == 600
    assert twice.status_code == 409 and twice.json()["detail"]["code"] == "already_paid"
    assert rows[-1]["data"]["fee"]["paid_at"] is not None
    # Withdrawing gives the points back.
    assert withdrawn["fee"]["paid_at"] is None
    assert points_of(app, resident) == 1000


async def test_drafts_follow_the_person_to_another_device(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    draft_id = str(uuid.uuid4())
    async with asgi_client(app) as client:
        phone, tablet = Device(client, app, parent), Device(client, app, parent)
        body = {"id": draft_id, "procedure_id": CHILD_ALLOWANCE, "procedure_version": 1,
                "data": {"phone": "0868"}, "attachments": []}
        applied(await phone.push("procedure_drafts", "save", body))
        applied(await tablet.push("procedure_drafts", "save",
                                  {**body, "data": {"phone": "0868000000"}}))
        too_big = await phone.push("procedure_drafts", "save",
                                   {**body, "data": {"x": "あ" * 30000}})
        rows = await pull_rows(client, app, parent, "procedure_drafts")
        exported = (await client.get("/me/export", headers=bearer(app, parent))).json()
        applied(await phone.push("procedure_drafts", "discard", {"id": draft_id}))
        after = await pull_rows(client, app, parent, "procedure_drafts")
    assert "65536" in refused(too_big, "invalid_args")  # the push engine's own 64 KiB cap
    assert [row["data"]["data"] for row in rows] == [{"phone": "0868"}, {"phone": "0868000000"}]
    assert exported["synced_data"]["procedure_drafts"][0]["data"] == {"phone": "0868000000"}
    assert after[-1]["op"] == "delete"
    with Session(app.state.engine) as session:
        assert session.scalars(select(ProcedureDraft)).all() == []


async def test_export_and_deletion(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    async with asgi_client(app) as client:
        phone = Device(client, app, parent)
        used = await uploaded(client, app, parent)
        spare = await uploaded(client, app, parent)
        result = applied(await phone.submit(CHILD_ALLOWANCE, child_allowance_data(),
                                            attachments=[attachment_ref(used)]))
        applied(await phone.push("procedure_drafts", "save", {
            "id": "draft-1", "procedure_id": CHILD_ALLOWANCE, "data": {}}))
        exported = (await client.get("/me/export", headers=bearer(app, parent))).json()
        deleted = await client.request("DELETE", "/me", headers=bearer(app, parent),
                                       json={"confirm": "DELETE"})
    submissions = exported["synced_data"]["procedure_submissions"]
    assert [s["number"] for s in submissions] == [result["number"]]
    assert submissions[0]["history"][0]["data"]["bank_name"] == "津山銀行"
    uploads = exported["tiles"]["procedures"]["procedure_attachments"]
    assert {u["attachment_id"] for u in uploads} == {used["attachment_id"],
                                                       spare["attachment_id"]}
    assert all("content" not in u for u in uploads)
    assert deleted.status_code in (200, 204), deleted.text
    with Session(app.state.engine) as session:
        assert session.get(ProcedureSubmission, result["id"]) is not None  # the city's record
        assert session.get(ProcedureAttachment, used["attachment_id"]) is not None
        assert session.get(ProcedureAttachment, spare["attachment_id"]) is None
        assert session.scalars(select(ProcedureDraft)).all() == []


async def test_drafts_have_a_limit_per_person(database_url: str, make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(handlers, "MAX_DRAFTS", 2)
    app = _app(make_app, database_url)
    parent = hanako(app)
    async with asgi_client(app) as client:
        phone = Device(client, app, parent)
        for draft_id in ("d1", "d2"):
            applied(await phone.push("procedure_drafts", "save", {
                "id": draft_id, "procedure_id": CHILD_ALLOWANCE, "data": {}}))
        third = await phone.push("procedure_drafts", "save", {
            "id": "d3", "procedure_id": CHILD_ALLOWANCE, "data": {}})
        # Saving an existing draft again is always fine.
        applied(await phone.push("procedure_drafts", "save", {
            "id": "d2", "procedure_id": CHILD_ALLOWANCE, "data": {"phone": "0868"}}))
    refused(third, "too_many_drafts")
