"""`python -m backend tile points check-rules FOLDER` and `... import-rules FOLDER`.

Both read `rules.json` and `districts.json` in FOLDER and print the report: one line per
malformed entry (`rules.json: rules[2] (id 'x'): amount must be ...`). `check-rules` stops
there; `import-rules` publishes the good entries (rules or districts the folder no longer
has become inactive; a file that failed to load changes nothing).

Exit status: 0 when the folder is clean (check) or something was published (import), 1 when
an entry is malformed (check) or nothing could be loaded, 2 for a configuration error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.command_settings import command_settings
from backend.db import make_engine
from backend.schema import upgrade_to_head
from backend.tiles.points.rules import PointsFileError, RulesFolder, read_folder
from backend.tiles.points.rules_store import publish

CHECK = "check-rules"
IMPORT = "import-rules"


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m backend tile points {command}",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path,
                        help="folder with rules.json and districts.json (docs/points.md)")
    return parser


def _read(folder: Path) -> RulesFolder | None:
    try:
        found = read_folder(folder)
    except PointsFileError as exc:
        print(str(exc), file=sys.stderr)
        return None
    for line in found.lines():
        print(line)
    return found


def check_main(argv: list[str]) -> int:
    args = _parser(CHECK).parse_args(argv)
    found = _read(args.folder)
    if found is None or not found.anything_loaded:
        return 1
    return 1 if found.problems else 0


def import_main(argv: list[str]) -> int:
    parser = _parser(IMPORT)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the SQLite database when DATABASE_URL is unset")
    parser.add_argument("--municipality", default=None,
                        help="municipality code (default: the backend's, 332038)")
    args = parser.parse_args(argv)
    configured = command_settings(args.data_dir, args.municipality)
    if configured is None:
        return 2
    settings, code = configured
    found = _read(args.folder)
    if found is None or not found.anything_loaded:
        print("nothing could be loaded", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        result = publish(engine, code, found)
    finally:
        engine.dispose()
    print(result.summary())
    return 0
