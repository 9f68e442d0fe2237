"""The kiosk devices' commands (docs/reservations.md §3, "Kiosk numbers without a login"):

    python -m backend tile reservations kiosk-add --name NAME [--counter ID ...]
    python -m backend tile reservations kiosk-list
    python -m backend tile reservations kiosk-revoke ID

`kiosk-add` prints the new device's id and its key, once: only the key's SHA-256 is kept,
so a lost key is revoked and a new device added. `kiosk-list` shows every device (never a
key). Each takes `--data-dir` and `--municipality` as the import commands do. Exit status:
0 done, 1 refused (an unknown counter or device), 2 a configuration error.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from backend.command_settings import command_settings
from backend.db import make_engine
from backend.models import as_utc
from backend.schema import upgrade_to_head
from backend.services import clock
from backend.tiles.reservations.kiosks.keys import add_device, devices, revoke_device
from backend.tiles.reservations.queue.counters import all_counters

ADD, LIST, REVOKE = "kiosk-add", "kiosk-list", "kiosk-revoke"
PROG = "python -m backend tile reservations"
COUNTER_ID = re.compile(r"[a-z0-9-]{1,64}")


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} {command}", description=description)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the SQLite database when DATABASE_URL is unset")
    parser.add_argument("--municipality", default=None,
                        help="municipality code (default: the backend's, 332038)")
    return parser


def _run(args: argparse.Namespace, work: Callable[[Engine, str], int]) -> int:
    configured = command_settings(args.data_dir, args.municipality)
    if configured is None:
        return 2
    settings, code = configured
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        return work(engine, code)
    finally:
        engine.dispose()


def _moment(value: datetime | None) -> str:
    return as_utc(value).isoformat(timespec="seconds") if value is not None else "-"


def add_main(argv: list[str]) -> int:
    parser = _parser(ADD, "Add a kiosk device and print its key (shown this once only).")
    parser.add_argument("--name", required=True, help="the device's name, e.g. 本庁舎1階")
    parser.add_argument("--counter", action="append", default=[], metavar="ID",
                        help="a counter it may issue numbers for (repeat; default: all)")
    args = parser.parse_args(argv)
    if not args.name.strip() or len(args.name.strip()) > 100:
        parser.error("--name must be 1 to 100 characters")
    for counter in args.counter:
        if not COUNTER_ID.fullmatch(counter):
            parser.error(f"--counter {counter!r} is not a counter id")

    def work(engine: Engine, code: str) -> int:
        with Session(engine) as session:
            known = {view.id for view in all_counters(session, code)}
            unknown = sorted(set(args.counter) - known)
            if unknown:
                print(f"{ADD}: no such counter: {', '.join(unknown)} (counters: "
                      f"{', '.join(sorted(known)) or 'none'})", file=sys.stderr)
                return 1
            new = add_device(session, code, args.name, args.counter, clock.utc_now())
            session.commit()
            print(f"id: {new.device.id}\nkey: {new.key}", flush=True)
        print("The key is shown only now: put it in the kiosk's key file "
              "(python -m app --mode kiosk --kiosk-key-file PATH).", file=sys.stderr)
        return 0

    return _run(args, work)


def list_main(argv: list[str]) -> int:
    args = _parser(LIST, "List the kiosk devices (never their keys).").parse_args(argv)

    def work(engine: Engine, code: str) -> int:
        with Session(engine) as session:
            rows = devices(session, code)
        print("id\tname\tcounters\tcreated\tlast_seen\trevoked")
        for device in rows:
            print("\t".join((device.id, device.name, ",".join(device.counter_ids()) or "all",
                             _moment(device.created_at), _moment(device.last_seen_at),
                             _moment(device.revoked_at))))
        return 0

    return _run(args, work)


def revoke_main(argv: list[str]) -> int:
    parser = _parser(REVOKE, "Revoke a kiosk device: its key stops working at once.")
    parser.add_argument("id", help="the device's id (kiosk-list)")
    args = parser.parse_args(argv)

    def work(engine: Engine, code: str) -> int:
        with Session(engine) as session:
            revoked = revoke_device(session, code, args.id, clock.utc_now())
            session.commit()
        if not revoked:
            print(f"{REVOKE}: no kiosk {args.id} that is not revoked already",
                  file=sys.stderr)
            return 1
        print(f"revoked {args.id}")
        return 0

    return _run(args, work)


COMMANDS = {ADD: add_main, LIST: list_main, REVOKE: revoke_main}
