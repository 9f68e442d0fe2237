"""The health tile's screens build in Japanese and English from a state over fakes: the
consent gate (nothing else before consent), the review of an analysed meal photo, the day with
its totals and week chart, My health data; and a child of 12 sees their own consent button
before the parent's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import flet as ft
import pytest

from app.features.health.ports import Child, StoredRecord
from app.features.health.state import HealthState, Subject
from app.features.health.views.home import consent_body, data_body, day_body
from app.features.health.views.meal import meal_body
from app.shell.feature_spec import Mode
from app.shell.settings import Settings
from tests.health_meals.generate import draw_meal
from tests.unit.test_views_build import ctx_for, texts

NOW = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)  # 12:30 in Tokyo


class Repo:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.values: dict[str, Any] = {}

    def available(self) -> bool:
        return True

    def stamp(self) -> object:
        return len(self.rows)

    async def records(self) -> list[StoredRecord]:
        return [StoredRecord(r, False) for r in self.rows.values()]

    async def add_record(self, record: dict[str, Any], *, sync: bool) -> None:
        self.rows[record["id"]] = record

    async def delete_record(self, record_id: str) -> None:
        self.rows.pop(record_id, None)

    async def send_unsent(self) -> int:
        return 0

    async def delete_all(self) -> int:
        count = len(self.rows)
        self.rows.clear()
        return count

    async def device_value(self, key: str) -> Any:
        return self.values.get(key)

    async def set_device_value(self, key: str, value: Any) -> None:
        self.values[key] = value


class Online:
    def __init__(self, children: list[Child] | None = None) -> None:
        self.decisions: list[tuple[int, bool, str | None]] = []
        self._children = children or []

    async def record_consent(self, version: int, granted: bool, text_sha256: str,
                             on_behalf_of: str | None = None) -> None:
        self.decisions.append((version, granted, on_behalf_of))

    async def children(self) -> list[Child]:
        return self._children


def _state(online: Online | None = None) -> HealthState:
    state = HealthState(Repo(), online or Online(), Subject("me-1", "", 40), "female",
                        lambda: NOW)
    asyncio.run(state.load())
    return state


def _ids(controls: Any) -> set[str]:
    found: set[str] = set()

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 40 or obj is None:
            return
        if isinstance(obj, list | tuple):
            for item in obj:
                walk(item, depth + 1)
            return
        if not isinstance(obj, ft.BaseControl):
            return
        identifier = getattr(obj, "identifier", None)
        if isinstance(identifier, str):
            found.add(identifier)
        for attr in ("content", "controls", "actions"):
            walk(getattr(obj, attr, None), depth + 1)

    walk(controls)
    return found


@pytest.mark.parametrize("language", ["ja", "en"])
def test_only_the_consent_screen_before_consent(language: str) -> None:
    ctx = ctx_for(Mode.RESIDENT, Settings(language=language))
    state = _state()
    body = consent_body(ctx, state, language)
    shown = " ".join(texts(body))
    assert state.text.text(language) in shown
    assert {"health-agree", "health-not-now"} <= _ids(body)
    assert "health-photo-pick" not in _ids(body)
    assert asyncio.run(state.analyse_photo(draw_meal(0).jpeg())) is False
    assert state.draft is None


@pytest.mark.parametrize("language", ["ja", "en"])
def test_review_day_and_data_screens_build(language: str) -> None:
    ctx = ctx_for(Mode.RESIDENT, Settings(language=language))
    state = _state()
    assert asyncio.run(state.grant(language)) and state.consented
    assert asyncio.run(state.analyse_photo(draw_meal(0).jpeg()))
    draft = state.draft
    assert draft is not None and len(draft.regions) == 4
    review = meal_body(ctx, state, draft, lambda: None)
    ids = _ids(review)
    assert {"health-photo", "health-save-meal", "health-region-1-slider",
            "health-region-4-remove", "health-region-1-not-food"} <= ids
    assert asyncio.run(state.save_meal(language))
    day = day_body(ctx, state, on_photo=lambda: None, on_camera=None, language=language)
    ids = _ids(day)
    assert {"health-week-chart", "health-open-data", "health-open-checkups"} <= ids
    assert "health-photo-camera" not in ids  # no camera offered (a kiosk)
    shown = " ".join(texts(day))
    assert ("この日の合計" if language == "ja" else "This day's totals") in shown
    data = data_body(ctx, state, language, lambda fmt: None)
    assert {"health-export-json", "health-export-csv", "health-export-fhir", "health-sync",
            "health-delete-all", "health-revoke"} <= _ids(data)


def test_a_child_of_twelve_accepts_before_the_parent() -> None:
    online = Online([Child("child-12", "津山 陽翔", 12), Child("child-8", "津山 結衣", 8)])
    state = _state(online)
    asyncio.run(state.load_children())
    ctx = ctx_for(Mode.RESIDENT, Settings(language="ja"))
    state.choose_subject("child-12")
    ids = _ids(consent_body(ctx, state, "ja"))
    assert "health-child-agree" in ids and "health-agree" not in ids
    assert asyncio.run(state.grant("ja")) is False and online.decisions == []
    state.child_accepts()
    assert "health-agree" in _ids(consent_body(ctx, state, "ja"))
    assert asyncio.run(state.grant("ja"))
    assert online.decisions == [(state.text.version, True, "child-12")]
    state.choose_subject("child-8")  # under 12: the parent decides
    assert "health-agree" in _ids(consent_body(ctx, state, "ja"))
    with pytest.raises(ValueError):
        state.choose_subject("someone-else")


def test_a_meal_again_in_one_tap_from_recent_and_favourites() -> None:
    state = _state()
    assert asyncio.run(state.grant("ja"))
    state.start_without_photo()
    assert state.draft is not None
    state.draft.add_extra("recipe:rice", 200)
    state.draft.add_extra("recipe:miso_soup")
    assert asyncio.run(state.save_meal("ja"))
    (record,) = state.mine()
    ctx = ctx_for(Mode.RESIDENT, Settings(language="ja"))
    day = day_body(ctx, state, on_photo=lambda: None, on_camera=None, language="ja")
    assert "health-again-recent-0" in _ids(day)
    assert state.recent_meals()[0]["key"] == "recipe:miso_soup|recipe:rice"
    asyncio.run(state.toggle_favourite(record))
    assert state.is_favourite(record) and state.recent_meals() == []  # listed once
    state.start_from_meal(state.favourites()[0]["items"])
    draft = state.draft
    assert draft is not None
    assert [(e.source, e.grams) for e in draft.extras] == [
        ("recipe:rice", 200), ("recipe:miso_soup", 189)]
    assert asyncio.run(state.save_meal("ja"))
    assert len([r for r in state.mine() if r.kind == "meal"]) == 2
    asyncio.run(state.toggle_favourite(record))
    assert state.favourites() == []
