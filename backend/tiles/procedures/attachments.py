"""Attachments of a submission (添付書類): what an upload may be, how it is cleaned, kept,
claimed by a submission and cleaned up.

- The type comes from the bytes (JPEG, PNG, PDF magic), never from the name or the browser's
  header; it must be one of the slot's `types`, and the size within the slot's `max_bytes`.
- JPEG and PNG are decoded and encoded again with Pillow after applying the EXIF orientation:
  the stored file carries no EXIF, GPS, XMP or text chunks (a phone photo's location stays
  on the phone). Images over `MAX_PIXELS` are refused (a decompression bomb).
- A PDF is kept byte for byte, but refused when it holds JavaScript or an action that runs on
  opening (`/JS`, `/JavaScript`, `/OpenAction`... see `PDF_ACTIVE`): the staff open it.
- A person may hold `MAX_UNATTACHED` uploads not yet used by a submission; they are deleted
  `UNATTACHED_DAYS` after upload by the `attachments-cleanup` job.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import uuid
import zlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Engine, delete, func, select
from sqlmodel import Session, col

from backend.db import write_engine
from backend.models import Person
from backend.services.clock import utc_now
from backend.settings import Settings
from backend.tiles.procedures.definition_view import Definition
from backend.tiles.procedures.errors import INVALID_ATTACHMENTS, Refused
from backend.tiles.procedures.models import ProcedureAttachment

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the largest slot limit a definition may set
MAX_PIXELS = 40_000_000
MAX_UNATTACHED = 50
UNATTACHED_DAYS = 7
MAX_NAME = 100
# PDF names that run something or carry other files: refused (`check_pdf`).
PDF_ACTIVE = frozenset({"JS", "JavaScript", "OpenAction", "AA", "Launch", "EmbeddedFile",
                        "RichMedia", "XFA"})
_PDF_NAME = re.compile(rb"/([^\x00\t\n\f\r /<>\[\]()%{}]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.DOTALL)
MAX_PDF_INFLATED = 64 * 1024 * 1024  # a compressed stream may not unpack beyond this
_EXTENSION = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}


class UploadRefused(ValueError):
    """An upload that cannot be kept: `status` 413 (too large), 429 (quota) or 422."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def sniff(content: bytes) -> str | None:
    """The content type the bytes are, by their magic numbers (None: none we accept)."""
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"%PDF-"):
        return PDF
    return None


