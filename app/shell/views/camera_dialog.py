"""The live camera dialog (ADR 0036): the preview, one line saying what is happening, and
「やめる」. The loop that reads the pictures is `app/device/qr_camera.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft
import flet_camera as fc

from app.design.tokens import Metrics, Palette
from app.design.widgets import quiet_button
from app.device.qr_camera import ScanStatus
from app.i18n.translator import Translator

STATUS_TEXT = {
    ScanStatus.STARTING: "Starting the camera… If the browser asks, allow the camera.",
    ScanStatus.LOOKING: "Hold the QR code inside the frame.",
    ScanStatus.FOUND: "Code read.",
    ScanStatus.NO_CAMERA: "No camera can be used on this device. Read the code from a "
                          "picture instead.",
    ScanStatus.FAILED: "The camera stopped. Read the code from a picture instead.",
    ScanStatus.TIMED_OUT: "No code was found. Try again closer, with more light, or read "
                          "the code from a picture.",
    ScanStatus.CANCELLED: "",
}


def camera_control(metrics: Metrics) -> fc.Camera:
    side = metrics.body_size * 16
    return fc.Camera(width=side, height=side * 0.75, preview_enabled=True)


def status_line(t: Translator, status: ScanStatus, metrics: Metrics,
                palette: Palette) -> ft.Text:
    return ft.Text(t(STATUS_TEXT[status]) if STATUS_TEXT[status] else "",
                   size=metrics.body_size, color=palette.on_surface)


def camera_dialog(t: Translator, camera: fc.Camera, status: ft.Text, metrics: Metrics,
                  palette: Palette, on_cancel: Callable[[Any], Any]) -> ft.AlertDialog:
    title = t("Scan the QR code")
    return ft.AlertDialog(
        modal=True,
        title=ft.Semantics(header=True, content=ft.Text(
            title, size=metrics.title_size, weight=ft.FontWeight.BOLD,
            color=palette.on_surface)),
        content=ft.Column([
            ft.Semantics(identifier="camera-preview", label=t("Camera preview"),
                         content=camera),
            ft.Semantics(identifier="camera-status", live_region=True, content=status),
        ], tight=True, spacing=metrics.body_size * 0.75),
        bgcolor=palette.surface,
        actions=[quiet_button(t("Stop"), metrics, palette, on_cancel, "camera-stop")],
        actions_alignment=ft.MainAxisAlignment.END,
        semantics_label=title,
    )
