"""`python -m app --mode kiosk`: the kiosk's device key (docs/reservations.md §3): a new
development key with the embedded backend (handed to it as TSUYAMA_KIOSK_BOOTSTRAP_KEY),
the key file's content for the city's backend, none otherwise; never shown in a repr."""

import re
import subprocess
from pathlib import Path

import pytest

from app import launcher
from app.config import AppConfig
from app.launcher import EmbeddedBackend, parse_args

API = ["--backend-url", "https://api.example.invalid"]
KEY = "tk1_" + "A" * 43


@pytest.fixture(autouse=True)
def _no_key_file_variable(monkeypatch):
    monkeypatch.delenv("TSUYAMA_KIOSK_KEY_FILE", raising=False)


def test_a_development_kiosk_gets_a_new_key_for_its_embedded_backend():
    first = parse_args(["--mode", "kiosk", "--dev"]).kiosk_key
    second = parse_args(["--mode", "kiosk", "--dev"]).kiosk_key
    assert re.fullmatch(r"tk1_[A-Za-z0-9_-]{43}", first) and first != second


def test_a_kiosk_on_the_citys_backend_reads_its_key_file(tmp_path, monkeypatch):
    key_file = tmp_path / "kiosk.key"
    key_file.write_text(f"  {KEY}\n")
    assert parse_args(["--mode", "kiosk", *API, "--kiosk-key-file", str(key_file)]
                      ).kiosk_key == KEY
    monkeypatch.setenv("TSUYAMA_KIOSK_KEY_FILE", str(key_file))
    assert parse_args(["--mode", "kiosk", *API]).kiosk_key == KEY
    assert parse_args(["--mode", "resident"]).kiosk_key == ""  # other modes have none


def test_without_a_key_file_a_kiosk_on_the_citys_backend_has_no_key():
    assert parse_args(["--mode", "kiosk", *API]).kiosk_key == ""
    assert parse_args([]).kiosk_key == ""


@pytest.mark.parametrize("content", [None, "  \n"])
def test_a_missing_or_empty_key_file_is_refused(tmp_path, capsys, content):
    key_file = tmp_path / "kiosk.key"
    if content is not None:
        key_file.write_text(content)
    with pytest.raises(SystemExit) as exc:
        parse_args(["--mode", "kiosk", *API, "--kiosk-key-file", str(key_file)])
    assert exc.value.code == 2
    assert "--kiosk-key-file" in capsys.readouterr().err


def test_the_embedded_backend_is_given_the_key(tmp_path, monkeypatch):
    started: list[dict[str, str]] = []

    class FakeProcess:
        pid = 0

    def popen(command, env, **kwargs):
        started.append(env)
        return FakeProcess()

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.delenv("TSUYAMA_KIOSK_BOOTSTRAP_KEY", raising=False)
    EmbeddedBackend(tmp_path, 1, kiosk_key=KEY).spawn()
    EmbeddedBackend(tmp_path, 1).spawn()
    assert started[0]["TSUYAMA_KIOSK_BOOTSTRAP_KEY"] == KEY
    assert "TSUYAMA_KIOSK_BOOTSTRAP_KEY" not in started[1]
    assert launcher.KIOSK_BOOTSTRAP_ENV == "TSUYAMA_KIOSK_BOOTSTRAP_KEY"


def test_the_key_is_not_in_the_configs_repr():
    config = AppConfig(backend_url="http://x.invalid", data_dir=Path("/tmp"), kiosk_key=KEY)
    assert config.kiosk_key == KEY and KEY not in repr(config)
