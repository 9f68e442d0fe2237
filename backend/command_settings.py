"""What a tile's command line (`python -m backend tile <id> <command>`) needs first: the
backend's settings for its data folder and the municipality it acts for."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from backend.settings import Settings


def command_settings(data_dir: Path | None, municipality: str | None
                     ) -> tuple[Settings, str] | None:
    """The settings and the 6-digit municipality code (the option, else the backend's);
    None after saying on stderr what is wrong with the configuration (the command exits 2)."""
    try:
        settings = Settings.from_env(data_dir)
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return None
    code = municipality or settings.municipality_code
    if not re.fullmatch(r"\d{6}", code):
        print(f"Configuration error: --municipality must be a 6-digit code, got {code!r}",
              file=sys.stderr)
        return None
    return settings, code
