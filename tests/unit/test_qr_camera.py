"""The live camera's reading loop (app/device/qr_camera.py) with a fake camera: the back
camera is chosen, pictures are read until one holds a code, and it stops when there is no
camera, the camera fails, the resident stops it, or nothing is found in time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from app.account.qr_image import qr_png
from app.device.qr_camera import ScanStatus, back_camera, scan_for_code
from app.features.points.qr_decode import decode_qr

FRONT = SimpleNamespace(name="front", lens_direction=SimpleNamespace(value="front"))
BACK = SimpleNamespace(name="back", lens_direction=SimpleNamespace(value="back"))
BLANK = b"not a picture"  # a frame the decoder cannot read


@dataclass
class FakeCamera:
    pictures: list[bytes]
    cameras: list[Any] = field(default_factory=lambda: [FRONT, BACK])
    fail_list: bool = False
    fail_start: bool = False
    fail_pictures: bool = False
    started_with: Any = None
    taken: int = 0

    async def get_available_cameras(self) -> list[Any]:
        if self.fail_list:
            raise RuntimeError("NotAllowedError")
        return self.cameras

    async def initialize(self, description: Any, resolution_preset: Any,
                         enable_audio: bool = True) -> None:
        assert enable_audio is False  # a QR code needs no microphone permission
        if self.fail_start:
            raise RuntimeError("camera busy")
        self.started_with = description

    async def take_picture(self) -> bytes:
        if self.fail_pictures:
            raise RuntimeError("no frame")
        picture = self.pictures[min(self.taken, len(self.pictures) - 1)]
        self.taken += 1
        return picture


def run(camera: FakeCamera, *, cancel_after: int | None = None, timeout_s: float = 5.0
        ) -> tuple[ScanStatus, str | None, list[ScanStatus]]:
    seen: list[ScanStatus] = []

    async def go() -> tuple[ScanStatus, str | None]:
        cancelled = asyncio.Event()

        def status(state: ScanStatus) -> None:
            seen.append(state)

        async def cancel_later() -> None:
            while cancel_after is not None and camera.taken < cancel_after:
                await asyncio.sleep(0.001)
            if cancel_after is not None:
                cancelled.set()

        canceller = asyncio.create_task(cancel_later())
        try:
            return await scan_for_code(camera, decode_qr, resolution="medium",
                                       on_status=status, cancelled=cancelled,
                                       timeout_s=timeout_s, interval_s=0.001)
        finally:
            canceller.cancel()

    outcome, text = asyncio.run(go())
    return outcome, text, seen


def test_reads_the_first_picture_with_a_code_from_the_back_camera() -> None:
    code = "00020101021126"  # any text: the decoder's caller checks what it means
    camera = FakeCamera([BLANK, BLANK, qr_png(code)])
    outcome, text, seen = run(camera)
    assert (outcome, text) == (ScanStatus.FOUND, code)
    assert camera.started_with is BACK and camera.taken == 3
    assert seen == [ScanStatus.STARTING, ScanStatus.LOOKING, ScanStatus.FOUND]


def test_a_japanese_code_is_read_whole() -> None:
    code = "TSPT1.ごんご商店.署名"
    outcome, text, _ = run(FakeCamera([qr_png(code)]))
    assert (outcome, text) == (ScanStatus.FOUND, code)


def test_the_only_camera_is_used_when_none_faces_back() -> None:
    assert back_camera([FRONT]) is FRONT
    camera = FakeCamera([qr_png("a")], cameras=[FRONT])
    assert run(camera)[0] is ScanStatus.FOUND and camera.started_with is FRONT


@pytest.mark.parametrize(("camera", "expected"), [
    (FakeCamera([BLANK], cameras=[]), ScanStatus.NO_CAMERA),
    (FakeCamera([BLANK], fail_list=True), ScanStatus.NO_CAMERA),  # permission refused
    (FakeCamera([BLANK], fail_start=True), ScanStatus.FAILED),
    (FakeCamera([BLANK], fail_pictures=True), ScanStatus.FAILED),
])
def test_without_a_working_camera_it_ends_and_says_why(camera: FakeCamera,
                                                        expected: ScanStatus) -> None:
    outcome, text, seen = run(camera)
    assert (outcome, text) == (expected, None)
    assert seen[0] is ScanStatus.STARTING and seen[-1] is expected


def test_stopped_by_the_resident() -> None:
    camera = FakeCamera([BLANK])
    outcome, text, seen = run(camera, cancel_after=3)
    assert (outcome, text) == (ScanStatus.CANCELLED, None)
    assert seen[-1] is ScanStatus.CANCELLED


def test_gives_up_after_its_time_without_a_code() -> None:
    outcome, text, _ = run(FakeCamera([BLANK]), timeout_s=0.05)
    assert (outcome, text) == (ScanStatus.TIMED_OUT, None)
