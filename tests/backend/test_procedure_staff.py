"""Staff review of submissions (docs/procedures.md §2–§3): the department's submissions
only (another department's is 404 and absent from the list), the allowed moves, reasons and
fix_fields, the access log of every read, the residents' rows and personal notices."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session, col

from backend.models import AccessLogEntry, Person
from backend.tiles.notices.models import Notice
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer
from tests.backend.points_payment_helpers import PIN, give_points, new_key, points_of, with_pin
from tests.backend.procedure_helpers import (
    CARE,
    CHILD_ALLOWANCE,
    RECORD_COPY,
    Device,
    applied,
    attachment_ref,
    care_data,
    child_allowance_data,
    delegate,
    hana,
    hanako,
    load_demo,
    pull_rows,
    record_copy_data,
    staff,
    taro,
    uploaded,
)

pytestmark = pytest.mark.anyio
LIST = "/staff/procedures/submissions"


def _app(make_app: Any, database_url: str) -> FastAPI:
    app: FastAPI = make_app(database_url)
    load_demo(app)
    return app


async def _child_allowance(client: httpx.AsyncClient, app: FastAPI,
                           parent: Person) -> dict[str, Any]:
    meta = await uploaded(client, app, parent)
    return applied(await Device(client, app, parent).submit(
        CHILD_ALLOWANCE, child_allowance_data(), attachments=[attachment_ref(meta)]))


def _log(app: FastAPI, person: Person) -> list[AccessLogEntry]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(AccessLogEntry).where(
            col(AccessLogEntry.subject_person_id) == person.id)
            .order_by(col(AccessLogEntry.at))))


async def test_staff_see_only_their_departments_submissions(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    kodomo = staff(app, "children", "職員 こども")
    sakura = staff(app, "citizens", "職員 さくら")
    async with asgi_client(app) as client:
        submission = await _child_allowance(client, app, parent)
        copy = applied(await Device(client, app, taro(app)).submit(RECORD_COPY,
                                                                   record_copy_data(1)))
        url = f"{LIST}/{submission['id']}"
        own_list = await client.get(LIST, headers=bearer(app, kodomo))
        other_list = await client.get(LIST, headers=bearer(app, sakura))
        other_get = await client.get(url, headers=bearer(app, sakura))
        other_move = await client.post(f"{url}/status", headers=bearer(app, sakura),
                                       json={"to": "reviewing"})
        other_file = await client.get(
            f"{url}/attachments/{submission['attachments'][0]['attachment_id']}",
            headers=bearer(app, sakura))
        other_filter = await client.get(LIST, params={"department": "children"},
                                        headers=bearer(app, sakura))
        resident = await client.get(LIST, headers=bearer(app, parent))
        unknown = await client.get(f"{LIST}/00000000-0000-0000-0000-000000000000",
                                   headers=bearer(app, kodomo))
    rows = own_list.json()["submissions"]
    assert [row["number"] for row in rows] == [submission["number"]]
    assert rows[0]["applicant_name"] == "津山 花子" and "data" not in rows[0]
    assert rows[0]["title"] == {"ja": "児童手当の認定請求", "en": "Child allowance: application"}
    assert rows[0]["applicant_id"] == parent.id
    assert [row["number"] for row in other_list.json()["submissions"]] == [copy["number"]]
    for answer in (other_get, other_move, other_file, unknown):
        assert answer.status_code == 404, answer.text
        assert submission["number"] not in answer.text
    assert other_filter.status_code == 403
    assert other_filter.json()["detail"]["code"] == "outside_staff_scope"
    assert resident.status_code == 403
    # The list read by こども課 is in the applicant's log; refused reads leave no trace.
    assert [(e.actor_person_id, e.purpose) for e in _log(app, parent)] == [
        (kodomo.id, "手続きの申請一覧の確認（審査）")]


async def test_a_review_is_access_logged_and_shows_the_history(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    kodomo = staff(app, "children")
    async with asgi_client(app) as client:
        submission = await _child_allowance(client, app, parent)
        url = f"{LIST}/{submission['id']}"
        view = await client.get(url, headers=bearer(app, kodomo))
        attachment_id = submission["attachments"][0]["attachment_id"]
        file = await client.get(f"{url}/attachments/{attachment_id}",
                                headers=bearer(app, kodomo))
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["title"]["ja"] == "児童手当の認定請求"
    assert body["completion"] == "online" and body["applicant_birthdate"] == "1986-07-03"
    assert body["history"][0]["data"]["applicant_name"] == "津山 花子"
    assert file.status_code == 200
    assert file.headers["content-type"] == "image/jpeg"
    assert file.headers["x-content-type-options"] == "nosniff"
    assert file.headers["content-disposition"].startswith("attachment")
    entries = _log(app, parent)
    assert [(e.actor_kind, e.actor_person_id) for e in entries] == [
        ("staff", kodomo.id), ("staff", kodomo.id)]
    assert f"手続きの審査（受付番号 {submission['number']}）" == entries[0].purpose
    assert "添付書類" in entries[1].purpose


async def test_moves_follow_the_flow(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    kodomo = staff(app, "children")
    async with asgi_client(app) as client:
        submission = await _child_allowance(client, app, parent)
        url = f"{LIST}/{submission['id']}/status"
        headers = bearer(app, kodomo)

        async def move(**body: Any) -> httpx.Response:
            return await client.post(url, headers=headers, json=body)

        no_reason = await move(to="returned")
        blank_reason = await move(to="rejected", reason="   ")
        bad_fields = await move(to="returned", reason="直してください",
                                fix_fields=["no_such_field"])
        fields_elsewhere = await move(to="reviewing", fix_fields=["phone"])
        not_a_move = await move(to="withdrawn")
        reviewing = await move(to="reviewing")
        again = await move(to="reviewing")
        returned = await move(to="returned", reason="電話番号を確認してください",
                              fix_fields=["phone"])
        from_returned = await move(to="completed")
        rows = await pull_rows(client, app, parent, "procedure_submissions")
        notices = await pull_rows(client, app, parent, "notices")
        listed = await client.get("/notices", headers=bearer(app, parent))
        someone_else = await client.get("/notices", headers=bearer(app, taro(app)))
    assert no_reason.status_code == 422 and blank_reason.status_code == 422
    assert bad_fields.status_code == 422 and "no_such_field" in bad_fields.text
    assert fields_elsewhere.status_code == 422
    assert not_a_move.status_code == 422  # not a staff move at all
    assert reviewing.status_code == 200 and reviewing.json()["status"] == "reviewing"
    assert again.status_code == 409 and again.json()["detail"]["code"] == "wrong_move"
    assert returned.status_code == 200
    assert returned.json()["fix_fields"] == ["phone"]
    assert from_returned.status_code == 409
    assert [row["data"]["status"] for row in rows] == ["received", "reviewing", "returned"]
    assert rows[-1]["data"]["reason"] == "電話番号を確認してください"
    # The resident learns the department decided, not which staff member.
    last = rows[-1]["data"]["history"][-1]
    assert last["actor_kind"] == "staff" and last["actor_id"] is None
    assert rows[-1]["data"]["history"][0]["actor_id"] == parent.id
    titles = [n["data"]["title_ja"] for n in notices]
    assert titles == ["児童手当の認定請求が審査中になりました",
                      "児童手当の認定請求が差戻しになりました"]
    assert "電話番号を確認してください" in notices[-1]["data"]["body_ja"]
    assert "差戻し" in listed.json()["notices"][0]["title"]
    assert all("児童手当" not in n["title"] for n in someone_else.json()["notices"])


async def test_a_delegated_submission_notifies_and_logs_both(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    helper = taro(app)
    elder = hana(app)
    kaigo = staff(app, "care", "職員 かいご")
    async with asgi_client(app) as client:
        await delegate(client, app, elder, helper)
        submission = applied(await Device(client, app, helper).submit(
            CARE, care_data(), subject_id=elder.id))
        view = await client.get(f"{LIST}/{submission['id']}", headers=bearer(app, kaigo))
        done = await client.post(f"{LIST}/{submission['id']}/status",
                                 headers=bearer(app, kaigo), json={"to": "completed"})
        elder_notices = await pull_rows(client, app, elder, "notices")
        helper_notices = await pull_rows(client, app, helper, "notices")
        elder_rows = await pull_rows(client, app, elder, "procedure_submissions")
    assert view.status_code == 200 and done.status_code == 200
    assert view.json()["subject_name"] == "美作 ハナ"
    expected = ["介護保険 要介護・要支援認定の申請が完了しました"]
    assert [n["data"]["title_ja"] for n in elder_notices] == expected
    assert [n["data"]["title_ja"] for n in helper_notices] == expected
    assert elder_rows[-1]["data"]["status"] == "completed"
    staff_reads = [e for person in (elder, helper) for e in _log(app, person)
                   if e.actor_kind == "staff"]
    assert sorted(e.subject_person_id for e in staff_reads) == sorted([elder.id, helper.id])


async def test_the_list_filters_and_pages(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    kodomo = staff(app, "children")
    async with asgi_client(app) as client:
        made = [await _child_allowance(client, app, parent) for _ in range(3)]
        headers = bearer(app, kodomo)
        await client.post(f"{LIST}/{made[0]['id']}/status", headers=headers,
                          json={"to": "reviewing"})
        reviewing = await client.get(LIST, params={"status": "reviewing"}, headers=headers)
        first = await client.get(LIST, params={"limit": 2}, headers=headers)
        rest = await client.get(LIST, params={"limit": 2,
                                              "before": first.json()["next_before"]},
                                headers=headers)
        other = await client.get(LIST, params={"procedure_id": CARE}, headers=headers)
        bad = await client.get(LIST, params={"status": "lost"}, headers=headers)
        bad_moments = [await client.get(LIST, params={"before": moment}, headers=headers)
                       for moment in ("0.5", "2026-12-04T09:00:00", "2026-13-40T99:00:00Z",
                                      "0001-01-01T00:00:00+05:00")]
    assert [r["id"] for r in reviewing.json()["submissions"]] == [made[0]["id"]]
    seen = [r["id"] for r in first.json()["submissions"] + rest.json()["submissions"]]
    assert sorted(seen) == sorted(m["id"] for m in made)
    assert other.json()["submissions"] == []
    assert bad.status_code == 422
    assert [answer.status_code for answer in bad_moments] == [422] * 4


async def test_a_rejection_gives_back_a_fee_paid_with_points(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    resident = taro(app)
    sakura = staff(app, "citizens", "職員 さくら")
    give_points(app, resident, 500)
    async with asgi_client(app) as client:
        submission = applied(await Device(client, app, resident).submit(
            RECORD_COPY, record_copy_data(1), fee_method="points"))
        await with_pin(client, app, resident)
        paid = await client.post(
            f"/procedures/submissions/{submission['id']}/points-payment",
            headers=bearer(app, resident), json={"pin": PIN, "idempotency_key": new_key()})
        assert paid.status_code == 201, paid.text
        assert points_of(app, resident) == 200
        rejected = await client.post(f"{LIST}/{submission['id']}/status",
                                     headers=bearer(app, sakura),
                                     json={"to": "rejected", "reason": "本人確認ができません"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["fee"]["paid_at"] is None
    assert points_of(app, resident) == 500


async def test_personal_notices_are_exported_and_deleted(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    kodomo = staff(app, "children")
    async with asgi_client(app) as client:
        submission = await _child_allowance(client, app, parent)
        await client.post(f"{LIST}/{submission['id']}/status", headers=bearer(app, kodomo),
                          json={"to": "completed"})
        exported = (await client.get("/me/export", headers=bearer(app, parent))).json()
        deleted = await client.request("DELETE", "/me", headers=bearer(app, parent),
                                       json={"confirm": "DELETE"})
    notices = exported["tiles"]["notices"]["personal_notices"]
    assert [n["title_ja"] for n in notices] == ["児童手当の認定請求が完了しました"]
    assert deleted.status_code in (200, 204), deleted.text
    with Session(app.state.engine) as session:
        assert session.scalars(select(Notice).where(
            col(Notice.person_id) == parent.id)).all() == []
