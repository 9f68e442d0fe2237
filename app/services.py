"""The services one app session uses, made once per session and closed with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.account.account_state import AccountState
from app.account.device_data import DeviceData
from app.device.notifications import Notifier
from app.device.public_content import PublicContent
from app.shell.settings import MemorySettingsStore, SettingsStore
from backend_client import BackendClient

T = TypeVar("T")


@dataclass
class AppServices:
    backend: BackendClient
    backend_url: str
    account: AccountState
    device: DeviceData
    public: PublicContent  # the city's public content on this device (shared by everyone)
    # A tile's own settings on this device, by key (memory only on kiosks).
    local_settings: Callable[[str], SettingsStore] = lambda _key: MemorySettingsStore()
    notifier: Notifier | None = None  # local notifications (None in a browser)
    # The app's public address (the city's hosted app), for links a resident opens on their
    # own phone (a kiosk's 「スマートフォンに送る」); "" when not configured.
    public_app_url: str = ""
    # A kiosk's device key for the city's kiosk routes (walk-in numbers without a login;
    # app/features/numbers/); "" when this device has none.
    kiosk_key: str = ""
    # Whether the embedded backend is still starting (its requests wait at the gate).
    backend_starting: Callable[[], bool] = lambda: False
    _feature_states: dict[str, Any] = field(default_factory=dict)

    def feature_state(self, key: str, factory: Callable[[], T]) -> T:
        """The session's state object of one feature, made on first use."""
        if key not in self._feature_states:
            self._feature_states[key] = factory()
        return self._feature_states[key]

    def reset_for_next_user(self) -> None:
        """A kiosk's next person: every tile's state of this session is dropped (search
        text, a district taken from the last household's address, loaded records), so each
        tile starts again from nothing on its next use (ADR 0026)."""
        self._feature_states.clear()

    async def aclose(self) -> None:
        await self.device.stop()
        await self.public.stop()
        await self.backend.aclose()
