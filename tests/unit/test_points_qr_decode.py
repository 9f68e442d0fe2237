"""QR codes read from pictures with OpenCV: a PNG made by `qrcode`, a large photo-like JPEG
with the code small in it, and pictures that are not codes (a clear refusal, never a crash)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import qrcode  # type: ignore[import-untyped]
from PIL import Image

from app.features.points.qr_decode import MAX_IMAGE_BYTES, NoCodeFound, decode_qr

JPQR = ("00020101021126390014jp.or.paymentsjapan0113000000000000152040000"
        "5303392540450005802JP5912TSUYAMA SHOP6007TSUYAMA6304ABCD")


def qr_image(text: str) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8,
                         border=4)
    code.add_data(text)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def test_a_png_of_a_jpqr_code_gives_its_text() -> None:
    assert decode_qr(encoded(qr_image(JPQR), "PNG")) == JPQR


def test_japanese_text_comes_back_whole() -> None:
    text = "tsuyama-points:event:津山まつり:2026"
    assert decode_qr(encoded(qr_image(text), "PNG")) == text


def test_a_large_photo_with_the_code_in_a_corner_is_read() -> None:
    photo = Image.new("RGB", (3000, 2200), (180, 170, 160))
    photo.paste(qr_image(JPQR), (2200, 1300))
    assert decode_qr(encoded(photo, "JPEG")) == JPQR


@pytest.mark.parametrize("data", [b"", b"not a picture at all", b"\x89PNG\r\n\x1a\n\x00"])
def test_what_is_not_a_picture_is_refused_plainly(data: bytes) -> None:
    with pytest.raises(NoCodeFound):
        decode_qr(data)


def test_a_picture_without_a_code_is_refused() -> None:
    with pytest.raises(NoCodeFound, match="no QR code"):
        decode_qr(encoded(Image.new("RGB", (400, 300), (255, 255, 255)), "PNG"))


def test_a_file_too_large_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(NoCodeFound, match="too large"):
        decode_qr(b"\x00" * (MAX_IMAGE_BYTES + 1))


def test_the_demo_shop_picture_and_the_apps_own_qr_images_are_read() -> None:
    """A digit-heavy payload with a Japanese name: drawn as one byte segment (OpenCV 4.10 reads
    nothing from a numeric segment followed by non-ASCII bytes)."""
    from app.account.qr_image import qr_png

    folder = Path(__file__).resolve().parents[2] / "assets/points/tsuyama_demo"
    payload = (folder / "gongo_static_jpqr.txt").read_text(encoding="utf-8").strip()
    assert decode_qr((folder / "gongo_static_jpqr.png").read_bytes()) == payload
    assert decode_qr(qr_png(payload)) == payload
