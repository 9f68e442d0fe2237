"""Browser tests: `python -m app` on free ports, driven by Playwright in Debian's Chromium.

Flutter draws to a canvas; its accessibility tree (real DOM nodes with roles and names) is
switched on by clicking the hidden `flt-semantics-placeholder`. After that the tests find
tiles and buttons by role and accessible name, as a screen reader would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.launcher import free_port
from tests.conftest import require_or_skip
from tests.support.flutter_semantics import enable_semantics

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("TSUYAMA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_ENABLE = (
    "run `make test` (it installs Debian's chromium and the Python playwright package) or set "
    "TSUYAMA_CHROMIUM; CI sets TSUYAMA_REQUIRE_ALL=1, which turns this skip into a failure"
)


@dataclass
class ServedApp:
    url: str
    port: int
    backend_port: int | None
    process: subprocess.Popen[str]
    data_dir: Path
    log_path: Path

    def stop(self, timeout: float = 20.0, sig: int = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"the app did not stop on signal {sig}") from None
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_for_backend(url: str, why: str = "", timeout_s: float = 90) -> None:
    """Until the backend at `url` answers /healthz (an app's embedded backend starts after
    the app serves its first page); `why` is added to the failure (an app's log)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).is_success:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"no backend answered at {url}\n{why}"
        time.sleep(0.3)


def start_app(tmp_path: Path, *args: str, backend_port: int | None = None,
              env: dict[str, str] | None = None) -> ServedApp:
    tmp_path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    data_dir = tmp_path / "data"
    cmd = [sys.executable, "-m", "app", "--port", str(port), "--data-dir", str(data_dir), *args]
    if "kiosk" in args and "--backend-url" not in args and "--dev" not in args:
        cmd.append("--dev")  # a kiosk with the embedded backend: development only (ADR 0026)
    if backend_port is not None:
        cmd += ["--backend-port", str(backend_port)]
    log_path = tmp_path / "app.log"
    log_file = log_path.open("w")
    process = subprocess.Popen(
        cmd, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, **(env or {})},
    )
    served = ServedApp(f"http://127.0.0.1:{port}/", port, backend_port, process, data_dir,
                       log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the app exited early:\n{served.log()}")
        try:
            if httpx.get(served.url, timeout=1).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    served.stop()
    raise AssertionError(f"the app did not serve {served.url} in time:\n{served.log()}")


@pytest.fixture(scope="session")
def playwright_driver():
    """The one Playwright driver of the session: the sync API allows only one at a time, so a
    test that needs a browser launched with other flags (a fake camera) launches it here."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        require_or_skip(f"Chromium not found at {CHROMIUM}: {HOW_TO_ENABLE}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip(f"the playwright package is not installed: {HOW_TO_ENABLE}")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keeps each phase's report on the test, so a fixture can tell that its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def open_page(browser, request):
    """Opens a served app in a fresh browser context (a new 'device') with semantics on.
    When the test fails, each of its pages is saved as `test-artifacts/failed/<test>-<n>.png`
    (CI keeps the folder), so a failure shows what the screen said."""
    contexts = []
    console: list[str] = []

    def _open(served: ServedApp, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="ja-JP")
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: console.append(
            f"{time.strftime('%H:%M:%S')} {message.type}: {message.text}"[:500]))
        page.on("pageerror", lambda error: console.append(
            f"{time.strftime('%H:%M:%S')} pageerror: {error}"[:2000]))
        page.on("crash", lambda _page: console.append(f"{time.strftime('%H:%M:%S')} crash"))
        page.set_default_timeout(30_000)
        page.goto(served.url)
        enable_semantics(page)
        return page

    yield _open
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _save_failure_pictures(request.node.name, contexts)
        print("browser console (last 60 lines):", *console[-60:], sep="\n")
    for context in contexts:
        context.close()


def _save_failure_pictures(test_name: str, contexts: list) -> None:
    folder = ARTIFACTS / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in test_name)[:120]
    for n, page in enumerate(p for context in contexts for p in context.pages):
        try:
            page.screenshot(path=str(folder / f"{safe}-{n}.png"), timeout=10_000)
        except Exception as exc:  # a closed or hung page: the failure itself says more
            print(f"no failure picture of page {n}: {exc}")


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def app_factory(tmp_path) -> Iterator:
    started: list[ServedApp] = []

    def _start(*args: str, **kwargs) -> ServedApp:
        served = start_app(tmp_path / f"app{len(started)}", *args, **kwargs)
        started.append(served)
        return served

    yield _start
    for served in started:
        served.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests get one more try: at the end of a long run on a loaded 2-core machine a
    30 s wait for Flutter's first frame or a login redirect was missed now and then, while
    the same test passed alone. A real defect fails both tries."""
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))
