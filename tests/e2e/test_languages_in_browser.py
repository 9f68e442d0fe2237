"""The app in English and in Chinese, in Chromium (ADR 0028).

- English (a resident's device set to English): the waste tile finds 「microwave」 and shows
  the item's English name, its fee and its kind's English name. Before: no hit at all (the
  dictionary was Japanese only) and the kinds were Japanese.
- Chinese (visitor mode): the home screen's title and welcome are there for screen readers,
  the bundled Chinese font is loaded (and served as a font), and the page asks no other host
  and gets no HTML for a font. Before: there was no Chinese font to load (the first
  assertion on the font fails), 18 of the catalog's characters were in no bundled font, and
  Flutter's fallback font requests got the HTML page.

One served app per mode, for the module (each started the first time a test needs it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import start_app
from tests.e2e.test_login_in_browser import shows
from tests.support.flutter_semantics import enable_semantics

pytestmark = pytest.mark.e2e

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2", ".ttc")


@pytest.fixture(scope="module")
def english_app(tmp_path_factory) -> Iterator[Any]:
    app = start_app(tmp_path_factory.mktemp("lang-en"), "--lang", "en")
    yield app
    app.stop()


@pytest.fixture(scope="module")
def chinese_app(tmp_path_factory) -> Iterator[Any]:
    app = start_app(tmp_path_factory.mktemp("lang-zh"), "--mode", "visitor", "--lang", "zh")
    yield app
    app.stop()


@dataclass
class Traffic:
    """Every request the page made and every response's content type."""

    requests: list[str] = field(default_factory=list)
    responses: dict[str, str] = field(default_factory=dict)
    console: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        return [url for url in self.requests
                if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(url).hostname not in LOOPBACK]

    def fonts(self) -> list[str]:
        return [url for url in self.requests
                if urlsplit(url).path.lower().endswith(FONT_SUFFIXES)
                or "fonts.gstatic" in url or "/fonts/" in urlsplit(url).path.lower()]

    def fallback_fonts(self) -> list[str]:
        """Flutter's fallback slices (a Noto font folder under assets/fonts/)."""
        return [url for url in self.fonts() if "/assets/fonts/noto" in url.lower()]

    def html_for_fonts(self) -> list[str]:
        return [url for url in self.fonts()
                if "text/html" in self.responses.get(url, "")]


def open_recorded(browser, served, locale: str) -> tuple[Any, Any, Traffic]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(30_000)
    traffic = Traffic()
    page.on("request", lambda request: traffic.requests.append(request.url))
    page.on("response", lambda response: traffic.responses.__setitem__(
        response.url, response.headers.get("content-type", "")))
    page.on("console", lambda message: traffic.console.append(message.text))
    page.goto(served.url)
    enable_semantics(page)
    return context, page, traffic


def test_english_search_finds_the_microwave_with_its_english_names(browser, english_app,
                                                                    artifacts):
    context, page, _ = open_recorded(browser, english_app, "en-US")
    try:
        page.get_by_role("button", name="Waste").first.click()
        page.wait_for_url("**/waste")
        field_ = page.get_by_role("textbox", name="Item to throw away (e.g. microwave, 電子レンジ)")
        field_.click()
        page.keyboard.insert_text("microwave")
        shows(page, "Microwave ovens").wait_for()  # the English name (the dictionary's)
        shows(page, "Fee: ¥500").wait_for()  # and its fee
        shows(page, "Oversized waste").wait_for()  # its kind, in English
        snapshot = page.locator("body").aria_snapshot()
        assert snapshot.index("Microwave ovens") < snapshot.index("Oversized waste") \
            < snapshot.index("Fee: ¥500")
        assert "電子レンジ" in snapshot  # the Japanese name stays, as on the city's papers

        # plural and case do not matter; Japanese still works in English
        field_.fill("")
        page.keyboard.insert_text("PET Bottles")
        shows(page, "PET bottles").wait_for()
        shows(page, "Recyclables (cans, glass bottles, PET bottles)").wait_for()
        field_.fill("")
        page.keyboard.insert_text("ふとん")
        shows(page, "Futons").wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "waste-search-en.png"))
    finally:
        context.close()