def _reencode(content: bytes, kind: str) -> bytes:
    """The image decoded and encoded again, upright, without any metadata."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UploadRefused(413, "image_too_large",
                                    f"the image has more than {MAX_PIXELS:,} pixels")
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            out = io.BytesIO()
            if kind == JPEG:
                upright = upright.convert("RGB") if upright.mode not in ("RGB", "L") else upright
                fresh = Image.new(upright.mode, upright.size)
                fresh.paste(upright)
                fresh.save(out, format="JPEG", quality=90, optimize=True)
            else:
                mode = upright.mode if upright.mode in ("RGB", "RGBA", "L", "LA", "P") else "RGBA"
                converted = upright.convert(mode)
                fresh = Image.new(converted.mode, converted.size)
                if converted.mode == "P":
                    palette = converted.getpalette()
                    if palette is not None:
                        fresh.putpalette(palette)
                fresh.paste(converted)
                fresh.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, UploadRefused):
            raise
        raise UploadRefused(422, "unreadable_file",
                            f"the file is not a readable {kind} image") from None


def _pdf_names(chunk: bytes) -> set[str]:
    """The PDF names in `chunk`, with `#xx` escapes decoded (`/J#61vaScript` is
    `/JavaScript`)."""
    names = set()
    for raw in _PDF_NAME.findall(chunk):
        try:
            names.add(re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                             raw).decode("latin-1"))
        except ValueError:
            continue
    return names


def _inflated_streams(content: bytes) -> list[bytes]:
    """The content of the file's compressed streams (object streams can hide objects),
    within `MAX_PDF_INFLATED` bytes in all."""
    out: list[bytes] = []
    budget = MAX_PDF_INFLATED
    for match in _PDF_STREAM.finditer(content):
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(match.group(1), budget + 1)
        except zlib.error:
            continue  # not Flate (an image, say): its bytes were searched as they are
        if len(data) > budget or inflater.unconsumed_tail:
            raise UploadRefused(422, "pdf_too_complex", "the PDF unpacks to too much data")
        budget -= len(data)
        out.append(data)
    return out


def check_pdf(content: bytes) -> None:
    """A complete PDF without scripts, automatic actions or embedded files (see
    `PDF_ACTIVE`), looked for in its plain bytes and in its compressed streams."""
    if b"%%EOF" not in content[-2048:]:
        raise UploadRefused(422, "unreadable_file", "the file is not a complete PDF")
    for chunk in (content, *_inflated_streams(content)):
        found = sorted(_pdf_names(chunk) & PDF_ACTIVE)
        if found:
            raise UploadRefused(422, "pdf_active_content",
                                f"PDFs with scripts, automatic actions or embedded files "
                                f"(/{found[0]}) are refused; print it to a new PDF or send a "
                                "photo（スクリプトなどを含むPDFは添付できません）")


def safe_name(name: str | None, kind: str) -> str:
    """A display name: the file's base name without control or path characters, the
    extension of its real type."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*')
    stem = base.rsplit(".", 1)[0].strip(" .")[:MAX_NAME] or "attachment"
    return stem + _EXTENSION[kind]


@dataclass(frozen=True)
class CleanFile:
    content_type: str
    content: bytes
    name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def clean_upload(definition: Definition, slot: str, content: bytes,
                 name: str | None) -> CleanFile:
    """The file as it will be kept, or `UploadRefused` with the reason."""
    if slot not in definition.slots:
        raise UploadRefused(422, "unknown_slot",
                            f"{definition.id} has no attachment {slot!r}; its attachments: "
                            f"{', '.join(definition.slots) or 'none'}")
    limit = definition.slot_max_bytes(slot) or MAX_UPLOAD_BYTES
    if len(content) > limit:
        raise UploadRefused(413, "file_too_large",
                            f"the file is {len(content):,} bytes; {slot} takes at most "
                            f"{limit:,} bytes（ファイルが大きすぎます）")
    if not content:
        raise UploadRefused(422, "empty_file", "the file is empty")
    kind = sniff(content)
    allowed = definition.slot_types(slot)
    if kind is None or kind not in allowed:
        raise UploadRefused(422, "unsupported_type",
                            f"the file is {kind or 'of an unknown type'}; {slot} takes "
                            f"{', '.join(allowed)}（この種類のファイルは添付できません）")
    if kind == PDF:
        check_pdf(content)
        cleaned = content
    else:
        cleaned = _reencode(content, kind)
        if len(cleaned) > limit:
            raise UploadRefused(413, "file_too_large",
                                f"the image is {len(cleaned):,} bytes once cleaned; {slot} "
                                f"takes at most {limit:,} bytes")
    return CleanFile(kind, cleaned, safe_name(name, kind))


def unattached_count(session: Session, person_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(ProcedureAttachment).where(
        col(ProcedureAttachment.person_id) == person_id,
        col(ProcedureAttachment.submission_id).is_(None))) or 0)


def store(engine: Engine, person: Person, definition: Definition, slot: str,
          clean: CleanFile) -> ProcedureAttachment:
    """Keep the cleaned file for `person` (unattached), within their quota."""
    with Session(write_engine(engine), expire_on_commit=False) as session:
        if unattached_count(session, person.id) >= MAX_UNATTACHED:
            raise UploadRefused(429, "too_many_uploads",
                                f"you have {MAX_UNATTACHED} files not yet used by a "
                                f"submission; they are deleted after {UNATTACHED_DAYS} days"
                                "（未使用の添付ファイルが多すぎます）")
        row = ProcedureAttachment(
            id=str(uuid.uuid4()), municipality_code=person.municipality_code,
            person_id=person.id, procedure_id=definition.id, slot=slot, name=clean.name,
            content_type=clean.content_type, size=len(clean.content), sha256=clean.sha256,
            content=clean.content, created_at=utc_now())
        session.add(row)
        session.commit()
        return row


