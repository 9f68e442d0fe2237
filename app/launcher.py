"""`python -m app`: starts the embedded backend (unless given one) and serves the Flet app.

The backend runs as a child process (`python -m backend`), so the app talks to it over real
HTTP exactly as a phone talks to the city's server. Ctrl-C (or SIGTERM) stops the app, then
the backend it started.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import flet as ft
import httpx

from app.config import AppConfig
from app.i18n.translator import LANGUAGE_NAMES
from app.main import build_main
from app.paths import ASSETS_DIR, default_data_dir
from app.shell.feature_spec import Mode
from app.shell.idle_timer import DEFAULT_KIOSK_IDLE_SECONDS
from app.shell.state import LANGUAGES_BY_MODE

log = logging.getLogger("tsuyama_portal")
BACKEND_START_TIMEOUT_S = 60.0


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
    parser.add_argument("--desktop", action="store_true",
                        help="open Flet's desktop window instead of serving the web app "
                        "(needs a display and Flet's desktop client)")
    args = parser.parse_args(argv)
    mode = Mode(args.mode)
    if args.lang not in LANGUAGES_BY_MODE[mode]:
        parser.error(f"--lang {args.lang} is offered only in visitor mode")
    if args.kiosk_idle_seconds <= 0:
        parser.error("--kiosk-idle-seconds must be positive")
    return args


class EmbeddedBackend:
    """The backend as a child process on loopback, with its SQLite file in the data folder."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ, TSUYAMA_DATA_DIR=str(self.data_dir))
        env.setdefault("TSUYAMA_ENV", "development")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backend", "--host", "127.0.0.1", "--port", str(self.port),
             "--data-dir", str(self.data_dir)],
            env=env,
        )
        deadline = time.monotonic() + BACKEND_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the embedded backend exited with code {self.process.returncode}; "
                    "see its messages above"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the embedded backend did not answer on {self.url} in time")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
            backend = EmbeddedBackend(data_dir, args.backend_port)
            try:
                backend.start()
            except RuntimeError as exc:
                print(f"Tsuyama Portal: {exc}", file=sys.stderr)
                return 1
            backend_url = backend.url

        config = AppConfig(
            backend_url=backend_url,
            data_dir=data_dir,
            language=args.lang,
            mode=Mode(args.mode),
            kiosk_idle_seconds=args.kiosk_idle_seconds,
            token_store=args.token_store,
        )
        print(f"Tsuyama Portal: http://127.0.0.1:{port}/ ({config.mode.value} mode, "
              f"backend {backend_url}, data {data_dir})", flush=True)
        ft.run(
            build_main(config),
            view=ft.AppView.FLET_APP if args.desktop else ft.AppView.WEB_BROWSER,
            host="127.0.0.1",
            port=port,
            assets_dir=str(ASSETS_DIR),
            no_cdn=True,  # everything from this machine: no CDN for the engine or fonts
        )
    except KeyboardInterrupt:
        pass
    finally:
        if backend is not None:
            backend.stop()
    print("Tsuyama Portal: stopped", flush=True)
    return 0
