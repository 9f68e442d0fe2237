"""Everyday screens in Chromium, on one served app: large text that fits (rows at least the
touch target, labels inside their fields, tile labels unbroken), the selected option told
to screen readers, an honest offline banner that goes when the link returns, and delegation
by invitation code between two residents.

The app reaches its backend through a TCP relay the offline test switches off and on.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.launcher import EmbeddedBackend, free_port
from tests.e2e.conftest import ServedApp, start_app
from tests.e2e.interact import tap, type_over
from tests.e2e.tcp_switch import TcpSwitch
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows

pytestmark = pytest.mark.e2e

ON_SURFACE = (0x1B, 0x1B, 0x1F)  # the normal palette's text colour (app/design/tokens.py)


class Everyday:
    def __init__(self, served: ServedApp, link: TcpSwitch, root: Path) -> None:
        self.served, self.link, self.root = served, link, root


@pytest.fixture(scope="module")
def everyday(tmp_path_factory) -> Iterator[Everyday]:
    root = tmp_path_factory.mktemp("everyday")
    backend = EmbeddedBackend(root / "backend", free_port())
    backend.start()
    link = TcpSwitch(backend.port)
    served = start_app(root / "app", "--backend-url", link.url,
                       env=keyring_env(root / "keyring.json"))
    try:
        yield Everyday(served, link, root)
    finally:
        if served.process.poll() is not None:  # it died under the tests: say how
            print(f"the app exited with {served.process.returncode}; its log ends:\n"
                  + "\n".join(served.log().splitlines()[-80:]))
        served.stop()
        link.close()
        backend.stop()


@pytest.fixture
def new_page(open_page, everyday):
    """A page of the module's app (or of `served`); a failing test's pages are saved."""

    def _open(width: int = 1280, height: int = 800, served: ServedApp | None = None):
        return open_page(served or everyday.served, width=width, height=height)

    return _open


def node(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]').first


def box(page, identifier: str) -> dict[str, float]:
    found = node(page, identifier)
    found.wait_for(state="attached")
    b = found.bounding_box()
    assert b is not None, identifier
    return b


SEMANTIC_TEXT = """(id) => {
    const el = document.querySelector(`[flt-semantics-identifier="${id}"]`);
    if (!el) return null;
    const parts = [el.getAttribute('aria-label') || '', el.textContent || ''];
    for (const child of el.querySelectorAll('[aria-label]')) {
        parts.push(child.getAttribute('aria-label'));
    }
    return parts.join(' ');
}"""


def semantic_text(page, identifier: str) -> str:
    """What assistive technology reads in the node and below it (labels and text)."""
    return page.evaluate(SEMANTIC_TEXT, identifier) or ""


def signed_in(page, persona: str) -> None:
    """Logs `persona` in, unless the app restored their login (a retried test)."""
    login = page.get_by_role("button", name="ログイン", exact=True)
    logout = page.get_by_role("button", name="ログアウト", exact=True)
    greeting = shows(page, f"{persona}さん、こんにちは")
    login.or_(greeting).or_(logout).first.wait_for()
    if greeting.count() == 0 and logout.count() == 0:
        log_in_as(page, persona)
        greeting.wait_for()


def choose_extra_large(page) -> None:
    page.get_by_role("button", name="設定", exact=True).click()
    page.get_by_role("radio", name="特大", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('[flt-semantics-identifier=\"switch-settings-high-"
        "contrast\"]')?.getBoundingClientRect().height >= 64")


def text_lines(png: bytes, colour: tuple[int, int, int], tolerance: int = 60) -> list[range]:
    """Bands of pixel rows containing `colour` (text drawn in it), top to bottom."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    rows = [y for y in range(height)
            if sum(1 for x in range(width)
                   if sum(abs(a - b) for a, b in zip(pixels[x, y], colour, strict=True))
                   <= tolerance) >= 2]
    bands: list[range] = []
    for y in rows:
        if bands and y - bands[-1].stop <= 2:
            bands[-1] = range(bands[-1].start, y + 1)
        else:
            bands.append(range(y, y + 1))
    return bands


