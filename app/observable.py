"""The one way plain-Python state objects tell views they changed."""

from __future__ import annotations

from collections.abc import Callable


class Observable:
    """Listeners are called after each change; views re-render in them."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()
