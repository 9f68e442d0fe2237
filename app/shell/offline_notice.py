"""What the offline banner may honestly say about the screen below it (plain Python).

- A screen that shows data kept on this device (a built tile reading the local stores, "Data
  on this device") and the device holds some: "saved information is shown (as of <time>)",
  the time of the oldest data shown.
- Such a screen, but nothing was ever saved (a device never online), or a screen that reads
  only from the city (My data, staff screens): "it will be shown once connected".
- Screens that show no city data at all (home, settings): only that the app is offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.shell.state import Screen


class OfflineNotice(StrEnum):
    SAVED_SHOWN = "saved_shown"
    SHOWN_WHEN_CONNECTED = "shown_when_connected"
    OFFLINE_ONLY = "offline_only"


@dataclass(frozen=True)
class BannerText:
    notice: OfflineNotice
    as_of: datetime | None = None  # SAVED_SHOWN only


def reads_device_data(screen: Screen) -> bool:
    if screen.kind == "sync":
        return True
    feature = screen.feature
    return (screen.kind == "feature" and feature is not None and feature.built
            and feature.prepare is not None)


def banner_text(screen: Screen, public_synced_at: datetime | None,
                own_synced_at: datetime | None) -> BannerText:
    if screen.kind in ("home", "settings"):
        return BannerText(OfflineNotice.OFFLINE_ONLY)
    if not reads_device_data(screen):
        return BannerText(OfflineNotice.SHOWN_WHEN_CONNECTED)
    ages = [moment for moment in (public_synced_at, own_synced_at) if moment is not None]
    if not ages:
        return BannerText(OfflineNotice.SHOWN_WHEN_CONNECTED)
    return BannerText(OfflineNotice.SAVED_SHOWN, min(ages))
