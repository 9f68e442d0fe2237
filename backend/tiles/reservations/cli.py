"""`python -m backend tile reservations import-resources FOLDER [--check]`: check a folder
of resource definitions and import it (docs/reservations.md §1).

Prints one line per file (added, updated, unchanged, restored), the withdrawn resources and
every error as `FILE: $.path: message`. Exit status: 0 imported (or, with --check,
importable), 1 with errors (nothing is changed), 2 a configuration error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.command_settings import command_settings
from backend.db import make_engine
from backend.schema import upgrade_to_head
from backend.tiles.reservations.resources.importer import import_folder

COMMAND = "import-resources"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m backend tile reservations {COMMAND}",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="folder of *.json resource definitions")
    parser.add_argument("--check", action="store_true",
                        help="check only: report what an import would do, change nothing")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the SQLite database when DATABASE_URL is unset")
    parser.add_argument("--municipality", default=None,
                        help="municipality code (default: the backend's, 332038)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configured = command_settings(args.data_dir, args.municipality)
    if configured is None:
        return 2
    settings, code = configured
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        report = import_folder(engine, code, args.folder, check_only=args.check)
    finally:
        engine.dispose()
    for line in report.lines():
        print(line, file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1
