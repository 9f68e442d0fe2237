"""Touching the Flutter canvas the way a resident does, for every browser test.

Flutter draws the page on a canvas: a semantics node's `scrollIntoView` does not always move
it, and a control at the window's foot can be half under the edge, where a click misses (or
lands while a late re-render still moves the page). So every click on a control that may lie
near an edge first wheels it into the middle of the window, and waits for it to stand still.
"""

from __future__ import annotations

import time


def scroll_until_built(page, locator, timeout_s: float = 30) -> None:
    """Flutter builds (and gives semantics to) only the part of a long list near the window:
    a re-render that adds rows above can take a control out of the page. Wheels down, then
    up, until `locator` exists; it must exist within `timeout_s`."""
    viewport = page.viewport_size
    deadline = time.monotonic() + timeout_s
    step = viewport["height"] * 0.6
    direction = 1
    turns = 0
    while locator.count() == 0:
        assert time.monotonic() < deadline, f"never built: {locator}"
        page.mouse.move(viewport["width"] / 2, viewport["height"] / 2)
        page.mouse.wheel(0, direction * step)
        page.wait_for_timeout(300)
        turns += 1
        if turns % 8 == 0:
            direction = -direction


def in_middle_of_view(page, locator) -> None:
    """Wheels the page until `locator` is in the middle third of the window and has stopped
    moving (two looks 150 ms apart give the same box)."""
    viewport = page.viewport_size
    for _ in range(12):
        scroll_until_built(page, locator)
        locator.wait_for()
        box = locator.bounding_box()
        middle = box["y"] + box["height"] / 2 if box else viewport["height"] / 2
        off = middle - viewport["height"] / 2
        if abs(off) < viewport["height"] / 6:
            page.wait_for_timeout(150)
            if locator.bounding_box() == box:
                return
            continue
        page.mouse.move(viewport["width"] / 2, viewport["height"] / 2)
        page.mouse.wheel(0, off)
        page.wait_for_timeout(400)


def tap(page, locator) -> None:
    """Clicks `locator` once it is in the middle of the window."""
    in_middle_of_view(page, locator)
    locator.click()


def type_over(page, locator, text: str, *, clear: int = 40) -> None:
    """Replaces what a text field shows with `text`. Select-all right after the click that
    focuses a Flutter field is sometimes lost, so the field is also emptied from its end."""
    in_middle_of_view(page, locator)
    locator.click()
    page.wait_for_timeout(200)
    page.keyboard.press("Control+a")
    page.keyboard.press("End")
    for _ in range(clear):
        page.keyboard.press("Backspace")
    page.keyboard.insert_text(text)
