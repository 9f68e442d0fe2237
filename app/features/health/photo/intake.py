"""A photo's bytes → a safe working image (issue 17, "From photo to record").

The bytes are checked before they are decoded: a known format (JPEG, PNG, WebP) by its
signature, a byte limit, and the pixel count read from the file's own header, so a small
file that claims a huge image (a decompression bomb) is refused without decoding it. The
image is decoded from memory with OpenCV, the JPEG EXIF orientation is applied by this module
(OpenCV 4.10's `imdecode` applies it too by default; it is told not to, so the result does not
depend on how OpenCV was built), the picture is scaled down to a working size and encoded
again as a JPEG that carries no metadata: EXIF, GPS, maker notes and comments are gone.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "WORKING_SIDE",
    "PhotoRefused",
    "RefusalCode",
    "SafePhoto",
    "exif_orientation",
    "header_size",
    "intake",
    "sniff_format",
]

MAX_BYTES = 30 * 1024 * 1024  # a phone photo is a few MB
MAX_PIXELS = 40_000_000  # 40 megapixels
WORKING_SIDE = 768  # the long side the pipeline works at
JPEG_QUALITY = 88

RefusalCode = Literal["corrupt", "empty", "too_large", "not_an_image"]
ImageFormat = Literal["jpeg", "png", "webp"]


class PhotoRefused(ValueError):
    """The bytes are not a photo this device will analyse; `code` says why."""

    def __init__(self, code: RefusalCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: RefusalCode = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SafePhoto:
    """The working image (BGR, uint8, long side at most `WORKING_SIDE`) and the same picture
    as a JPEG without any metadata, which is all the tile may keep."""

    image: np.ndarray
    jpeg: bytes
    original_size: tuple[int, int]  # (width, height) after the orientation is applied
    orientation: int  # the EXIF orientation that was applied (1: none)

    @property
    def size(self) -> tuple[int, int]:
        height, width = self.image.shape[:2]
        return int(width), int(height)

    @property
    def scale(self) -> float:
        """Working pixels per original pixel (1.0 when not scaled down)."""
        return self.size[0] / self.original_size[0]


def sniff_format(data: bytes) -> ImageFormat | None:
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the image data (SOS), bounds-checked."""
    segments: list[tuple[int, bytes]] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise PhotoRefused("corrupt", "JPEG segment expected")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if length < 2 or pos + 2 + length > len(data):
            raise PhotoRefused("corrupt", "JPEG segment runs past the end")
        segments.append((marker, data[pos + 4:pos + 2 + length]))
        if marker == 0xDA:  # start of scan: the header is over
            break
        pos += 2 + length
    return segments


_SOF_MARKERS = frozenset({*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC})


def header_size(data: bytes) -> tuple[int, int]:
    """(width, height) as the file's header states it, without decoding the image."""
    kind = sniff_format(data)
    if kind is None:
        raise PhotoRefused("not_an_image", "not a JPEG, PNG or WebP file")
    try:
        if kind == "png":
            if data[12:16] != b"IHDR":
                raise PhotoRefused("corrupt", "PNG without IHDR")
            width, height = struct.unpack(">II", data[16:24])
            return int(width), int(height)
        if kind == "webp":
            return _webp_size(data)
        for marker, payload in _jpeg_segments(data):
            if marker in _SOF_MARKERS:
                height, width = struct.unpack(">HH", payload[1:5])
                return int(width), int(height)
    except struct.error as exc:
        raise PhotoRefused("corrupt", "header cut short") from exc
    raise PhotoRefused("corrupt", "JPEG without a frame header")


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    raise PhotoRefused("corrupt", "unknown WebP chunk")


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation (1–8) of a JPEG, 1 when it has none or it cannot be read."""
    if sniff_format(data) != "jpeg":
        return 1
    try:
        segments = _jpeg_segments(data)
    except PhotoRefused:
        return 1
    for marker, payload in segments:
        if marker == 0xE1 and payload[:6] == b"Exif\x00\x00":
            return _tiff_orientation(payload[6:])
    return 1


def _tiff_orientation(tiff: bytes) -> int:
    if tiff[:4] == b"II*\x00":
        order = "<"
    elif tiff[:4] == b"MM\x00*":
        order = ">"
    else:
        return 1
    try:
        (ifd,) = struct.unpack(order + "I", tiff[4:8])
        (count,) = struct.unpack(order + "H", tiff[ifd:ifd + 2])
        for index in range(min(count, 512)):
            entry = ifd + 2 + 12 * index
            tag, kind, _n = struct.unpack(order + "HHI", tiff[entry:entry + 8])
            if tag == 0x0112 and kind == 3:  # Orientation, SHORT
                (value,) = struct.unpack(order + "H", tiff[entry + 8:entry + 10])
                return int(value) if 1 <= value <= 8 else 1
    except struct.error:
        return 1
    return 1


def _orient(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn the stored pixels the way EXIF orientation says they are to be shown."""
    if orientation == 2:
        return cv2.flip(image, 1)
    if orientation == 3:
        return cv2.rotate(image, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(image, 0)
    if orientation == 5:
        return cv2.transpose(image)
    if orientation == 6:
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.rotate(cv2.transpose(image), cv2.ROTATE_180)
    if orientation == 8:
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image


def intake(data: bytes, *, working_side: int = WORKING_SIDE) -> SafePhoto:
    """Check, decode, orient, scale down and re-encode a photo; raises `PhotoRefused`."""
    if not data:
        raise PhotoRefused("empty", "no bytes")
    if len(data) > MAX_BYTES:
        raise PhotoRefused("too_large", f"more than {MAX_BYTES} bytes")
    width, height = header_size(data)
    if width <= 0 or height <= 0:
        raise PhotoRefused("corrupt", "zero width or height")
    if width * height > MAX_PIXELS:
        raise PhotoRefused("too_large", f"{width}×{height} pixels")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    except cv2.error as exc:
        raise PhotoRefused("corrupt", "could not be decoded") from exc
    if image is None or image.size == 0:
        raise PhotoRefused("corrupt", "could not be decoded")
    if image.shape[1] * image.shape[0] > MAX_PIXELS:
        raise PhotoRefused("too_large", "decoded image too large")
    orientation = exif_orientation(data)
    image = _orient(image, orientation)
    original = (int(image.shape[1]), int(image.shape[0]))
    long_side = max(original)
    if long_side > working_side:
        factor = working_side / long_side
        size = (max(1, round(original[0] * factor)), max(1, round(original[1] * factor)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    image = np.ascontiguousarray(image)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV always encodes a BGR uint8 image
        raise PhotoRefused("corrupt", "could not be encoded again")
    return SafePhoto(image=image, jpeg=encoded.tobytes(), original_size=original,
                     orientation=orientation)
