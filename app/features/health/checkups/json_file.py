"""Reading one of the check-ups' data files (screenings, thresholds, the checklist): a file
that cannot be read or is not JSON in UTF-8 is a ValueError naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: not a JSON file in UTF-8 ({exc})") from exc
