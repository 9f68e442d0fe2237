"""`python -m backend tile procedures import-procedures FOLDER [--check]`: check a folder of
procedure definitions and import it (docs/procedure-definitions.md).

Prints one line per file (added, updated, unchanged), the warnings, and every error as
`FILE: PATH: message`. Exit status: 0 imported (or, with --check, importable), 1 with
errors (nothing is stored), 2 a configuration error.
"""

from __future__ import annotations

from backend.folder_import import import_command
from backend.tiles.procedures.definitions.importer import import_folder

COMMAND = "import-procedures"


def main(argv: list[str]) -> int:
    return import_command(argv, prog=f"python -m backend tile procedures {COMMAND}",
                          description=__doc__, what="definitions", import_folder=import_folder)
