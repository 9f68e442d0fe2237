"""The Flet entry point: one `PortalShell` per connected page (browser tab, window, kiosk)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import flet as ft

from app.account.account_state import AccountState
from app.account.device_data import DeviceData
from app.account.token_store import (
    FallbackTokenStore,
    KeyringTokenStore,
    MemoryTokenStore,
    TokenStore,
)
from app.backend_gate import BackendGate
from app.config import AppConfig
from app.device.notifications import plyer_notifier
from app.device.preferences import DevicePreferencesStore
from app.device.public_content import PublicContent
from app.device.secure_storage import SecureStorageDataKeyStore, SecureStorageTokenStore
from app.gated_transport import gated_transport
from app.services import AppServices
from app.shell.app_shell import PortalShell
from app.shell.feature_spec import Mode
from app.shell.idle_timer import IdleTimer
from app.shell.registry import FeatureRegistry
from app.shell.settings import MemorySettingsStore, Settings, SettingsStore
from app.shell.state import ShellState
from app.staff.wiring import install as install_staff_screens
from backend_client import BackendClient
from offline_store import DataKeyStore, KeyringDataKeyStore


def token_store_for(page: ft.Page, config: AppConfig, kiosk: bool) -> TokenStore:
    """Kiosks keep the login in memory only; phones in their secure storage; desktops in the
    OS keyring (memory for the session if the machine has none)."""
    if kiosk or config.token_store == "memory":
        return MemoryTokenStore()
    if page.platform is not None and page.platform.is_mobile() and not page.web:
        return SecureStorageTokenStore()
    return FallbackTokenStore(KeyringTokenStore())


def data_key_store_for(page: ft.Page) -> Callable[[], DataKeyStore]:
    """Where the offline store's data key lives (kiosks never ask: their key is ephemeral)."""
    if page.platform is not None and page.platform.is_mobile() and not page.web:
        return SecureStorageDataKeyStore
    return KeyringDataKeyStore


def gate_open(gate: BackendGate | None) -> bool:
    return gate is None or gate.is_open


# How long after the first session's first render the embedded backend is started.
BACKEND_START_AFTER_S = 1.5


async def _want_backend_after(gate: BackendGate, delay_s: float) -> None:
    await asyncio.sleep(delay_s)
    gate.want()


def build_main(config: AppConfig) -> Callable[[ft.Page], Awaitable[None]]:
    registry = FeatureRegistry.load()
    install_staff_screens()  # /staff and each tile's staff screens (app/staff/)

    async def main(page: ft.Page) -> None:
        state = ShellState(registry, config.mode, Settings(language=config.language))
        kiosk = config.mode is Mode.KIOSK
        backend = BackendClient(config.backend_url,
                                transport=gated_transport(config.backend_gate))
        tokens = token_store_for(page, config, kiosk)
        public = PublicContent(config.data_dir, backend, run_task=page.run_task)
        services = AppServices(
            backend=backend,
            backend_url=config.backend_url,
            account=AccountState(backend, tokens),
            device=DeviceData(config.data_dir, backend, kiosk=kiosk, run_task=page.run_task,
                              key_store=data_key_store_for(page), public=public),
            public=public,
            local_settings=(lambda _key: MemorySettingsStore()) if kiosk
            else DevicePreferencesStore,
            notifier=None if page.web else plyer_notifier,
            public_app_url=config.public_url,
            kiosk_key=config.kiosk_key,
            backend_starting=(lambda: False) if config.backend_gate is None
            else (lambda: not gate_open(config.backend_gate)),
        )
        # A shared kiosk keeps nothing on the device: settings live in memory for one person.
        store: SettingsStore = MemorySettingsStore() if kiosk else DevicePreferencesStore()
        idle = IdleTimer(config.kiosk_idle_seconds) if kiosk else None
        shell = PortalShell(page, state, services, store, idle)

        async def on_close(_: object) -> None:
            shell.close()
            await services.aclose()

        await shell.start()
        if config.backend_gate is not None:
            # The first frame is on its way: start the embedded backend once the browser has
            # had a moment to draw it (docs/benchmarks.md, "Start-up").
            page.run_task(_want_backend_after, config.backend_gate, BACKEND_START_AFTER_S)
        # Not on_disconnect: a login redirect disconnects the tab and then resumes the session.
        page.on_close = on_close

    return main
