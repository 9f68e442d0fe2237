"""`python -m backend tile points expire [--data-dir DIR]`: run the expiry job now.

Exit status: 0 when the run finished (also when nothing expired), 2 for a configuration
error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.db import make_engine
from backend.schema import upgrade_to_head
from backend.settings import Settings
from backend.tiles.points.expiry import run_expiry

EXPIRE = "expire"


def expire_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m backend tile points {EXPIRE}",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the SQLite database when DATABASE_URL is unset")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(args.data_dir)
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        run = run_expiry(engine)
    finally:
        engine.dispose()
    print(f"expired {run.points} points of {run.accounts} residents")
    return 0
