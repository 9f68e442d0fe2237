"""`python -m backend import-waste FOLDER`: publish a city's waste files and print the report.

Exit status: 0 when something loaded (problems are listed, the rest is published), 1 when
nothing could be loaded, 2 for a configuration error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from backend.command_settings import command_settings
from backend.db import make_engine
from backend.schema import upgrade_to_head
from backend.tiles.waste.dataset import load_folder, read_source_info
from backend.tiles.waste.import_report import WasteFileError
from backend.tiles.waste.publish import publish_dataset

COMMAND = "import-waste"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m backend {COMMAND}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="folder with the CSV files (docs/waste-data.md)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the SQLite database when DATABASE_URL is unset")
    parser.add_argument("--municipality", default=None,
                        help="municipality code (default: the backend's, 332038)")
    parser.add_argument("--key", help="dataset key (default: dataset.json, else the folder name)")
    parser.add_argument("--title", help="dataset title")
    parser.add_argument("--attribution", help="attribution shown with the data")
    parser.add_argument("--licence", help="licence of the data, e.g. CC-BY-4.0")
    parser.add_argument("--dry-run", action="store_true", help="check and report, publish nothing")
    parser.add_argument("--no-readings", action="store_true",
                        help="do not generate readings for names without one")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configured = command_settings(args.data_dir, args.municipality)
    if configured is None:
        return 2
    settings, code = configured
    try:
        source = read_source_info(args.folder) if args.folder.is_dir() else None
        if source is not None:
            overrides = {name: getattr(args, name) for name in ("key", "title", "attribution",
                                                                  "licence")
                         if getattr(args, name) is not None}
            source = replace(source, **overrides)
        dataset = load_folder(args.folder, municipality_code=code, source=source,
                              generate_readings=not args.no_readings)
    except WasteFileError as exc:
        print(f"{exc}", file=sys.stderr)
        print("nothing loaded", file=sys.stderr)
        return 1
    print(f"dataset {dataset.source.key} ({dataset.source.title}) for {code}")
    for line in dataset.report.lines():
        print(line)
    if not dataset.report.anything_loaded:
        print("nothing could be loaded", file=sys.stderr)
        return 1
    if args.dry_run:
        print("dry run: nothing published")
        return 0
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        result = publish_dataset(engine, code, dataset)
    finally:
        engine.dispose()
    print(result.summary())
    return 0
