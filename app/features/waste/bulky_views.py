"""The bulky-waste booking screens (粗大ごみ): filled in with the booking flow."""

from __future__ import annotations

import flet as ft

from app.features.waste.state import WasteState
from app.shell.context import ViewContext


def bulky_section(ctx: ViewContext, state: WasteState) -> list[ft.Control]:
    return []
