"""What every view receives: the translator, sizes, colours and the shell's state and actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.design.tokens import Metrics, Palette, metrics_for, palette_for
from app.i18n.translator import Translator, load_translator
from app.shell.confirmation import Confirmation
from app.shell.controlled_inputs import InputMemory
from app.shell.feature_spec import Mode
from app.shell.state import ShellState

if TYPE_CHECKING:
    from app.account.account_state import AccountState
    from app.account.device_data import DeviceData
    from app.device.public_content import PublicContent
    from app.services import AppServices


@dataclass(frozen=True)
class ViewContext:
    state: ShellState
    t: Translator
    metrics: Metrics
    palette: Palette
    navigate: Callable[[str], None]
    run_task: Callable[..., Any]
    services: AppServices | None = None  # the session's services (None in unit tests)
    refresh: Callable[[], None] = lambda: None  # re-render after a feature's state changed
    login: Callable[..., None] = lambda **_: None  # starts a login (the shell owns the page)
    logout: Callable[[str], None] = lambda _choice: None  # "ask" | "send" | "discard" | "cancel"
    # Inputs as the client last reported them (see app/shell/controlled_inputs.py).
    fields: InputMemory = field(default_factory=InputMemory)
    # Asks before something that cannot be undone (a modal dialog; app/shell/confirmation.py).
    confirm: Callable[[Confirmation], None] = lambda _c: None
    # A short message after something done ("ログアウトしました"), read out by screen readers.
    notify: Callable[[str], None] = lambda _m: None
    # Reads a QR code with the live camera in a dialog: the text of the first code the given
    # decoder reads, or None (stopped, no camera; the dialog says why). ADR 0036.
    scan_code: Callable[[Callable[[bytes], str]], Awaitable[str | None]] = \
        lambda _decode: _no_camera()

    @property
    def kiosk(self) -> bool:
        return self.state.mode is Mode.KIOSK

    @property
    def account(self) -> AccountState | None:
        """The session's `AccountState`, or None where there is no account (unit tests)."""
        return getattr(self.services, "account", None)

    @property
    def device(self) -> DeviceData | None:
        """The session's `DeviceData` (offline store and sync), or None in unit tests."""
        return getattr(self.services, "device", None)

    @property
    def public(self) -> PublicContent | None:
        """The city's public content on this device, or None in unit tests."""
        return getattr(self.services, "public", None)

    @property
    def signed_in(self) -> bool:
        account = self.account
        return account is not None and account.signed_in

    @property
    def locale(self) -> str:
        return self.t.babel_locale

    @classmethod
    def for_state(
        cls,
        state: ShellState,
        navigate: Callable[[str], None],
        run_task: Callable[..., Any],
        services: AppServices | None = None,
        refresh: Callable[[], None] = lambda: None,
        login: Callable[..., None] = lambda **_: None,
        logout: Callable[[str], None] = lambda _choice: None,
        fields: InputMemory | None = None,
        confirm: Callable[[Confirmation], None] = lambda _c: None,
        notify: Callable[[str], None] = lambda _m: None,
        scan_code: Callable[[Callable[[bytes], str]], Awaitable[str | None]] | None = None,
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
            fields=fields if fields is not None else InputMemory(),
            confirm=confirm,
            notify=notify,
            scan_code=scan_code if scan_code is not None else (lambda _decode: _no_camera()),
        )


async def _no_camera() -> str | None:
    """Where there is no page to show a camera on (unit tests)."""
    return None
