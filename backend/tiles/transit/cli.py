"""Commands of the transit tile (docs/transit-feeds.md):

- `python -m backend tile transit import-feed --id ID --name NAME --licence L
  --attribution A [--ic-percent-off N] PATH`: import a GTFS-JP feed (a zip, a folder, or an
  http(s) address to download) as feed ID and print the report. Exit status: 0 imported or
  unchanged, 1 refused or unreachable, 2 a configuration or argument error.
- `python -m backend tile transit list`: every feed's current version and last attempt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from backend.command_settings import command_settings
from backend.db import make_engine
from backend.models import as_utc
from backend.schema import upgrade_to_head
from backend.tiles.transit import versions
from backend.tiles.transit.feeds_config import (
    MAX_ATTRIBUTION,
    MAX_LICENCE,
    MAX_NAME,
    FeedConfig,
    IcFare,
    check_feed_id,
    check_text,
    check_url,
)
from backend.tiles.transit.fetch import fetch_and_import
from backend.tiles.transit.importer import ImportResult, import_feed

IMPORT = "import-feed"
LIST = "list"


def _checked(check: Callable[[str], str], label: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        try:
            return check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{label} {exc}") from None

    return parse


def _percent(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 100:
        raise argparse.ArgumentTypeError("--ic-percent-off must be a whole number 0 to 100")
    return int(value)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the SQLite database when DATABASE_URL is unset")
    parser.add_argument("--municipality", default=None,
                        help="municipality code (default: the backend's, 332038)")


def import_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m backend tile transit {IMPORT}",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="the feed: a .zip, a folder, or an http(s) address")
    parser.add_argument("--id", required=True, type=_checked(check_feed_id, "--id"),
                        help="feed id, e.g. awa-bus")
    parser.add_argument("--name", required=True,
                        type=_checked(lambda v: check_text(v, MAX_NAME), "--name"))
    parser.add_argument("--licence", required=True,
                        type=_checked(lambda v: check_text(v, MAX_LICENCE), "--licence"))
    parser.add_argument("--attribution", required=True,
                        type=_checked(lambda v: check_text(v, MAX_ATTRIBUTION),
                                      "--attribution"))
    parser.add_argument("--ic-percent-off", type=_percent, default=None,
                        help="IC card fare: the cash fare less this percent")
    _common(parser)
    args = parser.parse_args(argv)
    configured = command_settings(args.data_dir, args.municipality)
    if configured is None:
        return 2
    settings, code = configured
    is_url = args.source.startswith(("http://", "https://"))
    try:
        url = check_url(args.source) if is_url else None
    except ValueError as exc:
        print(f"the address {exc}", file=sys.stderr)
        return 2
    path = None if is_url else Path(args.source).expanduser()
    ic_fare = IcFare(percent_off=args.ic_percent_off) if args.ic_percent_off is not None \
        else None
    feed = FeedConfig(id=args.id, name=args.name, licence=args.licence,
                      attribution=args.attribution, url=url, path=path, ic_fare=ic_fare)
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        result = (fetch_and_import(engine, code, feed) if url
                  else import_feed(engine, code, feed, path or Path()))
    finally:
        engine.dispose()
    return _print_result(result)


def _print_result(result: ImportResult) -> int:
    print(f"feed {result.feed_id}: {result.outcome}"
          + (f" (version {result.version[:12]})" if result.version else ""))
    for line in result.report:
        print(f"  {line}")
    return 0 if result.usable else 1


def list_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m backend tile transit {LIST}",
                                     description="Every feed's current version and last "
                                                 "import attempt.")
    _common(parser)
    args = parser.parse_args(argv)
    configured = command_settings(args.data_dir, args.municipality)
    if configured is None:
        return 2
    settings, code = configured
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        current = {row.feed_id: row for row in versions.current_versions(engine, code)}
        last = versions.last_attempts(engine, code)
        ids = versions.known_feed_ids(engine, code)
    finally:
        engine.dispose()
    if not ids:
        print("no feeds")
    for feed_id in ids:
        row = current.get(feed_id)
        if row is None:
            print(f"{feed_id}: no current timetable")
        else:
            demo = " [demo]" if row.is_demo else ""
            print(f"{feed_id}: {row.name}{demo}, version {row.sha256[:12]} of "
                  f"{as_utc(row.imported_at).isoformat(timespec='seconds')}, "
                  f"{row.stops} stops, {row.trips} trips, "
                  f"service {row.service_start or '-'} to {row.service_end or '-'}")
        attempt = last.get(feed_id)
        if attempt is not None:
            first = attempt.report.splitlines()[:1]
            print(f"  last attempt {as_utc(attempt.at).isoformat(timespec='seconds')}: "
                  f"{attempt.outcome}" + (f": {first[0]}" if first else ""))
    return 0
