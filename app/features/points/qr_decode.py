"""QR codes read from a picture (a photo or a screenshot of a shop's JPQR, an event's code),
with OpenCV's `QRCodeDetector` (opencv-python 4.10, which phones can carry).

Large photos are tried at their size and scaled down (the detector finds a code in a
12-megapixel photo more reliably at about 1,000 pixels), then in grey with more contrast.

OpenCV 4.10 reads nothing from a code whose data has a numeric segment followed by a byte
segment of non-ASCII bytes (a JPQR code made with `qrcode`'s segment optimisation: digits and
a Japanese shop name in UTF-8), and its classic detector misses many large (version 20 and up)
codes. When OpenCV reads nothing, the code's corners found by the classic detector, then (when
they give nothing) those found by `QRCodeDetectorAruco`, go to our own reader,
`qr_grid_decoder.decode_located`."""

from __future__ import annotations

import cv2
import numpy as np

from app.features.points.qr_grid_decoder import decode_located

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a phone photo is a few MB; more is not a picture to read
MAX_PIXELS = 40_000_000
_SIDES = (None, 1600, 1000, 640)
_SECOND_DETECTOR_MAX_SIDE = 1600  # the Aruco-based detector is slow on a full-size photo


class NoCodeFound(ValueError):
    """The picture could not be read, or no QR code was found in it."""


def decode_qr(image: bytes) -> str:
    """The text of the first QR code found in an encoded image (PNG, JPEG, WebP...)."""
    if not image:
        raise NoCodeFound("the picture is empty")
    if len(image) > MAX_IMAGE_BYTES:
        raise NoCodeFound("the picture is too large")
    picture = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), cv2.IMREAD_COLOR)
    if picture is None or picture.size == 0:
        raise NoCodeFound("the file is not a picture this device can read")
    height, width = picture.shape[:2]
    if height * width > MAX_PIXELS:
        raise NoCodeFound("the picture has too many pixels")
    detector = cv2.QRCodeDetector()
    second_detector: list[cv2.QRCodeDetectorAruco] = []  # made when first needed
    for candidate in _candidates(picture):
        try:
            text, corners, _straight = detector.detectAndDecode(candidate)
        except cv2.error:
            continue
        if text:
            return str(text)
        # The corners `detector.detect(candidate)` gives (or None), to our own reader.
        ours = _read_ourselves(candidate, corners, second_detector)
        if ours:
            return ours
    raise NoCodeFound("no QR code was found in the picture")


def _read_ourselves(picture: np.ndarray, corners: np.ndarray | None,
                    second_detector: list[cv2.QRCodeDetectorAruco]) -> str | None:
    """The code read by `qr_grid_decoder` through the classic detector's corners, else
    through the Aruco-based detector's (which finds large codes the classic one misses, and
    is right where the classic one puts a corner astray)."""
    if corners is not None:
        text = decode_located(picture, corners)
        if text:
            return text
    if max(picture.shape[:2]) > _SECOND_DETECTOR_MAX_SIDE:
        return None
    if not second_detector:
        second_detector.append(cv2.QRCodeDetectorAruco())
    try:
        found, other = second_detector[0].detect(picture)
    except cv2.error:
        return None
    if not found or other is None:
        return None
    if corners is not None and np.allclose(np.reshape(other, (4, 2)),
                                           np.reshape(corners, (4, 2)), atol=2.0):
        return None  # the same corners, already tried
    return decode_located(picture, other)


def _candidates(picture: np.ndarray) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    longest = max(picture.shape[:2])
    for side in _SIDES:
        if side is None:
            out.append(picture)
        elif longest > side:
            scale = side / longest
            out.append(cv2.resize(picture, None, fx=scale, fy=scale,
                                  interpolation=cv2.INTER_AREA))
    grey = cv2.cvtColor(out[-1], cv2.COLOR_BGR2GRAY)
    out.append(cv2.equalizeHist(grey))
    return out
