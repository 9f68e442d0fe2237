"""`python -m app`: starts the embedded backend (unless given one) and serves the Flet app.

The backend runs as a child process (`python -m backend`), so the app talks to it over real
HTTP exactly as a phone talks to the city's server. Ctrl-C (or SIGTERM) stops the app, then
the backend it started.

Start-up does not wait for the backend (an offline-first app need not): the child is
spawned first, the web server starts at once, the app's modules are imported in a thread
meanwhile, and a watcher thread opens the requests' gate (app/backend_gate.py) when
`/healthz` first answers. A backend that exits or stays silent during start-up still stops
the app with a clear error, as before. Figures: docs/benchmarks.md ("Start-up").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import flet as ft
from flet.utils import is_linux_server, open_in_browser

from app.backend_gate import BackendGate
from app.config import AppConfig
from app.i18n.translator import LANGUAGE_NAMES
from app.paths import ASSETS_DIR, default_data_dir
from app.shell.feature_spec import Mode
from app.shell.idle_timer import DEFAULT_KIOSK_IDLE_SECONDS
from app.shell.state import LANGUAGES_BY_MODE
from app.web.server import serve

log = logging.getLogger("tsuyama_portal")
BACKEND_START_TIMEOUT_S = 60.0
# The embedded backend starts when the first screen has been sent, or this long after launch
# when no browser has connected by then.
DEFERRED_START_CAP_S = 8.0
# The embedded backend runs at a lower CPU priority: on two cores its start (imports,
# migrations, demo data) otherwise competes with the browser and the app for the first frame
# (docs/benchmarks.md, "Start-up"). It only serves this device.
DEFAULT_BACKEND_NICENESS = 10
# TSUYAMA_ENV=development (or --dev) allows a kiosk with the embedded backend (ADR 0026).
DEV_ENV = "TSUYAMA_ENV"
# The app's public address for a kiosk's 「スマートフォンに送る」 QR code (build/kiosk/).
PUBLIC_URL_ENV = "TSUYAMA_PUBLIC_URL"
# A kiosk's device key file (from `python -m backend tile reservations kiosk-add`), and the
# variable that hands the embedded backend a development kiosk's key (docs/reservations.md
# §3, "Kiosk numbers without a login").
KIOSK_KEY_FILE_ENV = "TSUYAMA_KIOSK_KEY_FILE"
KIOSK_BOOTSTRAP_ENV = "TSUYAMA_KIOSK_BOOTSTRAP_KEY"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Tsuyama Portal (つやまポータル): serves the app in web mode on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8550,
                        help="port of the app's web server (0: any free port; default 8550)")
    parser.add_argument("--backend-port", type=int, default=0,
                        help="port for the embedded backend (default: any free port)")
    parser.add_argument("--backend-niceness", type=int, default=DEFAULT_BACKEND_NICENESS,
                        help="CPU priority of the embedded backend, as for `nice` (default "
                        f"{DEFAULT_BACKEND_NICENESS}: the app's first frame goes first; 0: "
                        "the same as the app)")
    parser.add_argument("--backend-url",
                        help="use this running backend instead of starting the embedded one")
    parser.add_argument("--data-dir", type=Path,
                        help=f"data folder (default: {default_data_dir()})")
    parser.add_argument("--lang", choices=sorted(LANGUAGE_NAMES), default="ja",
                        help="language a new device starts in (ja, en; visitor mode adds zh, ko)")
    parser.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.RESIDENT.value)
    parser.add_argument("--kiosk-idle-seconds", type=float, default=DEFAULT_KIOSK_IDLE_SECONDS,
                        help="kiosk mode: seconds without a touch before the start screen")
    parser.add_argument("--token-store", choices=["keyring", "memory"], default="keyring",
                        help="where a resident's login is kept: the OS keyring (default) or "
                        "memory only (for a hosted, multi-user web deployment); kiosk mode "
                        "always uses memory")
    parser.add_argument("--dev", action="store_true",
                        help="development: allow a kiosk with the embedded backend (also "
                        f"{DEV_ENV}=development); outside development a kiosk needs "
                        "--backend-url, the city's backend, so no resident's records stay on "
                        "the kiosk")
    parser.add_argument("--public-url", default=os.environ.get(PUBLIC_URL_ENV, ""),
                        help="the app's public address (the city's hosted app): a kiosk's "
                        "'send to my phone' QR code opens its My data page (default: "
                        f"${PUBLIC_URL_ENV})")
    parser.add_argument("--kiosk-key-file", type=Path,
                        default=os.environ.get(KIOSK_KEY_FILE_ENV) or None,
                        help="kiosk mode: the file holding the kiosk's device key (from `python "
                        "-m backend tile reservations kiosk-add`), for walk-in numbers without "
                        "a login (default: $" + KIOSK_KEY_FILE_ENV + "; with the embedded "
                        "backend a development key is made)")
    parser.add_argument("--desktop", action="store_true",
                        help="open Flet's desktop window instead of serving the web app "
                        "(needs a display and Flet's desktop client)")
    args = parser.parse_args(argv)
    mode = Mode(args.mode)
    if args.lang not in LANGUAGES_BY_MODE[mode]:
        parser.error(f"--lang {args.lang} is offered only in visitor mode")
    if args.kiosk_idle_seconds <= 0:
        parser.error("--kiosk-idle-seconds must be positive")
    if not 0 <= args.backend_niceness <= 19:
        parser.error("--backend-niceness must be from 0 to 19")
    development = args.dev or os.environ.get(DEV_ENV, "") == "development"
    if mode is Mode.KIOSK and not args.backend_url and not development:
        parser.error("kiosk mode talks to the city's backend: give --backend-url URL (the "
                     "embedded backend would keep every resident's records on the kiosk; "
                     f"for development only: --dev or {DEV_ENV}=development)")
    try:
        args.kiosk_key = kiosk_key(mode, args.kiosk_key_file, embedded=not args.backend_url)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def kiosk_key(mode: Mode, key_file: Path | None, *, embedded: bool) -> str:
    """The kiosk's device key: the key file's content; else, with the embedded backend
    (development), a new random key the backend registers at start; else "" (no walk-in
    numbers). Other modes have none."""
    if mode is not Mode.KIOSK:
        return ""
    if key_file is not None:
        try:
            key = key_file.expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"--kiosk-key-file {key_file}: cannot be read "
                             f"({type(exc).__name__})") from None
        if not key:
            raise ValueError(f"--kiosk-key-file {key_file} is empty")
        return key
    return "tk1_" + secrets.token_urlsafe(32) if embedded else ""


class EmbeddedBackend:
    """The backend as a child process on loopback, with its SQLite file in the data folder.

    `spawn` starts it and returns at once; `wait_ready` blocks until `/healthz` answers 200
    (and opens `gate`); `start` is both. `watch` runs `wait_ready` in a thread and calls
    `on_failure` when the child exits or does not answer in time (`failure` says why)."""

    def __init__(self, data_dir: Path, port: int, niceness: int = 0,
                 kiosk_key: str = "") -> None:
        self.data_dir = data_dir
        self.kiosk_key = kiosk_key  # registered as the development kiosk at start
        self.niceness = niceness
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.gate = BackendGate()
        self.failure: str | None = None
        self._stopping = threading.Event()
        self._spawn_lock = threading.Lock()

    def spawn(self) -> None:
        env = dict(os.environ, TSUYAMA_DATA_DIR=str(self.data_dir))
        env.setdefault("TSUYAMA_ENV", "development")
        if self.kiosk_key:
            env[KIOSK_BOOTSTRAP_ENV] = self.kiosk_key
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backend", "--host", "127.0.0.1", "--port", str(self.port),
             "--data-dir", str(self.data_dir)],
            env=env,
        )
        if self.niceness and hasattr(os, "setpriority"):  # POSIX only
            # The app's first frame needs the CPU more than the backend's start does.
            lower = min(19, os.getpriority(os.PRIO_PROCESS, 0) + self.niceness)
            with contextlib.suppress(OSError):  # e.g. the child is gone already
                os.setpriority(os.PRIO_PROCESS, self.process.pid, lower)

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1.0)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:  # refused, reset, timed out: not yet
            return False
        finally:
            connection.close()

    def wait_ready(self, timeout_s: float = BACKEND_START_TIMEOUT_S) -> None:
        assert self.process is not None, "spawn() first"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                return  # stopped on purpose (Ctrl-C) before it answered: not a failure
            if self.process.poll() is not None:
                if self._stopping.is_set():
                    return
                raise RuntimeError(
                    f"the embedded backend exited with code {self.process.returncode}; "
                    "see its messages above"
                )
            if self._healthy():
                self.gate.open()
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the embedded backend did not answer on {self.url} in time")

    def watch(self, on_failure: Callable[[], None], start_after: threading.Event | None = None,
              start_at_latest_s: float = DEFERRED_START_CAP_S) -> threading.Thread:
        """Waits for the backend in a thread (opening the gate, or `on_failure`). With
        `start_after`, the child is spawned first, when that event is set (the first session's
        first frame has been sent) or after `start_at_latest_s`, whichever comes first."""

        def run() -> None:
            try:
                if start_after is not None:
                    start_after.wait(start_at_latest_s)
                    with self._spawn_lock:
                        if self._stopping.is_set():
                            return
                        self.spawn()
                self.wait_ready()
            except RuntimeError as exc:
                self.failure = str(exc)
                on_failure()

        thread = threading.Thread(target=run, name="embedded-backend-watch", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        with self._spawn_lock:  # a deferred start either happened before or never will
            self._stopping.set()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _browser_opener(url: str) -> Callable[[], None] | None:
    """As `ft.run` in web mode: open the browser unless on a server without a display (or
    FLET_FORCE_WEB_SERVER / FLET_DISPLAY_URL_PREFIX say not to)."""
    if (is_linux_server() or os.environ.get("FLET_FORCE_WEB_SERVER", "").lower()
            in ("1", "true", "yes") or os.environ.get("FLET_DISPLAY_URL_PREFIX") is not None):
        return None
    return lambda: open_in_browser(url)


def _interrupt_self() -> None:
    """Stop `ft.run` (or start-up before it) as Ctrl-C would, from another thread."""
    os.kill(os.getpid(), signal.SIGINT)


def wait_listening(port: int, timeout_s: float = 30.0) -> bool:
    """Wait until something accepts connections on 127.0.0.1:`port`; True if it did."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.01)
    return False


