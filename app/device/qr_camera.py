"""Reading a QR code with the live camera: the loop behind the camera dialog (ADR 0036).

Plain Python over a small camera port (`flet_camera.Camera` has these three methods), so the
loop is tested with a fake camera. It picks the back camera when there is one, takes a still
picture a few times a second, decodes it off the event loop with the caller's decoder (the
points tile's OpenCV reader) and stops at the first code, when the resident cancels, or
after `timeout_s`. Pictures stay in memory and are dropped at once; nothing is stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, Protocol

log = logging.getLogger(__name__)

SCAN_TIMEOUT_S = 90.0
PICTURE_INTERVAL_S = 0.25


class ScanStatus(Enum):
    STARTING = "starting"  # asking for the camera (the browser may ask for permission)
    LOOKING = "looking"  # pictures are being read
    NO_CAMERA = "no_camera"  # the device has none (or none is allowed)
    FAILED = "failed"  # the camera would not start or stopped giving pictures
    TIMED_OUT = "timed_out"  # no code in `timeout_s`
    FOUND = "found"
    CANCELLED = "cancelled"


class CameraPort(Protocol):
    async def get_available_cameras(self) -> Sequence[Any]: ...

    async def initialize(self, description: Any, resolution_preset: Any,
                         enable_audio: bool = True) -> Any: ...

    async def take_picture(self) -> bytes: ...


def back_camera(cameras: Sequence[Any]) -> Any:
    """The camera facing away from the resident (a code is held in front of the phone), else
    the first one (a laptop's or a kiosk's only camera)."""
    for camera in cameras:
        direction = getattr(camera, "lens_direction", None)
        if getattr(direction, "value", direction) == "back":
            return camera
    return cameras[0]


async def scan_for_code(
    camera: CameraPort, decode: Callable[[bytes], str], *, resolution: Any,
    on_status: Callable[[ScanStatus], None], cancelled: asyncio.Event,
    timeout_s: float = SCAN_TIMEOUT_S, interval_s: float = PICTURE_INTERVAL_S,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[ScanStatus, str | None]:
    """(how it ended, the code's text when found). `decode` raises ValueError when a picture
    holds no readable code."""
    on_status(ScanStatus.STARTING)
    try:
        cameras = await camera.get_available_cameras()
    except Exception:  # a browser without media devices, a refused permission
        log.info("no camera list", exc_info=True)
        cameras = []
    if cancelled.is_set():
        return _end(ScanStatus.CANCELLED, on_status)
    if not cameras:
        return _end(ScanStatus.NO_CAMERA, on_status)
    try:
        await camera.initialize(back_camera(cameras), resolution, enable_audio=False)
    except Exception:
        log.info("the camera did not start", exc_info=True)
        return _end(ScanStatus.FAILED, on_status)
    on_status(ScanStatus.LOOKING)
    deadline = clock() + timeout_s
    failures = 0
    while not cancelled.is_set():
        if clock() >= deadline:
            return _end(ScanStatus.TIMED_OUT, on_status)
        try:
            picture = await camera.take_picture()
            failures = 0
        except Exception:
            failures += 1
            log.info("no picture from the camera", exc_info=True)
            if failures >= 3:
                return _end(ScanStatus.FAILED, on_status)
            picture = b""
        if picture and not cancelled.is_set():
            try:
                text = await asyncio.to_thread(decode, picture)
            except ValueError:
                text = ""
            if text:
                on_status(ScanStatus.FOUND)
                return ScanStatus.FOUND, text
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(cancelled.wait(), interval_s)
    return _end(ScanStatus.CANCELLED, on_status)


def _end(status: ScanStatus, on_status: Callable[[ScanStatus], None]
         ) -> tuple[ScanStatus, None]:
    on_status(status)
    return status, None
