"""What the tiles that import a city's folder of JSON definitions (procedures, reservations)
share: the `import-...` command line and the folder setting read from the environment.

A tile gives its own importer (`import_folder(engine, code, folder, check_only=...)` with a
report that has `ok` and `lines()`); the command checks the configuration, migrates, imports
and prints every line. Exit status: 0 imported (or, with --check, importable), 1 with errors
(nothing is changed), 2 a configuration error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from backend.command_settings import command_settings
from backend.db import make_engine
from backend.schema import upgrade_to_head


class ImportReport(Protocol):
    @property
    def ok(self) -> bool: ...

    def lines(self) -> Iterable[str]: ...


class FolderImporter(Protocol):
    def __call__(self, engine: Engine, municipality_code: str, folder: Path, *,
                 check_only: bool = ...) -> ImportReport: ...


def import_command(argv: list[str], *, prog: str, description: str | None, what: str,
                   import_folder: FolderImporter) -> int:
    """Runs `prog FOLDER [--check] [--data-dir D] [--municipality CODE]`; `what` names the
    files in the help ("procedure definitions")."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help=f"folder of *.json {what}")
    parser.add_argument("--check", action="store_true",
                        help="check only: report what an import would do, change nothing")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the SQLite database when DATABASE_URL is unset")
    parser.add_argument("--municipality", default=None,
                        help="municipality code (default: the backend's, 332038)")
    args = parser.parse_args(argv)
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


def folder_from_env(environ: Mapping[str, str], variable: str, what: str) -> Path | None:
    """The folder `variable` names, None when unset; a folder that does not exist stops the
    backend with its name (its files are checked, with every error logged, at each start)."""
    raw = environ.get(variable, "").strip()
    if not raw:
        return None
    folder = Path(raw).expanduser()
    if not folder.is_dir():
        raise ValueError(f"{variable} must be a folder of {what}, got {raw!r}")
    return folder
