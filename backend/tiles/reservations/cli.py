"""`python -m backend tile reservations import-resources FOLDER [--check]`: check a folder
of resource definitions and import it (docs/reservations.md §1).

Prints one line per file (added, updated, unchanged, restored), the withdrawn resources and
every error as `FILE: $.path: message`. Exit status: 0 imported (or, with --check,
importable), 1 with errors (nothing is changed), 2 a configuration error.
"""

from __future__ import annotations

from backend.folder_import import import_command
from backend.tiles.reservations.resources.importer import import_folder

COMMAND = "import-resources"


def main(argv: list[str]) -> int:
    return import_command(argv, prog=f"python -m backend tile reservations {COMMAND}",
                          description=__doc__, what="resource definitions",
                          import_folder=import_folder)
