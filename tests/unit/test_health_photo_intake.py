"""Photo intake: refusals, orientation, scaling, metadata stripped (docs/health.md,
"Meal photos")."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from app.features.health.photo.intake import (
    MAX_BYTES,
    MAX_PIXELS,
    WORKING_SIDE,
    PhotoRefused,
    exif_orientation,
    header_size,
    intake,
)
from app.features.health.photo.pipeline import analyse

GPS_MARKER = b"TSUYAMA-GPS-35.0692N-134.0044E"


def _jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return data.tobytes()


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def _exif(orientation: int) -> bytes:
    """An APP1 EXIF segment (big-endian TIFF): IFD0 with Orientation and a GPS IFD pointer;
    the GPS IFD has GPSLatitudeRef and GPSProcessingMethod holding GPS_MARKER."""
    ifd0_offset = 8
    ifd0 = 2 + 2 * 12 + 4
    gps_offset = ifd0_offset + ifd0
    gps_ifd = 2 + 2 * 12 + 4
    data_offset = gps_offset + gps_ifd
    tiff = b"MM\x00*" + struct.pack(">I", ifd0_offset)
    tiff += struct.pack(">H", 2)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += struct.pack(">HHII", 0x8825, 4, 1, gps_offset)
    tiff += struct.pack(">I", 0)
    tiff += struct.pack(">H", 2)
    tiff += struct.pack(">HHI", 0x0001, 2, 2) + b"N\x00\x00\x00"
    tiff += struct.pack(">HHII", 0x001B, 7, len(GPS_MARKER), data_offset)
    tiff += struct.pack(">I", 0)
    tiff += GPS_MARKER
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _with_exif(jpeg: bytes, orientation: int) -> bytes:
    return jpeg[:2] + _exif(orientation) + jpeg[2:]


def _marked(width: int = 400, height: int = 200) -> np.ndarray:
    """A picture whose left quarter is white and the rest black: which way it was turned
    shows where the white is."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:, : width // 4] = 255
    return image


def test_empty_bytes_are_refused() -> None:
    with pytest.raises(PhotoRefused) as refused:
        intake(b"")
    assert refused.value.code == "empty"


def test_a_text_file_is_not_an_image() -> None:
    with pytest.raises(PhotoRefused) as refused:
        intake("朝ごはん: ご飯と味噌汁\n".encode())
    assert refused.value.code == "not_an_image"


def test_a_cut_jpeg_is_corrupt() -> None:
    data = _jpeg(_marked())
    with pytest.raises(PhotoRefused) as refused:
        intake(data[:200])
    assert refused.value.code == "corrupt"


def test_a_jpeg_with_garbage_after_its_header_is_corrupt() -> None:
    data = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
    with pytest.raises(PhotoRefused) as refused:
        intake(data)
    assert refused.value.code == "corrupt"


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def test_a_huge_image_is_refused_by_its_header_without_decoding() -> None:
    data = _png_header_only(10_000, 10_000)  # 100 MP claimed in 33 bytes
    assert header_size(data) == (10_000, 10_000)
    assert MAX_PIXELS < 10_000 * 10_000
    with pytest.raises(PhotoRefused) as refused:
        intake(data)
    assert refused.value.code == "too_large"


def test_a_huge_jpeg_header_is_refused() -> None:
    data = bytearray(_jpeg(_marked(64, 32)))
    start = data.index(b"\xff\xc0")
    data[start + 5:start + 9] = struct.pack(">HH", 9000, 9000)  # height, width: 81 MP
    with pytest.raises(PhotoRefused) as refused:
        intake(bytes(data))
    assert refused.value.code == "too_large"


def test_a_png_without_exif_is_scaled_down_and_kept_upright() -> None:
    photo = intake(_png(_marked(1600, 800)))
    assert photo.orientation == 1
    assert photo.size == (WORKING_SIDE, WORKING_SIDE // 2)
    assert photo.original_size == (1600, 800)
    left, right = photo.image[:, :50].mean(), photo.image[:, -50:].mean()
    assert left > 200 and right < 50
    assert photo.jpeg[:3] == b"\xff\xd8\xff"


def test_a_small_photo_is_not_scaled_up() -> None:
    photo = intake(_png(_marked(300, 200)))
    assert photo.size == (300, 200)
    assert photo.scale == 1.0


@pytest.mark.parametrize(("orientation", "size", "white_at"), [
    (1, (400, 200), "left"),
    (3, (400, 200), "right"),
    (6, (200, 400), "top"),  # rotate 90° clockwise: the left edge goes to the top
    (8, (200, 400), "bottom"),
])
def test_exif_orientation_is_applied(orientation: int, size: tuple[int, int],
                                     white_at: str) -> None:
    data = _with_exif(_jpeg(_marked()), orientation)
    assert exif_orientation(data) == orientation
    photo = intake(data)
    assert photo.orientation == orientation
    assert photo.size == size
    image = photo.image
    edges = {"left": image[:, :20], "right": image[:, -20:], "top": image[:20],
             "bottom": image[-20:]}
    opposite = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}[white_at]
    assert edges[white_at].mean() > 200
    assert edges[opposite].mean() < 50


def test_exif_and_gps_are_gone_from_what_is_kept() -> None:
    data = _with_exif(_jpeg(_marked(1200, 600)), 6)
    assert GPS_MARKER in data and b"Exif" in data
    photo = intake(data)
    assert GPS_MARKER not in photo.jpeg
    assert b"Exif" not in photo.jpeg
    assert exif_orientation(photo.jpeg) == 1
    again = cv2.imdecode(np.frombuffer(photo.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert again.shape[:2] == (WORKING_SIDE, WORKING_SIDE // 2)  # stored upright


def test_unknown_orientation_values_are_ignored() -> None:
    data = _with_exif(_jpeg(_marked()), 42)
    assert exif_orientation(data) == 1
    assert intake(data).size == (400, 200)


def test_too_many_bytes_are_refused_before_anything_else() -> None:
    data = b"\xff\xd8\xff" + bytes(MAX_BYTES)
    with pytest.raises(PhotoRefused) as refused:
        intake(data)
    assert refused.value.code == "too_large"


def test_a_webp_is_read() -> None:
    ok, data = cv2.imencode(".webp", _marked(640, 320), [cv2.IMWRITE_WEBP_QUALITY, 90])
    assert ok
    assert header_size(data.tobytes()) == (640, 320)
    assert intake(data.tobytes()).size == (640, 320)


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"), (b"%PDF-1.7\n", "not_an_image"), (b"\x89PNG\r\n\x1a\n\x00", "corrupt"),
])
def test_the_pipeline_analyses_nothing_it_refused(data: bytes, code: str) -> None:
    with pytest.raises(PhotoRefused) as refused:
        analyse(data)
    assert refused.value.code == code
