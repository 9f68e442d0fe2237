"""Start-up figures: `python -m app` against a bare Flet app to the first frame in Chromium, and
the backend's own start.

- app_first_frame_s / bare_first_frame_s: spawn the process (`python -m app` on a fresh data
  folder, or `python -m tests.bench.bare_flet_app`: one button, `no_cdn=True`, served the same
  way) until Chromium (already running; a fresh context each time, so nothing is cached) has
  loaded the page, Flutter has removed its loading logo and the first button is in the
  accessibility tree. The same criterion for both; the portal's home tiles are checked after
  the clock stops. Rounds alternate bare and app, so both meet the same machine load.
- first_frame_ratio: median app / median bare (the issue's aim: at most 1.5).
- app_http_ready_s / bare_http_ready_s: spawn until the web server answers (same runs).
- backend_cold_start_s: spawn `python -m backend` on an empty data folder until /healthz
  answers 200 (interpreter start, imports, migrations to head, demo data); backend_warm_start_s
  the same on a data folder that already holds the database (median, min, max).
- load_avg: the machine's 1-minute load average before and after the run.
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
from tests.support.flutter_semantics import enable_semantics

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


# `python -m app` runs from here: another checkout (an export of an older commit) to measure
# "before" with this benchmark; the bare Flet app always runs from this one.
APP_ROOT = Path(os.environ.get("TSUYAMA_BENCH_APP_ROOT") or ROOT)


def _spawn(args: list[str], cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], cwd=cwd, stdout=subprocess.DEVNULL,
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


def first_frame(args: list[str], port: int, browser,  # type: ignore[no-untyped-def]
                check: Callable[[object], None] | None = None,
                cwd: Path = ROOT) -> tuple[float, float]:
    """(seconds to the web server's first answer, seconds to the first frame) of the process
    `python <args>` serving on `port`; `check(page)` runs after the clock stops."""
    started = time.perf_counter()
    process = _spawn(args, cwd)
    try:
        _wait_http(f"http://127.0.0.1:{port}/", process)
        http_ready = time.perf_counter() - started
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#loading", state="detached", timeout=120_000)
            enable_semantics(page, wait_for_first_frame=False)
            page.get_by_role("button").first.wait_for(timeout=60_000)
            frame = time.perf_counter() - started
            if check is not None:
                check(page)
        finally:
            context.close()
        return http_ready, frame
    finally:
        _stop(process)


def _home_tiles_shown(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="お知らせ").first.wait_for(timeout=60_000)


def app_start(data_dir: Path, browser) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    port = free_port()
    return first_frame(["-m", "app", "--port", str(port), "--data-dir", str(data_dir)], port,
                       browser, _home_tiles_shown, APP_ROOT)


def bare_start(browser) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    port = free_port()
    return first_frame(["-m", "tests.bench.bare_flet_app", "--port", str(port)], port, browser)


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(samples), 3),
        "min": round(min(samples), 3),
        "max": round(max(samples), 3),
    }


def _repeat(repeat: int, fn: Callable[[], float]) -> list[float]:
    return [fn() for _ in range(repeat)]


def _rounds(rounds: int, data_dir: Callable[[], Path], browser  # type: ignore[no-untyped-def]
            ) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    bare_runs, app_runs = [], []
    for _ in range(rounds):
        bare_runs.append(bare_start(browser))
        app_runs.append(app_start(data_dir(), browser))
    return bare_runs, app_runs


def run(repeat: int = 5, browser=None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """`repeat` alternating rounds (bare, then app) and `repeat` backend starts of each kind;
    `browser` lets a caller that already drives Chromium lend it."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        counter = iter(range(10_000))

        def fresh() -> Path:
            return tmp_path / f"d{next(counter)}"

        if browser is not None:
            bare_runs, app_runs = _rounds(repeat, fresh, browser)
        else:
            from playwright.sync_api import sync_playwright

            chromium = os.environ.get("TSUYAMA_CHROMIUM", "/usr/bin/chromium")
            with sync_playwright() as pw:
                own = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=CHROMIUM_ARGS)
                try:
                    bare_runs, app_runs = _rounds(repeat, fresh, own)
                finally:
                    own.close()

        cold = _repeat(repeat, lambda: backend_start(fresh()))
        warm_dir = fresh()
        backend_start(warm_dir)
        warm = _repeat(repeat, lambda: backend_start(warm_dir))

    app_frame = statistics.median(r[1] for r in app_runs)
    bare_frame = statistics.median(r[1] for r in bare_runs)
    return {
        "benchmark": "startup",
        "rounds": repeat,
        "first_frame_ratio": round(app_frame / bare_frame, 3),
        "app_first_frame_s": round(app_frame, 3),
        "bare_first_frame_s": round(bare_frame, 3),
        "app_first_frame_runs_s": [round(r[1], 3) for r in app_runs],
        "bare_first_frame_runs_s": [round(r[1], 3) for r in bare_runs],
        "app_http_ready_s": _summary([r[0] for r in app_runs]),
        "bare_http_ready_s": _summary([r[0] for r in bare_runs]),
        "backend_cold_start_s": _summary(cold),
        "backend_warm_start_s": _summary(warm),
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
