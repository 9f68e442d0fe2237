"""What every view receives: the translator, sizes, colours and the shell's state and actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.design.tokens import Metrics, Palette, metrics_for, palette_for
from app.i18n.translator import Translator, load_translator
from app.shell.feature_spec import Mode
from app.shell.state import ShellState


@dataclass(frozen=True)
class ViewContext:
    state: ShellState
    t: Translator
    metrics: Metrics
    palette: Palette
    navigate: Callable[[str], None]
    run_task: Callable[..., Any]
    services: Any = None  # the session's AppServices (backend client, feature states)
    refresh: Callable[[], None] = lambda: None  # re-render after a feature's state changed
    login: Callable[..., None] = lambda **_: None  # starts a login (the shell owns the page)
    logout: Callable[[str], None] = lambda _choice: None  # "ask" | "send" | "discard" | "cancel"

    @property
    def kiosk(self) -> bool:
        return self.state.mode is Mode.KIOSK

    @property
    def account(self) -> Any:
        """The session's `AccountState`, or None where there is no account (unit tests)."""
        return getattr(self.services, "account", None)

    @property
    def device(self) -> Any:
        """The session's `DeviceData` (offline store and sync), or None in unit tests."""
        return getattr(self.services, "device", None)

    @property
    def locale(self) -> str:
        return self.t.babel_locale

    @classmethod
    def for_state(
        cls,
        state: ShellState,
        navigate: Callable[[str], None],
        run_task: Callable[..., Any],
        services: Any = None,
        refresh: Callable[[], None] = lambda: None,
        login: Callable[..., None] = lambda **_: None,
        logout: Callable[[str], None] = lambda _choice: None,
    ) -> ViewContext:
        settings = state.settings
        return cls(
            state=state,
            t=load_translator(settings.language),
            metrics=metrics_for(settings.text_size, kiosk=state.mode is Mode.KIOSK),
            palette=palette_for(settings.high_contrast),
            navigate=navigate,
            run_task=run_task,
            services=services,
            refresh=refresh,
            login=login,
            logout=logout,
        )
