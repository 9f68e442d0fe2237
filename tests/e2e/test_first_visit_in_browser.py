"""A new device's first visit in Chromium (ADR 0029): every request stays on this machine, a
Japanese page fetches no Korean or Chinese font and its own font once, the large files come
gzip-compressed, the loading message is Japanese, and the message gives way to the app only
once the Japanese font is in (no frame of empty boxes). One served app for the module."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest

from app.design.theme import DEFAULT_FONT, FONTS
from tests.e2e.conftest import start_app
from tests.support.flutter_semantics import enable_semantics

pytestmark = pytest.mark.e2e

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LARGE = 20_000  # bytes: the client, its engine, the fonts
# When the loading overlays went (Flet's #loading and ours), in the page's own clock.
OVERLAY_MARK = """
(() => {
  window.__overlayGone = null;
  let seen = false;
  const check = () => {
    const left = document.getElementById('loading') ||
      document.querySelector('[data-loading-overlay]');
    if (left) seen = true;
    else if (seen && window.__overlayGone === null) window.__overlayGone = performance.now();
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true});
})();
"""


@dataclass
class Visit:
    urls: list[str] = field(default_factory=list)
    responses: list[tuple[str, int, dict[str, str], int]] = field(default_factory=list)
    overlay_gone_ms: float | None = None
    font_end_ms: float | None = None


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    app = start_app(tmp_path_factory.mktemp("first-visit"), "--lang", "ja")
    yield app
    app.stop()


@pytest.fixture(scope="module")
def visit(served, browser) -> Visit:
    """One first visit, recorded: a fresh context is a new device (no cache, no storage)."""
    record = Visit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    try:
        page = context.new_page()
        page.add_init_script(OVERLAY_MARK)
        page.on("request", lambda request: record.urls.append(request.url))
        page.on("websocket", lambda socket: record.urls.append(socket.url))

        def answered(response) -> None:  # type: ignore[no-untyped-def]
            headers = response.all_headers()
            length = headers.get("content-length", "0")  # bytes on the wire
            size = int(length) if length.isdigit() else 0
            record.responses.append((response.url, response.status, headers, size))

        page.on("response", answered)
        page.goto(served.url)
        enable_semantics(page)
        page.get_by_role("button", name="お知らせ").first.wait_for(timeout=90_000)
        page.wait_for_function("window.__overlayGone !== null", timeout=60_000)
        page.wait_for_timeout(2000)  # what comes after the first screen
        record.overlay_gone_ms = page.evaluate("window.__overlayGone")
        record.font_end_ms = page.evaluate(
            """(file) => {
                const ends = performance.getEntriesByType('resource')
                    .filter(e => e.name.endsWith(file)).map(e => e.responseEnd);
                return ends.length ? Math.max(...ends) : null;
            }""", FONTS[DEFAULT_FONT].rsplit("/", 1)[-1])
    finally:
        context.close()
    return record


def test_no_request_goes_to_another_host(visit: Visit) -> None:
    assert visit.urls, "nothing recorded"
    outside = sorted({url for url in visit.urls
                      if url.startswith(("http", "ws"))
                      and (urlsplit(url).hostname or "") not in LOOPBACK})
    assert outside == []


def test_a_japanese_page_fetches_its_font_once_and_no_korean_or_chinese_font(
        visit: Visit) -> None:
    fonts = [urlsplit(url).path for url in visit.urls
             if url.lower().endswith((".ttf", ".otf", ".ttc", ".woff", ".woff2"))]
    assert not [f for f in fonts if "Nanum" in f or "NotoSansCJK" in f], fonts
    own = [f for f in fonts if f.endswith(FONTS[DEFAULT_FONT])]
    assert len(own) == 1, fonts  # the engine's and the page's requests are one download


def test_large_responses_arrive_gzip_compressed(visit: Visit) -> None:
    large = [(url, headers) for url, status, headers, size in visit.responses
             if status == 200 and size >= LARGE
             and urlsplit(url).path.endswith((".wasm", ".js", ".mjs", ".ttf", ".otf"))]
    paths = {urlsplit(url).path for url, _ in large}
    assert "/main.dart.wasm" in paths or "/main.dart.js" in paths, paths
    assert any(p.endswith(FONTS[DEFAULT_FONT]) for p in paths), paths
    plain = [urlsplit(url).path for url, headers in large
             if headers.get("content-encoding") != "gzip"]
    assert plain == []


def test_the_loading_message_is_japanese_then_english(served) -> None:
    page = httpx.get(served.url, timeout=10).text
    assert '<html lang="ja">' in page
    assert page.index("読み込んでいます…") < page.index("Loading…")
    assert "Working..." not in page


def test_the_message_stays_until_the_japanese_font_is_in(visit: Visit) -> None:
    """No frame of boxes: the overlay goes only after the font has arrived (the engine
    registers its manifest's fonts before its first frame; the old page removed Flet's logo
    at that frame and loaded the font only with the session, seconds later)."""
    assert visit.font_end_ms is not None and visit.overlay_gone_ms is not None
    assert visit.font_end_ms <= visit.overlay_gone_ms
