"""Attachments of procedures (`POST /procedures/attachments`, `GET /procedures/attachments/
{id}`): the type read from the bytes, the slot's limits, photos re-encoded without EXIF,
PDFs with scripts refused, the owner (or their delegate) only, the quota and clean-up."""

from __future__ import annotations

import io
import zlib
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select, update
from sqlmodel import Session, col

from backend.models import AccessLogEntry
from backend.services.clock import utc_now
from backend.tiles.procedures import attachments
from backend.tiles.procedures.models import ProcedureAttachment
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer
from tests.backend.procedure_helpers import (
    CHILD_ALLOWANCE,
    MOVING_IN,
    delegate,
    demo_body,
    hana,
    hanako,
    jpeg_bytes,
    load_demo,
    pdf_bytes,
    png_bytes,
    put_definition,
    taro,
    upload,
    uploaded,
)

pytestmark = pytest.mark.anyio


def _app(make_app: Any, database_url: str) -> FastAPI:
    app: FastAPI = make_app(database_url)
    load_demo(app)
    return app


def _stored(app: FastAPI, attachment_id: str) -> ProcedureAttachment:
    with Session(app.state.engine) as session:
        row = session.get(ProcedureAttachment, attachment_id)
        assert row is not None
        return row


async def test_a_photo_is_kept_without_exif(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    original = jpeg_bytes((64, 48))
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)  # the test photo does carry a position
    async with asgi_client(app) as client:
        meta = await uploaded(client, app, parent, content=original,
                              filename="../../家族/IMG_0001.JPG\x07")
        fetched = await client.get(f"/procedures/attachments/{meta['attachment_id']}",
                                   headers=bearer(app, parent))
    row = _stored(app, meta["attachment_id"])
    assert meta["content_type"] == "image/jpeg" and meta["size"] == len(row.content)
    assert meta["name"] == "IMG_0001.jpg"
    assert row.content != original
    assert b"SecretPhone" not in row.content and b"Exif" not in row.content
    with Image.open(io.BytesIO(row.content)) as image:
        assert not image.getexif()
        assert image.size == (48, 64)  # turned upright by the EXIF orientation first
    assert fetched.status_code == 200 and fetched.content == row.content
    assert fetched.headers["x-content-type-options"] == "nosniff"


