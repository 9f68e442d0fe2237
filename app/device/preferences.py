"""Settings kept by the device itself: Flet's SharedPreferences (browser localStorage on the
web, NSUserDefaults / SharedPreferences on phones), so each device remembers its own choice."""

from __future__ import annotations

import logging

import flet as ft

from app.shell.settings import SETTINGS_KEY

log = logging.getLogger(__name__)


class DevicePreferencesStore:
    def __init__(self, key: str = SETTINGS_KEY) -> None:
        self._prefs = ft.SharedPreferences()
        self._key = key

    async def load(self) -> str | None:
        try:
            value = await self._prefs.get(self._key)
        except Exception:  # a client without storage must not stop the app
            log.warning("device preferences could not be read", exc_info=True)
            return None
        return value if isinstance(value, str) else None

    async def save(self, raw: str) -> None:
        try:
            await self._prefs.set(self._key, raw)
        except Exception:
            log.warning("device preferences could not be written", exc_info=True)

    async def clear(self) -> None:
        try:
            await self._prefs.remove(self._key)
        except Exception:
            log.warning("device preferences could not be cleared", exc_info=True)
