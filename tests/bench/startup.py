"""Start-up figures: the backend's cold start, and `python -m app` to the first frame in Chromium.

- backend_cold_start_s: spawn `python -m backend` on an empty data folder until /healthz
  answers 200 (interpreter start, imports, migrations to head, demo data).
- backend_warm_start_s: the same on a data folder that already holds the database.
- app_http_ready_s: spawn `python -m app` (which starts its embedded backend) until the web
  server answers.
- app_first_frame_s: spawn `python -m app` until Chromium (already running) has loaded the
  page, removed Flutter's loading logo and shows the home tiles in its accessibility tree.
Each is the median of `repeat` runs; min and max are reported too.
"""

from __future__ import annotations

import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app.launcher import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _spawn(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def backend_start(data_dir: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    process = _spawn(["-m", "backend", "--port", str(port), "--data-dir", str(data_dir)])
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz", process)
        return time.perf_counter() - started
    finally:
        _stop(process)


def app_start(data_dir: Path, browser) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    port = free_port()
    started = time.perf_counter()
    process = _spawn(["-m", "app", "--port", str(port), "--data-dir", str(data_dir)])
    try:
        _wait_http(f"http://127.0.0.1:{port}/", process)
        http_ready = time.perf_counter() - started
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#loading", state="detached", timeout=120_000)
        page.locator("flt-semantics-placeholder").dispatch_event("click")
        page.get_by_role("button", name="お知らせ").first.wait_for(timeout=60_000)
        first_frame = time.perf_counter() - started
        context.close()
        return http_ready, first_frame
    finally:
        _stop(process)


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(samples), 3),
        "min": round(min(samples), 3),
        "max": round(max(samples), 3),
    }


def _repeat(repeat: int, fn: Callable[[], float]) -> list[float]:
    return [fn() for _ in range(repeat)]


def run(repeat: int = 5, browser=None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Runs every figure; `browser` lets a caller that already drives Chromium lend it."""

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        counter = iter(range(10_000))

        def fresh() -> Path:
            return tmp_path / f"d{next(counter)}"

        cold = _repeat(repeat, lambda: backend_start(fresh()))
        warm_dir = fresh()
        backend_start(warm_dir)
        warm = _repeat(repeat, lambda: backend_start(warm_dir))

        if browser is not None:
            app_runs = [app_start(fresh(), browser) for _ in range(repeat)]
        else:
            from playwright.sync_api import sync_playwright

            chromium = os.environ.get("TSUYAMA_CHROMIUM", "/usr/bin/chromium")
            with sync_playwright() as pw:
                own = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=CHROMIUM_ARGS)
                app_runs = [app_start(fresh(), own) for _ in range(repeat)]
                own.close()

    return {
        "benchmark": "startup",
        "repeat": repeat,
        "backend_cold_start_s": _summary(cold),
        "backend_warm_start_s": _summary(warm),
        "app_http_ready_s": _summary([r[0] for r in app_runs]),
        "app_first_frame_s": _summary([r[1] for r in app_runs]),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
