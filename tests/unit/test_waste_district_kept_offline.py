"""A logged-out resident's waste district survives a start before the districts are on the
device (offline, the public store not open yet), and a reminder switched meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.features.waste.repository import WasteChoice, WasteContent
from app.features.waste.state import WasteState

pytestmark = pytest.mark.anyio

AREAS = [{"id": "north", "name": "北"}, {"id": "south", "name": "南"}]


class FakeRepository:
    """Local settings hold the district; the content has no districts until `arrive`."""

    def __init__(self) -> None:
        self.saved = WasteChoice("north", frozenset())
        self.content_now = WasteContent()
        self.version = 0

    def stamp(self) -> object:
        return self.version

    def arrive(self) -> None:
        self.content_now = WasteContent(areas=AREAS, synced_at=datetime.now(UTC))
        self.version += 1

    async def content(self, language: str) -> WasteContent:
        return self.content_now

    async def choice(self) -> WasteChoice:
        return self.saved

    async def save_choice(self, choice: WasteChoice, before: WasteChoice) -> None:
        self.saved = choice


async def test_the_district_is_kept_while_no_districts_are_on_the_device() -> None:
    repo = FakeRepository()
    state = WasteState(repo, lambda: None, lambda: datetime(2026, 12, 3, tzinfo=UTC))
    await state.load("ja")
    assert state.choice.district == "north"  # before: None, the choice was dropped
    await state.set_reminder("燃やせるごみ", False)  # saves the whole choice
    assert repo.saved.district == "north"
    repo.arrive()
    assert state.claim_load("ja")
    await state.load("ja")
    assert state.area == AREAS[0]


async def test_a_district_the_city_no_longer_has_is_still_replaced() -> None:
    repo = FakeRepository()
    repo.arrive()
    repo.saved = WasteChoice("gone", frozenset())
    state = WasteState(repo, lambda: None, lambda: datetime(2026, 12, 3, tzinfo=UTC))
    await state.load("ja")
    assert state.choice.district is None
