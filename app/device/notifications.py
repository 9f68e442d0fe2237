"""Local notifications: plyer on phones and desktop computers; none in a browser (the home
screen shows the same notes there)."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Notifier = Callable[[str, str], None]  # (title, message)


def plyer_notifier(title: str, message: str) -> None:
    from plyer import notification

    notification.notify(title=title, message=message, app_name="つやまポータル", timeout=30)
