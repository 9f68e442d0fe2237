"""Files a resident adds to a procedure: checked by their bytes, photos stripped of metadata.

The type comes from the content, never from the name (JPEG `FF D8 FF`, PNG `89 50 4E 47`,
PDF `%PDF-`); a type the slot does not allow, an empty file, a file over the slot's
`max_bytes` or an image Pillow cannot read is refused with an English message id (Japanese
in the po file). `strip_metadata` re-encodes a JPEG or PNG after turning it upright by its
EXIF orientation, so the EXIF block (with GPS), the ICC profile and PNG text chunks are gone
before the photo leaves the device; PDFs pass unchanged (the server checks them again and
re-encodes images itself: docs/procedures.md §3).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from app.features.procedures.forms.definition import AttachmentRule

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
TYPE_NAMES = {JPEG: "JPEG", PNG: "PNG", PDF: "PDF"}
_SIGNATURES = ((b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"%PDF-", PDF))
JPEG_QUALITY = 90


class AttachmentUnreadable(ValueError):
    """An image Pillow cannot decode."""


@dataclass(frozen=True)
class AttachmentCheck:
    ok: bool
    name: str
    size: int
    content_type: str | None  # detected from the bytes; None when unknown
    code: str | None = None  # empty | unknown_type | type_not_allowed | too_large | unreadable
    message: str | None = None  # English message id
    params: Mapping[str, Any] = field(default_factory=dict)


def detect_type(data: bytes) -> str | None:
    """The content type by the file's first bytes, or None."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def format_size(size: int) -> str:
    """1.5 MB, 300 KB, 12 bytes: for messages."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def check_attachment(rule: AttachmentRule, name: str, data: bytes) -> AttachmentCheck:
    """Whether `data` may go into the slot `rule`, and if not, why."""
    size = len(data)
    content_type = detect_type(data)
    allowed = ", ".join(TYPE_NAMES.get(t, t) for t in rule.types)

    def refuse(code: str, message: str, **params: Any) -> AttachmentCheck:
        return AttachmentCheck(False, name, size, content_type, code, message, params)

    if size == 0:
        return refuse("empty", "The file {name} is empty.", name=name)
    if content_type is None:
        return refuse("unknown_type", "{name} is not a file type that can be added. Use {types}.",
                      name=name, types=allowed)
    if content_type not in rule.types:
        return refuse("type_not_allowed", "{name} is a {type} file. Use {types}.",
                      name=name, type=TYPE_NAMES[content_type], types=allowed)
    if size > rule.max_bytes:
        return refuse("too_large", "{name} is too large ({size}). The limit is {max}.",
                      name=name, size=format_size(size), max=format_size(rule.max_bytes))
    if content_type in (JPEG, PNG):
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            return refuse("unreadable", "{name} could not be read as an image.", name=name)
    return AttachmentCheck(True, name, size, content_type)


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """The image re-encoded upright without EXIF (GPS included), ICC profile or text chunks;
    a PDF (or any other type) unchanged."""
    if content_type not in (JPEG, PNG):
        return data
    try:
        with Image.open(io.BytesIO(data)) as source:
            upright = ImageOps.exif_transpose(source)
            if upright is None:  # only with in_place=True; for the type checker
                upright = source.copy()
            upright.load()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError,
            Image.DecompressionBombError) as exc:
        raise AttachmentUnreadable(str(exc)) from exc
    upright.info.clear()  # EXIF, ICC profile, PNG text chunks, DPI: none is carried over
    output = io.BytesIO()
    if content_type == JPEG:
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        upright.save(output, format="PNG", optimize=True)
    return output.getvalue()
