"""The offline banner says only what is true of the screen below it (ADR 0031)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.shell.connection import ConnectionStatus, Link
from app.shell.offline_notice import OfflineNotice, banner_text
from app.shell.registry import FeatureRegistry
from app.shell.state import Screen

PUBLIC = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
OWN = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def feature_screen(tile_id: str) -> Screen:
    spec = next(s for s in FeatureRegistry.load() if s.id == tile_id)
    return Screen("feature", spec.route, spec)


def test_saved_information_only_where_the_screen_shows_it():
    notices = feature_screen("notices")
    shown = banner_text(notices, PUBLIC, OWN)
    assert shown.notice is OfflineNotice.SAVED_SHOWN and shown.as_of == OWN  # the oldest
    assert banner_text(notices, PUBLIC, None).as_of == PUBLIC
    # Never synced: nothing saved to show.
    assert banner_text(notices, None, None).notice is OfflineNotice.SHOWN_WHEN_CONNECTED
    assert banner_text(Screen("sync", "/device-data"), PUBLIC, None).notice is \
        OfflineNotice.SAVED_SHOWN
    # Screens without city data, and those read from the city only.
    for screen in (Screen("home", "/"), Screen("settings", "/settings")):
        assert banner_text(screen, PUBLIC, OWN).notice is OfflineNotice.OFFLINE_ONLY
    for screen in (Screen("mydata", "/mydata"), feature_screen("school")):
        assert banner_text(screen, PUBLIC, OWN).notice is OfflineNotice.SHOWN_WHEN_CONNECTED
    # A tile that keeps its data on the device (reservations: free places, bookings).
    assert banner_text(feature_screen("reservations"), PUBLIC, OWN).notice is \
        OfflineNotice.SAVED_SHOWN


def test_the_check_runs_often_while_offline():
    waits = [ConnectionStatus(Link.OFFLINE, "", n).next_check_in() for n in range(1, 8)]
    assert waits == [2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    assert ConnectionStatus(Link.ONLINE).next_check_in() == 30.0