def test_english_districts_are_readable(browser, english_app):
    context, page, _ = open_recorded(browser, english_app, "en-US")
    try:
        page.get_by_role("button", name="Waste").first.click()
        page.wait_for_url("**/waste")
        page.get_by_role("button", name="Collection days", exact=True).click()
        page.get_by_role("button", name="Hayashida", exact=True).click()
        shows(page, "Your district: Hayashida").wait_for()
        shows(page, "Burnable waste").wait_for()
    finally:
        context.close()


def test_chinese_home_renders_with_the_bundled_font(browser, chinese_app, artifacts):
    context, page, traffic = open_recorded(browser, chinese_app, "zh-CN")
    try:
        shows(page, "欢迎来到津山").wait_for()
        shows(page, "津山门户").wait_for()
        page.get_by_role("button", name="设置").first.wait_for()
        shows(page, "观光").wait_for()
        page.wait_for_timeout(3000)  # let Flutter lay out and ask for any fallback font it needs
        page.screenshot(path=str(artifacts / "home-zh.png"))
        fonts = traffic.fonts()
        ours = [url for url in fonts if url.endswith("NotoSansCJKsc-Subset.otf")]
        assert ours, fonts
        assert all("text/html" not in traffic.responses.get(url, "") for url in ours)
        assert traffic.foreign() == [], traffic.foreign()
    finally:
        context.close()


def test_font_fallback_requests_get_no_html(browser, chinese_app):
    """Whatever Flutter asks under its fallback address is answered with a font, never the
    app's HTML page for it to parse as a font (app/web/font_fallback.py)."""
    context, page, traffic = open_recorded(browser, chinese_app, "zh-CN")
    try:
        shows(page, "欢迎来到津山").wait_for()
        page.wait_for_timeout(5000)  # page events arrive while Playwright waits
        assert traffic.html_for_fonts() == [], traffic.html_for_fonts()
    finally:
        context.close()


def test_a_fallback_font_is_asked_for_once_and_loads(browser, english_app):
    """Text in no bundled font (here Thai and an emoji typed into the search field) makes
    Flutter ask for fallback slices. Each is answered with the empty font, loads, and is never
    asked again; the page stays responsive. Before (a 404), the engine forgot the failure,
    re-laid out every text when its downloads settled and asked for the same slices again
    and again: the page stayed busy in that loop (ADR 0035)."""
    context, page, traffic = open_recorded(browser, english_app, "en-US")
    try:
        page.get_by_role("button", name="Waste").first.click()
        page.wait_for_url("**/waste")
        field_ = page.get_by_role("textbox", name="Item to throw away (e.g. microwave, 電子レンジ)")
        field_.click()
        page.keyboard.insert_text("ไทย 🍕")
        # Playwright delivers page events while it waits, not during time.sleep.
        page.wait_for_timeout(6000)  # every download settles; a relayout would ask again
        asked = traffic.fallback_fonts()
        assert asked, "no fallback slice asked for: this test no longer tests anything"
        failed = [line for line in traffic.console if "Failed to load font" in line]
        assert failed == [], failed[:5]
        assert len(asked) == len(set(asked)), sorted(asked)
        assert all(traffic.responses.get(url) == "font/ttf" for url in asked), asked
        page.keyboard.press("Control+a")
        page.keyboard.insert_text("microwave")  # and the page still answers
        shows(page, "Microwave ovens").wait_for(timeout=15_000)
    finally:
        context.close()


@pytest.mark.xfail(strict=True, reason=(
    "Flutter still asks for Noto Sans SC/HK/KR fallback slices on every page, Japanese too "
    "and on the code before this change, some seconds after the first frame, although the "
    "page's font has the characters (answered with an empty font, ADR 0035). A font-loading "
    "question (ADR 0028, Consequences), not coverage: remove the mark when fixed."))
def test_chinese_home_needs_no_fallback_font(browser, chinese_app):
    context, page, traffic = open_recorded(browser, chinese_app, "zh-CN")
    try:
        shows(page, "欢迎来到津山").wait_for()
        page.wait_for_timeout(5000)  # page events arrive while Playwright waits
        assert [url for url in traffic.fonts() if "/notosans" in url.lower()] == []
    finally:
        context.close()
