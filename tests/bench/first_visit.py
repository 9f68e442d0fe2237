"""First-visit figures: what a new device downloads, and when its home becomes readable, at a
throttled 10 Mbit/s.

`python -m app` (Japanese, a fresh data folder) is spawned and, once its web server answers,
Chromium opens it in a fresh browser context (an empty cache and storage: a new device) with
Chromium's network emulation (`Network.emulateNetworkConditions`, `DOWN_MBIT` Mbit/s down,
`UP_MBIT` up, `LATENCY_MS` ms latency). Every request is recorded through the DevTools
protocol until the network has been quiet for `QUIET_S` seconds after the home was readable.

Figures (the last stdout line of `python -m tests.bench first_visit`):

- bytes: total bytes on the wire received by the page (`Network.loadingFinished`
  `encodedDataLength` of every request: headers and the body as sent, compressed or not) plus
  the WebSocket frames received.
- readable_s: seconds from the navigation's start (the page's `performance.timeOrigin`) until
  the home is readable, the latest of:
  - home_s: the home's Japanese title (`HOME_TITLE`, in the app bar) is in Flutter's
    accessibility tree (switched on as soon as Flutter offers it) and no loading overlay
    (`#loading`, or any `[data-loading-overlay]`) covers the page any more;
  - font_s: the Japanese font (every response whose URL names `JA_FONT`) has arrived
    (`responseEnd` of its resource timing). Flutter draws a glyph its fonts lack as an empty
    box, so the title is drawn readably only once that font is in.
  Measured in the page (a MutationObserver set by an init script), so the clock of the
  poller does not count.
- tofu_s: how long the home was on screen before its font (font_s - home_s, at least 0): the
  boxes testers saw.
- fonts: the font files fetched; outside_hosts: every host other than loopback that was asked
  for anything (the aim is none); compressed_bytes / uncompressed_bytes: bytes of responses
  sent with / without a `Content-Encoding`; largest: the five largest responses.

`TSUYAMA_BENCH_APP_ROOT` runs `python -m app` from another checkout (an export of an older
commit) to measure "before" with this same benchmark (tests/bench/startup.py does the same).
Figures, not assertions; recorded in docs/benchmarks.md ("First visit").
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.launcher import free_port
from tests.bench.startup import APP_ROOT, CHROMIUM_ARGS, _stop, _wait_http

DOWN_MBIT = 10.0
UP_MBIT = 10.0
LATENCY_MS = 20.0
QUIET_S = 2.0
SETTLE_MAX_S = 30.0
HOME_TITLE = "つやまポータル"
JA_FONT = "BIZUDPGothic"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

# Records, in the page's own clock (ms since navigation), when the home title shows in the
# accessibility tree with no loading overlay left over it.
_MARKS_SCRIPT = """
(() => {
  const marks = window.__firstVisitMarks = {home: null, engine: null, title: null, text: null};
  window.addEventListener('flutter-first-frame', () => { marks.engine = performance.now(); },
                          {once: true});
  const title = %s;
  const overlayLeft = () =>
    document.getElementById('loading') || document.querySelector('[data-loading-overlay]');
  const titleShown = () => {
    const host = document.querySelector('flt-semantics-host');
    if (!host) return false;
    if ((host.textContent || '').includes(title)) return true;
    for (const node of host.querySelectorAll('[aria-label]')) {
      if (node.getAttribute('aria-label').includes(title)) return true;
    }
    return false;
  };
  const check = () => {
    if (marks.text === null && document.body && document.body.innerText.trim()) {
      marks.text = performance.now();  // the page's first text (a loading message)
    }
    if (marks.title === null && titleShown()) marks.title = performance.now();
    if (marks.home === null && marks.title !== null && !overlayLeft()) {
      marks.home = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ['aria-label', 'id', 'data-loading-overlay'],
  });
})();
"""


@dataclass
class Request:
    url: str
    kind: str = ""
    status: int = 0
    encoding: str = ""
    bytes: int = 0
    done: bool = False


@dataclass
class Recorder:
    """Every request of one page, from DevTools protocol events."""

    requests: dict[str, Request] = field(default_factory=dict)
    websocket_bytes: int = 0
    last_event: float = field(default_factory=time.monotonic)

    def attach(self, cdp: Any) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.on("Network.webSocketFrameReceived", self._frame)

    def _touch(self) -> None:
        self.last_event = time.monotonic()

    def _sent(self, event: dict[str, Any]) -> None:
        self._touch()
        self.requests[event["requestId"]] = Request(event["request"]["url"],
                                                    event.get("type", ""))

    def _response(self, event: dict[str, Any]) -> None:
        self._touch()
        request = self.requests.get(event["requestId"])
        if request is None:
            return
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        request.status = int(response.get("status", 0))
        request.encoding = headers.get("content-encoding", "")

    def _finished(self, event: dict[str, Any]) -> None:
        self._touch()
        request = self.requests.get(event["requestId"])
        if request is not None:
            request.bytes = int(event.get("encodedDataLength", 0))
            request.done = True

    def _failed(self, event: dict[str, Any]) -> None:
        self._touch()
        request = self.requests.get(event["requestId"])
        if request is not None:
            request.done = True

    def _frame(self, event: dict[str, Any]) -> None:
        # Not a sign of loading: the session's frames go on as long as the page is open.
        payload = event["response"].get("payloadData", "")
        # Binary frames (opcode 2) come base64-encoded: 4 characters per 3 bytes.
        self.websocket_bytes += (len(payload) * 3 // 4 if event["response"].get("opcode") == 2
                                 else len(payload.encode()))

    def in_flight(self) -> int:
        return sum(1 for r in self.requests.values()
                   if not r.done and not r.url.startswith(("ws:", "wss:", "data:")))


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 1000, 3)


def _outside_hosts(urls: list[str]) -> list[str]:
    hosts = {urlsplit(url).hostname or "" for url in urls if url.startswith(("http", "ws"))}
    return sorted(host for host in hosts if host not in LOOPBACK)


def visit(url: str, browser: Any, down_mbit: float = DOWN_MBIT,
          timeout_s: float = 180.0) -> dict[str, Any]:
    """One first visit of `url` in a fresh context of `browser`, throttled; its figures."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    try:
        page = context.new_page()
        page.add_init_script(_MARKS_SCRIPT % repr(HOME_TITLE))
        cdp = context.new_cdp_session(page)
        recorder = Recorder()
        recorder.attach(cdp)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": down_mbit * 1_000_000 / 8,
            "uploadThroughput": UP_MBIT * 1_000_000 / 8,
        })
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        deadline = time.monotonic() + timeout_s
        semantics_on = False
        font_ms: float | None = None
        home_ms: float | None = None
        while time.monotonic() < deadline:
            if not semantics_on:
                # Flutter's accessibility tree is off until its placeholder is clicked.
                semantics_on = bool(page.evaluate(
                    """() => {
                        if (document.querySelector('flt-semantics')) return true;
                        const p = document.querySelector('flt-semantics-placeholder');
                        if (p) p.click();
                        return false;
                    }"""))
            home_ms = page.evaluate("() => window.__firstVisitMarks.home")
            font_ms = page.evaluate(
                """(font) => {
                    const ends = performance.getEntriesByType('resource')
                        .filter(e => e.name.includes(font)).map(e => e.responseEnd);
                    return ends.length ? Math.max(...ends) : null;
                }""", JA_FONT)
            if home_ms is not None and font_ms is not None:
                break
            page.wait_for_timeout(50)
        else:
            raise RuntimeError(f"the home of {url} was not readable in {timeout_s} s "
                               f"(home {home_ms}, font {font_ms})")
        # Let what the page still fetches (late fonts, images) finish before counting bytes.
        settle_until = time.monotonic() + SETTLE_MAX_S
        while time.monotonic() < settle_until and (
                recorder.in_flight() or time.monotonic() - recorder.last_event < QUIET_S):
            page.wait_for_timeout(100)
        marks = page.evaluate("() => window.__firstVisitMarks")
        requests = list(recorder.requests.values())
        http = [r for r in requests if r.url.startswith("http")]
        body_bytes = sum(r.bytes for r in http)
        fonts = sorted({urlsplit(r.url).path for r in http
                        if r.url.lower().endswith((".ttf", ".otf", ".woff", ".woff2"))})
        largest = sorted(http, key=lambda r: r.bytes, reverse=True)
        if not os.environ.get("TSUYAMA_BENCH_VERBOSE"):  # every request, else the five largest
            largest = largest[:5]
        return {
            "bytes": body_bytes + recorder.websocket_bytes,
            "readable_s": round(max(home_ms, font_ms) / 1000, 3),
            "home_s": round(home_ms / 1000, 3),
            "font_s": round(font_ms / 1000, 3),
            "tofu_s": round(max(0.0, font_ms - home_ms) / 1000, 3),
            # when Flutter drew its first frame, the title entered the accessibility tree,
            # the page's DOM first had visible text: a loading message, or else the
            # accessibility tree (seconds; null: never)
            "engine_first_frame_s": _seconds(marks.get("engine")),
            "title_in_tree_s": _seconds(marks.get("title")),
            "html_text_s": _seconds(marks.get("text")),
            "requests": len(http),
            "websocket_bytes": recorder.websocket_bytes,
            "compressed_bytes": sum(r.bytes for r in http if r.encoding),
            "uncompressed_bytes": sum(r.bytes for r in http if not r.encoding),
            "fonts": fonts,
            "outside_hosts": _outside_hosts([r.url for r in requests]),
            "largest": [{"path": urlsplit(r.url).path, "bytes": r.bytes,
                         "encoding": r.encoding or None} for r in largest],
        }
    finally:
        context.close()


