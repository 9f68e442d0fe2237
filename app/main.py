"""The Flet entry point: one `PortalShell` per connected page (browser tab, window, kiosk)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from app.config import AppConfig
from app.device.preferences import DevicePreferencesStore
from app.services import AppServices
from app.shell.app_shell import PortalShell
from app.shell.feature_spec import Mode
from app.shell.idle_timer import IdleTimer
from app.shell.registry import FeatureRegistry
from app.shell.settings import MemorySettingsStore, Settings, SettingsStore
from app.shell.state import ShellState
from backend_client import BackendClient


def build_main(config: AppConfig) -> Callable[[ft.Page], Awaitable[None]]:
    registry = FeatureRegistry.load()

    async def main(page: ft.Page) -> None:
        state = ShellState(registry, config.mode, Settings(language=config.language))
        services = AppServices(backend=BackendClient(config.backend_url))
        kiosk = config.mode is Mode.KIOSK
        # A shared kiosk keeps nothing on the device: settings live in memory for one person.
        store: SettingsStore = MemorySettingsStore() if kiosk else DevicePreferencesStore()
        idle = IdleTimer(config.kiosk_idle_seconds) if kiosk else None
        shell = PortalShell(page, state, services, store, idle)

        async def on_close(_: object) -> None:
            shell.close()
            await services.aclose()

        await shell.start()
        page.on_disconnect = on_close
        page.on_close = on_close

    return main
