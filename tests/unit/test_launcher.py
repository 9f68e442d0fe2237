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
