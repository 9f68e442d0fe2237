"""Switching on Flutter's accessibility DOM in a Playwright page (browser tests and the
start-up bench): after it, `get_by_role` and `flt-semantics-identifier` work."""

from __future__ import annotations

from typing import Any


def enable_semantics(page: Any, *, wait_for_first_frame: bool = True) -> None:
    """Click the hidden semantics placeholder. On a loaded machine the placeholder can be
    replaced while the first frame settles (seen once in CI): try again, a few times."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    if wait_for_first_frame:
        page.wait_for_selector("#loading", state="detached", timeout=60_000)
    for attempt in range(4):
        if page.locator("flt-semantics").count():
            return
        try:
            page.wait_for_selector("flt-semantics-placeholder", state="attached",
                                   timeout=30_000)
            page.locator("flt-semantics-placeholder").dispatch_event("click", timeout=10_000)
            page.wait_for_selector("flt-semantics", state="attached", timeout=15_000)
            return
        except PlaywrightTimeoutError:
            if attempt == 3:
                raise
