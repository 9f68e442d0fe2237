"""Run the backend: `python -m backend --host 127.0.0.1 --port 8000 [--data-dir PATH]`.

`python -m backend tile <id> <command> ...` runs a tile's command (`TileSpec.commands`),
e.g. `python -m backend tile waste import-waste FOLDER`, which publishes a city's waste files
(backend/tiles/waste/cli.py, docs/waste-data.md); `python -m backend import-waste FOLDER`
still works (a tile's command name alone, when one tile has it);
`python -m backend staff ...` manages
staff members' department scopes (backend/identity/staff_cli.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI

from backend.app import create_app
from backend.identity import staff_cli
from backend.security.files import PRIVATE_UMASK
from backend.settings import Settings
from backend.tiles.registry import tile_specs
from backend.tiles.spec import TileCommand


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m backend", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder for the SQLite database when DATABASE_URL is unset",
    )
    return parser.parse_args(argv)


def _absorb_replayed_stop_signal(_signum: int, _frame: FrameType | None) -> None:
    """Handler uvicorn restores after a graceful stop; see `serve`."""


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run uvicorn until Ctrl-C or SIGTERM, then return normally (exit code 0).

    uvicorn shuts down gracefully on SIGINT/SIGTERM (stops accepting, finishes requests,
    runs the lifespan shutdown that disposes the engine), restores the handlers it found and
    then raises the signal again. The no-op handlers installed here receive that replay, so
    a requested stop is a clean exit rather than a KeyboardInterrupt or a -15 status.
    """
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, _absorb_replayed_stop_signal)
    # The app sets Date itself (backend.app.DateHeader); uvicorn's would make a second one.
    # uvicorn's own proxy headers are off: by default it believes X-Forwarded-For from
    # loopback, which let any local caller pick its address. The app believes only
    # TSUYAMA_TRUSTED_PROXIES (backend.security.web).
    uvicorn.run(app, host=host, port=port, log_level="info", date_header=False,
                proxy_headers=False, server_header=False)


TILE_COMMAND = "tile"


def _command_named(name: str) -> TileCommand | None:
    """The one tile command called `name`, if exactly one tile has it."""
    found = [spec.commands[name] for spec in tile_specs() if name in spec.commands]
    return found[0] if len(found) == 1 else None


def run_tile_command(arguments: list[str]) -> int:
    """`python -m backend tile <id> <command> ...`; without a command, list the commands."""
    tiles = tile_specs()
    if not arguments or tiles.get(arguments[0]) is None:
        lines = [f"  {spec.id} {name}" for spec in tiles for name in sorted(spec.commands)]
        print("usage: python -m backend tile <id> <command> ...\ncommands:\n"
              + "\n".join(lines), file=sys.stderr)
        return 2
    command = tiles.command(arguments[0], arguments[1]) if len(arguments) > 1 else None
    if command is None:
        names = ", ".join(sorted(tiles.get(arguments[0]).commands)) or "none"  # type: ignore[union-attr]
        print(f"tile {arguments[0]!r} has the commands: {names}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s [%(name)s] %(message)s")
    return command(arguments[2:])


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == [TILE_COMMAND]:
        return run_tile_command(arguments[1:])
    shortcut = _command_named(arguments[0]) if arguments else None
    if shortcut is not None:  # `python -m backend import-waste ...`
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s [%(name)s] %(message)s")
        return shortcut(arguments[1:])
    if arguments[:1] == [staff_cli.COMMAND]:  # staff scopes (ADR 0023)
        return staff_cli.main(arguments[1:])
    args = parse_args(arguments)
    # Everything the backend creates (data folder, database, keys) is its user's alone.
    os.umask(PRIVATE_UMASK)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s [%(name)s] %(message)s")
    try:
        settings = Settings.from_env(
            args.data_dir, default_public_url=f"http://{args.host}:{args.port}"
        )
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    print(
        f"Tsuyama Portal backend on http://{args.host}:{args.port} ({settings.database_kind})",
        flush=True,
    )
    serve(app, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