async def test_a_png_loses_its_text_chunks(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    async with asgi_client(app) as client:
        meta = await uploaded(client, app, parent, content=png_bytes(), filename="scan.png",
                              content_type="image/png")
    row = _stored(app, meta["attachment_id"])
    assert meta["content_type"] == "image/png"
    assert b"secret-text-chunk" not in row.content
    with Image.open(io.BytesIO(row.content)) as image:
        assert image.size == (10, 10) and "Comment" not in image.info


async def test_the_type_comes_from_the_bytes(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    parent = hanako(app)
    only_pdf = {**demo_body(CHILD_ALLOWANCE), "id": "pdf-only", "version": 1}
    only_pdf["attachments"] = [{**only_pdf["attachments"][0], "types": ["application/pdf"],
                                "max_bytes": 2000}]
    put_definition(app, only_pdf)
    async with asgi_client(app) as client:
        html = await upload(client, app, parent, b"<html><script>x</script></html>",
                            filename="photo.jpg", content_type="image/jpeg")
        jpeg_as_pdf = await upload(client, app, parent, jpeg_bytes(), procedure_id="pdf-only",
                                   filename="doc.pdf", content_type="application/pdf")
        too_large = await upload(client, app, parent, pdf_bytes() + b"%" * 3000,
                                 procedure_id="pdf-only", filename="big.pdf")
        pdf = await upload(client, app, parent, pdf_bytes(), procedure_id="pdf-only",
                           filename="ok.pdf", content_type="image/png")
        script = await upload(client, app, parent, pdf_bytes(javascript=True),
                              procedure_id="pdf-only", filename="x.pdf")
        broken_jpeg = await upload(client, app, parent, b"\xff\xd8\xff" + b"0" * 100)
        unknown_slot = await upload(client, app, parent, jpeg_bytes(), slot="passport")
        unknown_procedure = await upload(client, app, parent, jpeg_bytes(),
                                         procedure_id="nothing-here")
        no_attachments = await upload(client, app, parent, jpeg_bytes(),
                                      procedure_id=MOVING_IN)
        bad_field = await client.post("/procedures/attachments", headers=bearer(app, parent),
                                      data={"procedure_id": "../x", "slot": "bank-card"},
                                      files={"file": ("a.jpg", jpeg_bytes(), "image/jpeg")})
        anonymous = await client.post("/procedures/attachments",
                                      data={"procedure_id": CHILD_ALLOWANCE,
                                            "slot": "bank-card"},
                                      files={"file": ("a.jpg", jpeg_bytes(), "image/jpeg")})

    def code(answer: Any) -> str:
        return str(answer.json()["detail"]["code"])

    assert (html.status_code, code(html)) == (422, "unsupported_type")
    assert (jpeg_as_pdf.status_code, code(jpeg_as_pdf)) == (422, "unsupported_type")
    assert (too_large.status_code, code(too_large)) == (413, "file_too_large")
    assert pdf.status_code == 201 and pdf.json()["content_type"] == "application/pdf"
    assert pdf.json()["name"] == "ok.pdf"
    assert _stored(app, pdf.json()["attachment_id"]).content == pdf_bytes()  # kept as is
    assert (script.status_code, code(script)) == (422, "pdf_active_content")
    assert (broken_jpeg.status_code, code(broken_jpeg)) == (422, "unreadable_file")
    assert (unknown_slot.status_code, code(unknown_slot)) == (422, "unknown_slot")
    assert unknown_procedure.status_code == 404
    assert no_attachments.status_code == 422
    assert bad_field.status_code == 422
    assert anonymous.status_code == 401


async def test_only_the_owner_or_their_delegate_reads_a_file(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = _app(make_app, database_url)
    elder = hana(app)
    helper = taro(app)
    stranger = hanako(app)
    async with asgi_client(app) as client:
        meta = await uploaded(client, app, elder)
        url = f"/procedures/attachments/{meta['attachment_id']}"
        before = await client.get(url, headers=bearer(app, helper))
        other = await client.get(url, headers=bearer(app, stranger))
        await delegate(client, app, elder, helper)
        after = await client.get(url, headers=bearer(app, helper))
        own = await client.get(url, headers=bearer(app, elder))
    assert before.status_code == 404 and other.status_code == 404
    assert after.status_code == 200 and own.status_code == 200
    with Session(app.state.engine) as session:
        entries = session.scalars(select(AccessLogEntry).where(
            col(AccessLogEntry.subject_person_id) == elder.id)).all()
    assert [(e.actor_kind, e.actor_person_id) for e in entries] == [("delegate", helper.id)]


async def test_unused_uploads_have_a_quota_and_go_after_a_week(database_url: str, make_app,  # type: ignore[no-untyped-def]
                                                              monkeypatch) -> None:
    app = _app(make_app, database_url)
    parent = hanako(app)
    monkeypatch.setattr(attachments, "MAX_UNATTACHED", 2)
    async with asgi_client(app) as client:
        first = await uploaded(client, app, parent)
        second = await uploaded(client, app, parent)
        third = await upload(client, app, parent, jpeg_bytes())
    assert third.status_code == 429 and third.json()["detail"]["code"] == "too_many_uploads"
    with Session(app.state.engine) as session:
        session.execute(update(ProcedureAttachment)
                        .where(col(ProcedureAttachment.id) == first["attachment_id"])
                        .values(created_at=utc_now() - timedelta(days=8)))
        session.commit()
    assert attachments.clean_up_unattached(app.state.engine, app.state.settings) == 1
    with Session(app.state.engine) as session:
        assert session.get(ProcedureAttachment, first["attachment_id"]) is None
        assert session.get(ProcedureAttachment, second["attachment_id"]) is not None


def test_scripts_hidden_in_a_pdf_are_found() -> None:
    """Hex-escaped names and compressed object streams do not hide an action."""
    head = b"%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    hidden = zlib.compress(b"<< /OpenAction << /S /JavaScript /JS (x) >> >>")
    packed = (b"3 0 obj << /Type /ObjStm /Filter /FlateDecode /Length "
              + str(len(hidden)).encode() + b" >>\nstream\n" + hidden + b"\nendstream\nendobj\n")
    bomb = zlib.compress(b"0" * (attachments.MAX_PDF_INFLATED + 1))

    def code(body: bytes) -> str | None:
        try:
            attachments.check_pdf(body)
        except attachments.UploadRefused as exc:
            return exc.code
        return None

    assert code(head + b"%%EOF\n") is None
    assert code(head + b"/JSON (not a script) /JavaScripts\n%%EOF\n") is None
    assert code(head + b"2 0 obj << /S /J#61vaScript >> endobj\n%%EOF\n") == (
        "pdf_active_content")
    assert code(head + packed + b"%%EOF\n") == "pdf_active_content"
    assert code(head + b"stream\n" + bomb + b"\nendstream\n%%EOF\n") == "pdf_too_complex"
    assert code(head) == "unreadable_file"  # no end: not a complete PDF
