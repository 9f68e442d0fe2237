"""Helpers of the procedure submission tests: the demo definitions in the database, the
demo personas' shapes (花子 with two minor children, 太郎 without, ハナ aged 82), staff of a
department, uploads, submissions through sync."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from PIL import Image
from sqlmodel import Session

from backend.models import Person
from backend.services.consent_catalog import catalog
from backend.tiles.procedures.definitions import store
from backend.tiles.procedures.definitions.models import ProcedureDefinitionRow
from tests.backend.people import bearer, make_household, make_person
from tests.backend.sync_helpers import mutation

DEMO = Path(__file__).resolve().parents[2] / "assets" / "procedures" / "demo"
CHILD_ALLOWANCE = "child-allowance"
CARE = "long-term-care-certification"
RECORD_COPY = "resident-record-copy"
MOVING_IN = "moving-in-notice"


def demo_body(procedure_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DEMO / f"{procedure_id}.json").read_text("utf-8"))
    return body


def put_definition(app: FastAPI, body: dict[str, Any], withdrawn: bool = False) -> None:
    """Store `body` as its version (unless that version is there already)."""
    code = app.state.settings.municipality_code
    with Session(app.state.engine) as session:
        if store.definition_version(session, code, body["id"], body["version"]) is not None:
            return
        now = datetime.now(UTC)
        session.add(ProcedureDefinitionRow(
            municipality_code=code, id=body["id"], version=body["version"],
            body=store.canonical_json(body), sha256=store.body_sha256(body),
            is_demo=bool(body.get("demo")), imported_at=now,
            withdrawn_at=now if withdrawn else None))
        session.commit()


def load_demo(app: FastAPI) -> None:
    for path in sorted(DEMO.glob("*.json")):
        put_definition(app, json.loads(path.read_text("utf-8")))


def hanako(app: FastAPI) -> Person:
    """Like dev-hanako: a parent of two school children (no accounts of their own)."""
    person = make_person(app, name="津山 花子", birthdate=date(1986, 7, 3),
                         address="岡山県津山市北町12-3")
    make_household(app, [(person, "self", None), (None, "child", date(2015, 5, 20)),
                         (None, "child", date(2018, 9, 2))])
    return person


def taro(app: FastAPI) -> Person:
    """Like dev-taro: lives with his spouse, no children."""
    person = make_person(app, name="津山 太郎", birthdate=date(1981, 4, 12), gender="male",
                         address="岡山県津山市山北520")
    make_household(app, [(person, "self", None), (None, "spouse", date(1983, 2, 11))],
                   address="岡山県津山市山北520")
    return person


def hana(app: FastAPI) -> Person:
    """Like dev-hana: aged 82, lives alone."""
    person = make_person(app, name="美作 ハナ", birthdate=date(1944, 2, 11),
                         address="岡山県津山市小田中")
    make_household(app, [(person, "self", None)], address="岡山県津山市小田中")
    return person


def staff(app: FastAPI, department: str, name: str = "職員 テスト") -> Person:
    return make_person(app, role="staff", name=name, departments=(department,))


def child_allowance_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_name": "偽 名前", "applicant_address": "どこか", "applicant_birthdate":
        "2000-01-01", "phone": "0868000000", "is_public_servant": False,
        "children": [], "bank_name": "津山銀行", "bank_branch": "本店", "account_type": "futsu",
        "account_number": "1234567", "account_holder_kana": "ツヤマ ハナコ"}
    data.update(changes)
    return data


def care_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "insured_number": "0123456789", "application_kind": "new",
        "current_situation": "home", "doctor_name": "山田 医師", "clinic_name": "津山医院",
        "contact_name": "津山 太郎", "contact_relationship": "知人",
        "contact_phone": "0868111111"}
    data.update(changes)
    return data


def record_copy_data(copies: int = 2, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"copies": copies, "purpose": "employment"}
    data.update(changes)
    return data


def jpeg_bytes(size: tuple[int, int] = (64, 48), gps: bool = True) -> bytes:
    """A JPEG with EXIF: a GPS position, a camera model and an orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "SecretPhone 12"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    if gps:
        exif[0x8825] = {1: "N", 2: (35.0, 3.0, 46.0), 3: "E", 4: (134.0, 0.0, 15.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA", (10, 10), (0, 0, 255, 128))
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "secret-text-chunk")
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf_bytes(javascript: bool = False) -> bytes:
    action = b"/OpenAction << /S /JavaScript /JS (app.alert('x')) >>" if javascript else b""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R " + action + b" >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


async def upload(client: httpx.AsyncClient, app: FastAPI, person: Person, content: bytes,
                 procedure_id: str = CHILD_ALLOWANCE, slot: str = "bank-card",
                 filename: str = "photo.jpg", content_type: str = "image/jpeg"
                 ) -> httpx.Response:
    return await client.post(
        "/procedures/attachments", headers=bearer(app, person),
        data={"procedure_id": procedure_id, "slot": slot},
        files={"file": (filename, content, content_type)})


async def uploaded(client: httpx.AsyncClient, app: FastAPI, person: Person,
                   **kwargs: Any) -> dict[str, Any]:
    answer = await upload(client, app, person, kwargs.pop("content", None) or jpeg_bytes(),
                          **kwargs)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def attachment_ref(meta: dict[str, Any], slot: str = "bank-card") -> dict[str, Any]:
    return {"slot": slot, "attachment_id": meta["attachment_id"]}


class Device:
    """One device of a person: pushes mutations with its own seq."""

    def __init__(self, client: httpx.AsyncClient, app: FastAPI, person: Person) -> None:
        self.client, self.app, self.person = client, app, person
        self.client_id = f"device-{uuid.uuid4().hex[:12]}"
        self.seq = 0

    async def push(self, collection: str, name: str, args: Any) -> dict[str, Any]:
        self.seq += 1
        answer = await self.client.post(
            "/sync/push", headers=bearer(self.app, self.person),
            json={"client_id": self.client_id,
                  "mutations": [mutation(self.seq, collection, name, args)]})
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()["results"][0]
        return result

    async def submit(self, procedure_id: str, data: dict[str, Any], *,
                     attachments: list[dict[str, Any]] | None = None,
                     subject_id: str | None = None, version: int = 1,
                     fee_method: str | None = None,
                     submission_id: str | None = None) -> dict[str, Any]:
        args: dict[str, Any] = {"id": submission_id or str(uuid.uuid4()),
                                "procedure_id": procedure_id, "procedure_version": version,
                                "data": data, "attachments": attachments or []}
        if subject_id is not None:
            args["subject_id"] = subject_id
        if fee_method is not None:
            args["fee_method"] = fee_method
        return await self.push("procedure_submissions", "submit", args)


def applied(result: dict[str, Any]) -> dict[str, Any]:
    assert result["status"] == "applied", result
    data: dict[str, Any] = result["result"]
    return data


def refused(result: dict[str, Any], code: str) -> str:
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == code, result
    message: str = result["error"]["message"]
    return message


async def delegate(client: httpx.AsyncClient, app: FastAPI, grantor: Person, grantee: Person,
                   scope: str = "procedures") -> str:
    """`grantee` asks, `grantor` accepts: an active delegation; its id."""
    asked = await client.post("/me/delegations", headers=bearer(app, grantee),
                              json={"grantor_common_id": grantor.id, "scope": scope})
    assert asked.status_code == 201, asked.text
    text = catalog()["delegation"].current
    accepted = await client.post(
        f"/me/delegations/{asked.json()['id']}/accept", headers=bearer(app, grantor),
        json={"version": text.version, "text_sha256": text.sha256("ja")})
    assert accepted.status_code == 200, accepted.text
    delegation_id: str = asked.json()["id"]
    return delegation_id


async def pull_rows(client: httpx.AsyncClient, app: FastAPI, person: Person,
                    collection: str) -> list[dict[str, Any]]:
    answer = await client.get("/sync/pull", params={"cursor": 0, "limit": 5000},
                              headers=bearer(app, person))
    assert answer.status_code == 200, answer.text
    return [change for change in answer.json()["changes"]
            if change["collection"] == collection]
