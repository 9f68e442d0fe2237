"""The app's start-up configuration, from the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.backend_gate import BackendGate
from app.shell.feature_spec import Mode
from app.shell.idle_timer import DEFAULT_KIOSK_IDLE_SECONDS


@dataclass(frozen=True)
class AppConfig:
    backend_url: str
    data_dir: Path
    language: str = "ja"
    mode: Mode = Mode.RESIDENT
    kiosk_idle_seconds: float = DEFAULT_KIOSK_IDLE_SECONDS
    token_store: str = "keyring"  # "keyring" (phones, desktop) or "memory" (hosted web)
    # The app's public address (the city's hosted app): a kiosk's 「スマートフォンに送る」 QR
    # code points there; "": the kiosk asks the resident to ask the staff.
    public_url: str = ""
    # Kiosk mode: the device key (`X-Kiosk-Key`) with which the kiosk hands out waiting
    # numbers without a login; "": none (never shown in a repr or a log).
    kiosk_key: str = field(default="", repr=False)
    # The embedded backend while it starts: requests wait for it (app/backend_gate.py).
    backend_gate: BackendGate | None = None