def preloaded_main(config: AppConfig, port: int | None = None
                   ) -> Callable[[ft.Page], Awaitable[None]]:
    """The Flet entry point, its modules imported in a thread started now that waits for the
    web server on `port` first (the two would only slow each other down): the browser loads
    the Flutter client while Python imports the app."""
    built: list[Callable[[ft.Page], Awaitable[None]]] = []
    failed: list[BaseException] = []

    def build() -> None:
        try:
            if port is not None:
                wait_listening(port)
            from app.main import build_main

            built.append(build_main(config))
        except BaseException as exc:  # re-raised in the first session, with its traceback
            failed.append(exc)

    thread = threading.Thread(target=build, name="app-preload", daemon=True)
    thread.start()

    async def main(page: ft.Page) -> None:
        if thread.is_alive():
            await asyncio.to_thread(thread.join)
        if failed:
            raise failed[0]
        await built[0](page)

    return main


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # no line per health check
    args = parse_args(argv)
    data_dir = (args.data_dir or default_data_dir()).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()
    if not port_is_free(port):
        print(f"Tsuyama Portal: port {port} is in use; choose another with --port "
              "(0 picks a free one)", file=sys.stderr)
        return 1

    # Until Flet installs its own handlers, SIGTERM stops start-up like Ctrl-C does, so the
    # backend child is never left behind.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    backend: EmbeddedBackend | None = None
    try:
        if args.backend_url:
            backend_url = args.backend_url.rstrip("/")
        else:
            backend = EmbeddedBackend(data_dir, args.backend_port, args.backend_niceness,
                                      kiosk_key=args.kiosk_key)
            # Spawned once the first session's first frame is sent (or after a cap): until
            # then its start would compete with that frame for the CPU; requests wait at
            # the gate meanwhile (app/backend_gate.py).
            backend.watch(on_failure=_interrupt_self, start_after=backend.gate.wanted)
            backend_url = backend.url

        config = AppConfig(
            backend_url=backend_url,
            data_dir=data_dir,
            language=args.lang,
            mode=Mode(args.mode),
            kiosk_idle_seconds=args.kiosk_idle_seconds,
            token_store=args.token_store,
            public_url=args.public_url,
            kiosk_key=args.kiosk_key,
            backend_gate=None if backend is None else backend.gate,
        )
        print(f"Tsuyama Portal: http://127.0.0.1:{port}/ ({config.mode.value} mode, "
              f"backend {backend_url}, data {data_dir})", flush=True)
        if args.desktop:
            ft.run(preloaded_main(config, port), view=ft.AppView.FLET_APP, host="127.0.0.1",
                   port=port, assets_dir=str(ASSETS_DIR), no_cdn=True)
        else:
            # Flet's web app, wrapped: compressed, the start language's fonts loaded before
            # the first frame, nothing from other hosts (app/web/, ADR 0029).
            serve(preloaded_main(config, port), host="127.0.0.1", port=port,
                  assets_dir=ASSETS_DIR, language=config.language,
                  on_listening=_browser_opener(f"http://127.0.0.1:{port}/"))
    except KeyboardInterrupt:
        pass
    finally:
        if backend is not None:
            backend.stop()
    if backend is not None and backend.failure is not None:
        print(f"Tsuyama Portal: {backend.failure}", file=sys.stderr)
        return 1
    print("Tsuyama Portal: stopped", flush=True)
    return 0