def attachment_meta(row: ProcedureAttachment) -> dict[str, Any]:
    return {"slot": row.slot, "attachment_id": row.id, "name": row.name,
            "content_type": row.content_type, "size": row.size, "sha256": row.sha256}


def _refuse(message: str) -> Refused:
    return Refused(INVALID_ATTACHMENTS, message)


def claim(session: Session, person: Person, definition: Definition, submission_id: str,
          raw: Any, keep: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """The submission's attachments from the mutation's `attachments` list: each the
    caller's own upload for this procedure and slot, unused (or in `keep`, already this
    submission's), the required slots present. Marks them used by `submission_id`."""
    if raw is None:
        raw = []
    if not isinstance(raw, list) or len(raw) > 10 * max(1, len(definition.slots)):
        raise _refuse("attachments must be a list of {slot, attachment_id}")
    rows: list[ProcedureAttachment] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("attachment_id"), str) \
                or not isinstance(item.get("slot"), str):
            raise _refuse("each attachment is {slot, attachment_id}")
        attachment_id, slot = item["attachment_id"], item["slot"]
        if attachment_id in seen:
            raise _refuse(f"attachment {attachment_id} is listed twice")
        seen.add(attachment_id)
        if slot not in definition.slots:
            raise _refuse(f"{definition.id} has no attachment slot {slot!r}")
        # Locked: two submissions racing for one upload take turns, the second sees it used.
        row = session.scalars(select(ProcedureAttachment).where(
            col(ProcedureAttachment.id) == attachment_id[:36]).with_for_update()).first()
        # Another person's upload is answered like one that does not exist.
        if row is None or row.person_id != person.id:
            raise _refuse(f"no upload {attachment_id} of yours")
        if row.procedure_id != definition.id or row.slot != slot:
            raise _refuse(f"upload {attachment_id} was made for {row.procedure_id}/{row.slot}, "
                          f"not {definition.id}/{slot}")
        if row.submission_id is not None and row.submission_id != submission_id:
            raise _refuse(f"upload {attachment_id} is already part of another submission")
        if row.submission_id == submission_id and attachment_id not in keep:
            raise _refuse(f"upload {attachment_id} is already part of this submission")
        if row.content_type not in definition.slot_types(slot) or (
                definition.slot_max_bytes(slot) and row.size > definition.slot_max_bytes(slot)):
            raise _refuse(f"upload {attachment_id} does not fit {slot} of version "
                          f"{definition.version}")
        rows.append(row)
    missing = [slot for slot, spec in definition.slots.items()
               if spec.get("required") and not any(row.slot == slot for row in rows)]
    if missing:
        raise _refuse(f"required attachments missing: {', '.join(missing)}"
                      "（必要な添付書類がありません）")
    for row in rows:
        row.submission_id = submission_id
        session.add(row)
    return [attachment_meta(row) for row in rows]


def encode(meta: list[dict[str, Any]]) -> str:
    return json.dumps(meta, ensure_ascii=False)


def clean_up_unattached(engine: Engine, settings: Settings) -> int:
    """The `attachments-cleanup` job: delete uploads no submission used within
    `UNATTACHED_DAYS`; how many went."""
    cutoff = utc_now() - timedelta(days=UNATTACHED_DAYS)
    with Session(write_engine(engine)) as session:
        result = session.execute(delete(ProcedureAttachment).where(
            col(ProcedureAttachment.submission_id).is_(None),
            col(ProcedureAttachment.created_at) < cutoff))
        session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