def border_and_text_rows(png: bytes) -> tuple[list[range], list[int]]:
    """Dark rows spanning most of the width (a field's border lines, as bands) and rows with
    some dark pixels but not that many (text). The side borders (and rounded corners) at
    the left and right edges are not looked at."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    borders: list[range] = []
    text: list[int] = []
    for y in range(height):
        dark = sum(1 for x in range(6, width - 6) if pixels[x, y] < 160)
        if dark > width * 0.6:
            if borders and y - borders[-1].stop <= 1:
                borders[-1] = range(borders[-1].start, y + 1)
            else:
                borders.append(range(y, y + 1))
        elif dark >= 2:
            text.append(y)
    return borders, text


def test_extra_large_text_rows_reach_the_target_and_say_what_is_selected(new_page, artifacts):
    page = new_page()
    choose_extra_large(page)
    time.sleep(1)
    page.screenshot(path=str(artifacts / "everyday-settings-extra-large-ja.png"))

    # The high-contrast switch: one row (label + switch) at least 48 px (here 64: 特大).
    switch = node(page, "switch-settings-high-contrast")
    row = box(page, "switch-settings-high-contrast")
    assert row["height"] >= 48
    assert switch.get_attribute("role") == "switch"
    assert switch.get_attribute("aria-label") == "ハイコントラスト"
    # Options: each row at least 48 px, and only the chosen one is "current" (selected).
    sizes = ("normal", "large", "extra_large")
    for size in sizes:
        assert box(page, f"settings-text-size-{size}")["height"] >= 48
    assert [node(page, f"settings-text-size-{size}").get_attribute("aria-current")
            for size in sizes] == ["false", "false", "true"]
    assert node(page, "settings-language-ja").get_attribute("aria-current") == "true"

    # A tap on the label end of the row flips the switch (the whole row is the target).
    before = switch.get_attribute("aria-checked")
    page.mouse.click(row["x"] + 40, row["y"] + row["height"] / 2)
    page.wait_for_function(
        "([el, was]) => el.getAttribute('aria-checked') !== was",
        arg=[switch.element_handle(), before])
    switch.click()  # and back: the normal palette for the pixel checks below
    page.wait_for_function(
        "([el, was]) => el.getAttribute('aria-checked') === was",
        arg=[switch.element_handle(), before])


def test_home_tile_labels_never_break_inside_a_word(new_page, artifacts):
    page = new_page()
    choose_extra_large(page)
    page.get_by_role("radio", name="English", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    tile = node(page, "tile-reservations")
    tile.wait_for()
    assert semantic_text(page, "tile-reservations").split() == ["Reservations"] * len(
        semantic_text(page, "tile-reservations").split())
    time.sleep(1.5)  # the frame after the route change
    b = box(page, "tile-reservations")
    # The label is drawn below the icon, in the text colour (the icon is in the primary
    # colour): "Reservations" must be one line, not "Reservation" over "s".
    png = page.screenshot(clip={"x": b["x"] + 3, "y": b["y"] + b["height"] * 0.5,
                                "width": b["width"] - 6, "height": b["height"] * 0.5 - 3})
    (artifacts / "everyday-tile-reservations-en.png").write_bytes(png)
    lines = text_lines(png, ON_SURFACE)
    assert len(lines) == 1, f"the label is drawn on {len(lines)} lines: {lines}"
    # Two-word labels may wrap, but only at the space: every tile keeps its own words.
    page.screenshot(path=str(artifacts / "everyday-home-extra-large-en.png"))


def test_delegation_by_invitation_code_between_two_residents(new_page, everyday, artifacts):
    taro = new_page()
    signed_in(taro, "津山 太郎")
    taro.get_by_role("button", name="マイデータ", exact=True).click()
    taro.wait_for_url("**/mydata")
    # No field asks for the other person's 36-character common ID any more.
    shows(taro, "代わりに手続きしてもらう").wait_for()
    assert taro.get_by_role("textbox", name=re.compile("共通ID")).count() == 0
    taro.get_by_role("button", name="同意してコードを作る", exact=True).click()
    code_node = node(taro, "invitation-code")
    code_node.wait_for(state="attached")
    label = semantic_text(taro, "invitation-code")
    match = re.search(r"([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})", label)
    assert match, label
    code = match.group(1)
    assert node(taro, "invitation-qr").count() == 1
    time.sleep(1)
    taro.screenshot(path=str(artifacts / "everyday-invitation-code-ja.png"))

    # The app keeps its login in the OS keyring of the machine it runs on (one resident per
    # installation): the second resident uses a second app on the same city backend.
    second = start_app(everyday.root / "app-hanako", "--backend-url", everyday.link.url,
                       env=keyring_env(everyday.root / "keyring-hanako.json"))
    hanako = new_page(width=412, height=915, served=second)
    try:
        _hanako_uses_the_code(hanako, code, artifacts)
    except Exception:
        # The failure screenshot at teardown comes after this app has stopped: keep hers now.
        (artifacts / "failed").mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            hanako.screenshot(path=str(artifacts / "failed" / "invitation-second-app.png"),
                              timeout=5_000)
        raise
    finally:
        if second.process.poll() is not None:  # it died under the test: say how
            print(f"the second app exited with {second.process.returncode}; its log ends:\n"
                  + "\n".join(second.log().splitlines()[-80:]))
        second.stop()


def around_element(page, locator, margin: float) -> tuple[dict[str, float], bytes]:
    """The element's box and a PNG of it with `margin` pixels above and below, taken from a
    viewport screenshot during which the element did not move (a render after a late sync
    can still move the page right after scrolling)."""
    from PIL import Image

    deadline = time.monotonic() + 30
    # Focus brings the field into view (Flutter scrolls to a focused field; a semantics
    # node's scrollIntoView does not always move the canvas); Tab leaves it empty again.
    tap(page, locator)
    page.keyboard.press("Tab")
    while True:
        time.sleep(0.5)
        before = locator.bounding_box()
        shot = page.screenshot()
        after = locator.bounding_box()
        viewport = page.viewport_size
        if (before is not None and before == after and before["y"] - margin >= 0
                and before["y"] + before["height"] + margin <= viewport["height"]):
            picture = Image.open(io.BytesIO(shot))
            scale = picture.width / viewport["width"]
            crop = picture.crop((round(before["x"] * scale),
                                 round((before["y"] - margin) * scale),
                                 round((before["x"] + before["width"]) * scale),
                                 round((before["y"] + before["height"] + margin) * scale)))
            out = io.BytesIO()
            crop.save(out, format="PNG")
            return before, out.getvalue()
        if before is not None and (before["y"] - margin < 0 or before["y"] + before["height"]
                                   + margin > viewport["height"]):
            # Above or below the window: wheel it to the upper third.
            page.mouse.move(viewport["width"] / 2, viewport["height"] / 2)
            page.mouse.wheel(0, before["y"] - viewport["height"] / 3)
        assert time.monotonic() < deadline, f"the element did not settle in view: {before}"


def _label_rows(borders: list[range], text: list[int]) -> list[int]:
    """Text rows above the field's bottom border, without the one-pixel edges the borders'
    own anti-aliasing leaves right beside them (the label drawn inside the empty field)."""
    if len(borders) < 2:
        return []
    top, bottom = borders[0], borders[1]
    return [y for y in text if y < bottom.start and y not in (top.stop, bottom.start - 1)]


def _inside(borders: list[range], label: list[int]) -> bool:
    """The label lies between the field's top and bottom border lines, touching neither."""
    top, bottom = borders[0], borders[1]
    return all(top.stop + 1 < y < bottom.start - 2 for y in label)


