"""`python -m app` start-up: arguments, a busy port, a backend that cannot start."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.launcher import free_port, main, parse_args

ROOT = Path(__file__).resolve().parents[2]


def test_defaults():
    args = parse_args([])
    assert (args.port, args.lang, args.mode, args.backend_url) == (8550, "ja", "resident", None)


@pytest.mark.parametrize(
    "argv",
    [
        ["--lang", "zh"],  # Chinese is offered in visitor mode only
        ["--mode", "tourist"],
        ["--kiosk-idle-seconds", "0"],
        ["--lang", "fr", "--mode", "visitor"],
    ],
)
def test_bad_arguments_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_args(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_a_kiosk_takes_its_public_address_from_the_environment(monkeypatch):
    monkeypatch.setenv("TSUYAMA_PUBLIC_URL", "https://portal.example.invalid")
    args = parse_args(["--mode", "kiosk", "--backend-url", "https://api.example.invalid"])
    assert args.public_url == "https://portal.example.invalid"
    assert parse_args(["--mode", "kiosk", "--backend-url", "https://api.example.invalid",
                       "--public-url", "https://other.example.invalid"]
                      ).public_url == "https://other.example.invalid"


def test_visitor_may_start_in_korean():
    assert parse_args(["--mode", "visitor", "--lang", "ko"]).lang == "ko"


def test_a_busy_port_is_reported_before_anything_starts(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port), "--data-dir", str(tmp_path)]) == 1
    assert f"port {port} is in use" in capsys.readouterr().err


def test_a_backend_that_cannot_start_gives_a_clear_error(tmp_path):
    env = {**os.environ, "DATABASE_URL": "mysql://nobody@127.0.0.1/none"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--port", str(free_port()), "--data-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "embedded backend exited" in result.stderr


def _sleeping_child() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_the_app_is_served_first_and_the_backend_starts_when_the_first_frame_is_sent(
        tmp_path, monkeypatch):
    import threading

    from app import launcher

    spawned = threading.Event()
    seen: dict[str, object] = {}

    def spawn(self: launcher.EmbeddedBackend) -> None:  # a backend that never answers
        self.process = _sleeping_child()
        seen["backend"] = self
        spawned.set()

    def preloaded_main(config, port=None):  # the entry point, without importing the app
        seen["config"] = config
        return lambda page: None

    def run(main, **kwargs):  # instead of serving: what was true when serving began
        seen["spawned_when_served"] = spawned.is_set()
        seen["port"] = kwargs["port"]
        gate = seen["config"].backend_gate
        seen["gate_open_when_served"] = gate.is_open
        gate.want()  # what app/main.py does once the first session's first frame is sent
        seen["spawned_after_first_frame"] = spawned.wait(10)
        seen["running_then"] = seen["backend"].process.poll() is None

    monkeypatch.setattr(launcher.EmbeddedBackend, "spawn", spawn)
    monkeypatch.setattr(launcher, "preloaded_main", preloaded_main)
    monkeypatch.setattr(launcher, "serve", run)  # web mode: app/web/server.py (ADR 0029)
    port = free_port()
    assert main(["--port", str(port), "--data-dir", str(tmp_path)]) == 0
    assert seen["spawned_when_served"] is False
    assert seen["gate_open_when_served"] is False
    assert seen["spawned_after_first_frame"] is True and seen["running_then"] is True
    assert seen["port"] == port
    assert seen["backend"].process.poll() is not None  # stopped on the way out


def test_a_deferred_backend_starts_by_the_cap_without_a_browser(tmp_path, monkeypatch):
    import threading

    from app.launcher import EmbeddedBackend

    spawned = threading.Event()
    backend = EmbeddedBackend(tmp_path, free_port())
    monkeypatch.setattr(backend, "spawn", lambda: (setattr(backend, "process",
                                                           _sleeping_child()), spawned.set()))
    never = threading.Event()
    backend.watch(on_failure=lambda: None, start_after=never, start_at_latest_s=0.2)
    try:
        assert spawned.wait(10)
    finally:
        backend.stop()


def test_a_backend_stopped_before_its_deferred_start_never_starts(tmp_path, monkeypatch):
    import threading

    from app.launcher import EmbeddedBackend

    backend = EmbeddedBackend(tmp_path, free_port())
    monkeypatch.setattr(backend, "spawn", lambda: pytest.fail("spawned after stop"))
    wanted = threading.Event()
    thread = backend.watch(on_failure=lambda: None, start_after=wanted)
    backend.stop()
    wanted.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and backend.process is None


def test_the_watcher_reports_a_backend_that_exits_during_start(tmp_path):
    import threading

    from app.launcher import EmbeddedBackend

    backend = EmbeddedBackend(tmp_path, free_port())
    backend.process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    failed = threading.Event()
    backend.watch(on_failure=failed.set).join(timeout=30)
    assert failed.is_set()
    assert "exited with code 3" in (backend.failure or "")
    assert not backend.gate.is_open


def test_the_gate_opens_when_healthz_answers(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from app.launcher import EmbeddedBackend

    class Healthz(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    backend = EmbeddedBackend(tmp_path, server.server_address[1])
    backend.process = _sleeping_child()
    try:
        assert not backend.gate.is_open
        backend.wait_ready(timeout_s=30)
        assert backend.gate.is_open
        assert backend.failure is None
    finally:
        server.shutdown()
        backend.stop()


def test_the_embedded_backend_runs_at_a_lower_priority(tmp_path):
    if not hasattr(os, "getpriority"):
        pytest.skip("no process priorities on this system")
    from app.launcher import DEFAULT_BACKEND_NICENESS, EmbeddedBackend

    assert parse_args([]).backend_niceness == DEFAULT_BACKEND_NICENESS > 0
    with pytest.raises(SystemExit):
        parse_args(["--backend-niceness", "20"])
    backend = EmbeddedBackend(tmp_path, free_port(), niceness=5)
    backend.spawn()
    try:
        own = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, backend.process.pid) == min(19, own + 5)
    finally:
        backend.stop()
