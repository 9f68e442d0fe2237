"""The transit staff screen's state with a fake source: the feeds listed, an upload
imported, a refused feed's report kept, a bad feed id caught before sending, offline said;
and the screen renders each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from app.features.transit.staff.state import TransitStaffState
from app.features.transit.staff.views import staff_body
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendRejected, BackendUnavailable
from tests.unit.test_views_build import texts

pytestmark = pytest.mark.anyio

FEED = {"id": "awa-bus", "name": "市営阿波バス", "configured": True,
        "current": {"service_start": "2026-04-01", "service_end": "2027-03-31", "stops": 40,
                    "trips": 120, "imported_at": "2026-12-01T09:00:00+00:00"},
        "realtime": None,
        "imports": [{"at": "2026-12-01T09:00:00+00:00", "outcome": "imported",
                     "version": "abc", "report": []}]}


class FakeStaff:
    def __init__(self) -> None:
        self.answer: Any = {"feed_id": "awa-bus", "outcome": "imported", "version": "v2",
                            "report": []}
        self.sent: list[tuple[str, str, int]] = []

    async def feeds(self) -> Mapping[str, Any]:
        return {"feeds_file": "/srv/feeds.json", "feeds_file_error": None, "feeds": [FEED]}

    async def upload(self, feed_id: str, filename: str, body: bytes) -> Mapping[str, Any]:
        self.sent.append((feed_id, filename, len(body)))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def ctx() -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings())
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


async def test_feeds_listed_and_an_upload_imported() -> None:
    source = FakeStaff()
    state = TransitStaffState(source)
    assert state.claim_load() and not state.claim_load()
    await state.load()
    assert state.target == "awa-bus"
    shown = texts(staff_body(ctx(), state))
    assert "市営阿波バス (awa-bus)" in shown
    assert any(s.startswith("公開中: 2026-04-01〜2027-03-31") for s in shown)
    await state.send("awa.zip", b"PK...")
    assert source.sent == [("awa-bus", "awa.zip", 5)]
    assert state.upload is not None and state.upload.outcome == "imported"
    assert not state.loaded  # the list is read again after an import
    shown = texts(staff_body(ctx(), state))
    assert "取り込みました。住民の端末は新しい時刻表をダウンロードします。" in shown


async def test_a_refused_feed_shows_its_report_and_bad_ids_are_caught() -> None:
    source = FakeStaff()
    source.answer = BackendRejected(422, "feed refused", "feed_refused", {
        "report": ["stops.txt line 12, stop_lat: \"abc\" is not a number"]})
    state = TransitStaffState(source)
    await state.load()
    await state.send("awa.zip", b"zip")
    assert state.upload is not None and state.upload.outcome == "refused"
    shown = texts(staff_body(ctx(), state))
    assert 'stops.txt line 12, stop_lat: "abc" is not a number' in shown
    state.set_target("Awa Bus!")
    await state.send("awa.zip", b"zip")
    assert state.upload.outcome == "bad_feed_id" and len(source.sent) == 1
    source.answer = BackendUnavailable("down")
    state.set_target("awa-bus")
    await state.send("awa.zip", b"zip")
    assert state.upload.outcome == "offline"
