"""Per-device settings (language, text size, high contrast) and how they are stored."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from typing import Protocol

from app.design.tokens import TextSize
from app.i18n.translator import LANGUAGE_NAMES

log = logging.getLogger(__name__)

SETTINGS_KEY = "tsuyama_portal.settings.v1"


@dataclass(frozen=True)
class Settings:
    language: str = "ja"
    text_size: TextSize = TextSize.NORMAL
    high_contrast: bool = False

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]  # replace checks the names

    def to_json(self) -> str:
        data = asdict(self)
        data["text_size"] = self.text_size.value
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | None, default: Settings) -> Settings:
        """Reads stored settings; anything unreadable or unknown keeps the default value."""
        if not raw:
            return default
        try:
            data = json.loads(raw)
        except (TypeError, ValueError):
            log.warning("stored settings are not JSON; using defaults")
            return default
        if not isinstance(data, dict):
            return default
        language = data.get("language")
        text_size = data.get("text_size")
        high_contrast = data.get("high_contrast")
        return Settings(
            language=language if language in LANGUAGE_NAMES else default.language,
            text_size=TextSize(text_size)
            if isinstance(text_size, str) and text_size in TextSize._value2member_map_
            else default.text_size,
            high_contrast=high_contrast
            if isinstance(high_contrast, bool)
            else default.high_contrast,
        )


class SettingsStore(Protocol):
    """Where a device keeps its settings: the browser's or phone's preferences, or memory."""

    async def load(self) -> str | None: ...

    async def save(self, raw: str) -> None: ...

    async def clear(self) -> None: ...


class MemorySettingsStore:
    """Keeps settings in memory only: used in kiosk mode (nothing stays on a shared device)."""

    def __init__(self, raw: str | None = None) -> None:
        self.raw = raw

    async def load(self) -> str | None:
        return self.raw

    async def save(self, raw: str) -> None:
        self.raw = raw

    async def clear(self) -> None:
        self.raw = None
