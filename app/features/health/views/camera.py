"""Taking a meal photo with the live camera: a dialog with the preview, 「撮影」 and
「やめる」 (flet_camera; the back camera when there is one). The picture stays in memory and
goes to the photo intake, which strips its metadata at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import flet as ft
import flet_camera as fc

from app.design.widgets import big_button, quiet_button
from app.device.qr_camera import back_camera
from app.shell.context import ViewContext

log = logging.getLogger(__name__)


async def take_photo(ctx: ViewContext) -> bytes | None:
    """The picture taken, or None (stopped, no camera: the dialog says why first)."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    page = ft.context.page
    side = m.body_size * 18
    camera = fc.Camera(width=side, height=side * 0.75, preview_enabled=True)
    status = ft.Text(t("Starting the camera… If the browser asks, allow the camera."),
                     size=m.body_size, color=p.on_surface)
    done: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()

    async def shoot(_: Any) -> None:
        try:
            picture = await camera.take_picture()
        except Exception:  # the camera stopped
            log.info("no picture from the camera", exc_info=True)
            picture = None
        if not done.done():
            done.set_result(picture or None)

    def stop(_: Any) -> None:
        if not done.done():
            done.set_result(None)

    dialog = ft.AlertDialog(
        modal=True, title=ft.Text(t("Take a photo of your meal"), size=m.title_size),
        content=ft.Column([camera, ft.Semantics(identifier="health-camera-status",
                                                live_region=True, content=status)],
                          tight=True, spacing=m.body_size * 0.75),
        bgcolor=p.surface,
        actions=[big_button(t("Take the photo"), "PHOTO_CAMERA", m, p, shoot,
                            "health-camera-shoot"),
                 quiet_button(t("Stop"), m, p, stop, "health-camera-stop")])
    page.show_dialog(dialog)
    await asyncio.sleep(0)
    try:
        cameras = await camera.get_available_cameras()
        if not cameras:
            raise RuntimeError("no camera")
        await camera.initialize(back_camera(cameras), fc.ResolutionPreset.HIGH,
                                enable_audio=False)
        status.value = t("Hold the phone above the table so every dish is in the picture.")
    except Exception:
        log.info("the camera did not start", exc_info=True)
        status.value = t("No camera can be used on this device. Choose a photo instead.")
    with contextlib.suppress(RuntimeError):
        status.update()
    try:
        return await done
    finally:
        page.pop_dialog()
