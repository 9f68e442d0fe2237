"""`python -m app` serves before its embedded backend answers (issue 11, ADR 0002 amended):
the home screen comes up while the backend is still starting, shows no offline banner
meanwhile, and the app is online as soon as the backend answers.

The backend child is held at its start by a `sitecustomize` on its PYTHONPATH that waits for
a file the test creates, so "still starting" does not depend on how fast the machine is.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.launcher import free_port
from tests.e2e.test_home_in_browser import JAPANESE_TILES, expect_tiles, port_is_open, shows

pytestmark = pytest.mark.e2e

HOLD_BACKEND = '''
import os, sys, time
if sys.orig_argv[1:3] == ["-m", "backend"]:
    go = os.environ["TSUYAMA_TEST_BACKEND_GO"]
    deadline = time.monotonic() + 120
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.05)
'''
NEWEST = "冬季の水道管凍結にご注意ください"


def test_home_before_the_backend_answers_without_an_offline_banner(
        app_factory, open_page, artifacts, tmp_path: Path) -> None:
    hold = tmp_path / "hold"
    hold.mkdir()
    (hold / "sitecustomize.py").write_text(HOLD_BACKEND)
    go = tmp_path / "backend-may-start"
    backend_port = free_port()
    served = app_factory(backend_port=backend_port,
                         env={"PYTHONPATH": str(hold), "TSUYAMA_TEST_BACKEND_GO": str(go)})
    page = open_page(served)
    expect_tiles(page, JAPANESE_TILES)
    time.sleep(3)  # the connection monitor's first check has been made by now
    assert not port_is_open(backend_port)  # the backend is still held at its start
    assert shows(page, "オフライン").count() == 0
    page.screenshot(path=str(artifacts / "home-while-backend-starts-ja.png"))

    go.touch()  # the backend starts; the app's waiting requests go through
    page.get_by_role("button", name="お知らせ").first.click()
    shows(page, NEWEST).wait_for(timeout=60_000)  # synced from the backend once it answered
    assert port_is_open(backend_port)
    assert shows(page, "オフライン").count() == 0

    assert served.stop() == 0
    assert not port_is_open(backend_port)