def first_visit(browser: Any, lang: str = "ja", down_mbit: float = DOWN_MBIT
                ) -> dict[str, Any]:
    """Spawn `python -m app` on a fresh data folder and measure one first visit."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--port", str(port), "--data-dir",
             str(Path(tmp) / "data"), "--lang", lang],
            cwd=APP_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_http(f"http://127.0.0.1:{port}/", process)
            return visit(f"http://127.0.0.1:{port}/", browser, down_mbit)
        finally:
            _stop(process)


def _runs(repeat: int, browser: Any, down_mbit: float) -> list[dict[str, Any]]:
    return [first_visit(browser, down_mbit=down_mbit) for _ in range(repeat)]


def run(repeat: int = 1, browser: Any = None, down_mbit: float = DOWN_MBIT
        ) -> dict[str, Any]:
    """`repeat` first visits (median figures; the last visit's details). `browser` lets a
    caller that already drives Chromium lend it."""
    if browser is not None:
        runs = _runs(repeat, browser, down_mbit)
    else:
        from playwright.sync_api import sync_playwright

        chromium = os.environ.get("TSUYAMA_CHROMIUM", "/usr/bin/chromium")
        with sync_playwright() as pw:
            own = pw.chromium.launch(executable_path=chromium, headless=True,
                                     args=CHROMIUM_ARGS)
            try:
                runs = _runs(repeat, own, down_mbit)
            finally:
                own.close()
    result: dict[str, Any] = {"benchmark": "first_visit", "rounds": repeat,
                              "down_mbit": down_mbit, "latency_ms": LATENCY_MS}
    result.update(runs[-1])
    for key in ("readable_s", "home_s", "font_s", "tofu_s"):
        result[key] = round(statistics.median(r[key] for r in runs), 3)
    result["bytes"] = round(statistics.median(r["bytes"] for r in runs))
    result["bytes_runs"] = [r["bytes"] for r in runs]
    result["readable_runs_s"] = [r["readable_s"] for r in runs]
    result["load_avg"] = round(os.getloadavg()[0], 2)
    return result