def _hanako_uses_the_code(hanako, code: str, artifacts: Path) -> None:
    """On a phone-sized screen at 特大: the code field's label fits, the code is taken."""
    signed_in(hanako, "津山 花子")
    choose_extra_large(hanako)
    hanako.get_by_role("button", name="戻る", exact=True).click()
    hanako.get_by_role("button", name="マイデータ", exact=True).click()
    hanako.wait_for_url("**/mydata")
    field = hanako.get_by_role("textbox", name="招待コード")
    field.wait_for()
    deadline = time.monotonic() + 30
    while True:
        field_box, png = around_element(hanako, field, margin=20)
        borders, text = border_and_text_rows(png)
        label = _label_rows(borders, text)
        # A late re-render can still move the page between the box and the picture: then
        # the picture misses the field, and is taken again (a label that really crosses a
        # border does so in every picture, and fails below).
        if (label and _inside(borders, label)) or time.monotonic() > deadline:
            break
    assert field_box["height"] >= 48
    (artifacts / "everyday-code-field-extra-large-ja.png").write_bytes(png)
    assert len(borders) >= 2, borders
    assert label, "no label drawn inside the field"
    assert _inside(borders, label), (borders[:2], label)

    use = hanako.get_by_role("button", name="このコードを使う", exact=True)
    type_over(hanako, field, code.lower().replace("-", " "))  # as read out: lower, a space
    tap(hanako, use)
    shows(hanako, "完了しました").wait_for()
    shows(hanako, "あなたは津山 太郎さんの代理ができます").wait_for()
    time.sleep(1)
    hanako.screenshot(path=str(artifacts / "everyday-invitation-accepted-ja.png"))

    # Used once: the same code again is refused, and says why.
    type_over(hanako, field, code)
    tap(hanako, use)
    shows(hanako, "このコードは使用済みです").wait_for()  # a failure saves the screen


def test_offline_banner_says_what_is_shown_and_goes_when_the_link_returns(
        new_page, everyday, artifacts):
    page = new_page()
    page.get_by_role("button", name="お知らせ").first.click()
    shows(page, "冬季の水道管凍結にご注意ください").wait_for()  # now saved on this device
    banner = node(page, "offline-banner")
    assert banner.count() == 0
    everyday.link.set_online(False)
    try:
        banner.wait_for(state="attached", timeout=60_000)
        # The notices come from the device: saved information, with its age.
        text = semantic_text(page, "offline-banner")
        assert "保存済みの情報を表示しています" in text and "時点" in text, text
        page.get_by_role("button", name="戻る", exact=True).click()
        page.get_by_role("button", name="設定", exact=True).click()
        page.wait_for_url("**/settings")
        # Settings show no city data: the banner must not claim saved data is shown.
        page.wait_for_function(
            f"() => ({SEMANTIC_TEXT})('offline-banner')?.includes('市のサーバーにつながりません')")
        assert "保存済み" not in semantic_text(page, "offline-banner")
        time.sleep(1)
        page.screenshot(path=str(artifacts / "everyday-offline-settings-ja.png"))
        # Offline for a while: the old back-off (2, 4, … 60 s) would now wait half a minute
        # and more before its next check; the banner would stay long after the link returned.
        time.sleep(35)
    finally:
        everyday.link.set_online(True)
    # Back online: the banner goes within a few seconds, without any tap.
    node(page, "offline-banner").wait_for(state="detached", timeout=15_000)
