"""The Notices tile in plain Python: local-first reading, read marks, stored-row parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.features.notices.repository import (
    NoticesSnapshot,
    ShownNotice,
    content_language,
    describe_change,
    merge,
    notice_from_row,
    read_marks,
)
from app.features.notices.state import NoticesState, Status
from backend_client import BackendProtocolError, BackendUnavailable, Notice
from offline_store import LocalRow, OutboxEntry, StoreCorrupted

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def notice(i: int, title: str) -> Notice:
    return Notice(i, "life", NOW, title, "body", True)


class FakeSource:
    """Stands in for LocalNotices: a snapshot per language, a stamp the test moves."""

    def __init__(self, can_mark: bool = True) -> None:
        self.calls: list[str] = []
        self.fail: Exception | None = None
        self.version = 0
        self.synced_at: datetime | None = NOW
        self.marked: list[int] = []
        self._can_mark = can_mark

    def stamp(self) -> object:
        return self.version

    @property
    def can_mark_read(self) -> bool:
        return self._can_mark

    async def snapshot(self, language: str) -> NoticesSnapshot:
        self.calls.append(language)
        if self.fail:
            raise self.fail
        if self.synced_at is None:
            return NoticesSnapshot([], None)
        return NoticesSnapshot([ShownNotice(notice(1, f"title-{language}"),
                                            read=1 in self.marked)], self.synced_at)

    async def mark_read(self, notice_id: int) -> None:
        self.marked.append(notice_id)
        self.version += 1


pytestmark = pytest.mark.anyio


async def test_reads_once_per_language_and_again_after_a_sync():
    source = FakeSource()
    state = NoticesState(source)
    assert state.claim_load("ja")
    assert not state.claim_load("ja")  # a second render while reading starts nothing
    await state.load("ja")
    assert state.status is Status.LOADED and state.synced_at == NOW
    assert [s.notice.title for s in state.notices] == ["title-ja"]
    assert not state.needs_load("ja")
    assert state.needs_load("en")
    source.version += 1  # a sync stored something
    assert state.needs_load("ja")


async def test_nothing_received_yet_is_not_an_empty_list():
    source = FakeSource()
    source.synced_at = None
    state = NoticesState(source)
    await state.load("ja")
    assert state.status is Status.LOADED and state.never_received


async def test_a_store_or_backend_failure_keeps_what_was_shown_and_says_why():
    source = FakeSource()
    state = NoticesState(source)
    await state.load("ja")
    source.fail = StoreCorrupted("disk I/O error")
    await state.load("ja")
    assert state.status is Status.FAILED and not state.offline
    assert [s.notice.title for s in state.notices] == ["title-ja"]  # still shown
    source.fail = BackendUnavailable("refused")  # the no-store fallback went online
    await state.load("ja")
    assert state.status is Status.FAILED and state.offline
    source.fail = BackendProtocolError("bad json")
    await state.load("en")
    assert not state.offline and state.notices == []  # nothing in the new language


async def test_opening_a_notice_marks_it_read_once():
    source = FakeSource()
    state = NoticesState(source)
    await state.load("ja")
    assert state.unread == 1
    await state.open_notice(1)
    assert state.expanded == 1 and source.marked == [1]
    await state.load("ja")
    assert state.unread == 0
    await state.open_notice(1)  # closes it; already read: no second mark
    assert state.expanded is None and source.marked == [1]


async def test_visitors_have_no_read_marks():
    source = FakeSource(can_mark=False)
    state = NoticesState(source)
    await state.load("en")
    await state.open_notice(1)
    assert source.marked == [] and state.unread == 0 and state.expanded == 1


def test_visitor_languages_read_english_content():
    assert [content_language(x) for x in ("ja", "en", "zh", "ko")] == ["ja", "en", "en", "en"]


def row(key: str, data: Any, pending: bool = False, collection: str = "notices") -> LocalRow:
    return LocalRow(collection, key, data, pending, NOW, NOW, 1)


def stored(i: int, day: int, **extra: Any) -> dict[str, Any]:
    return {"id": i, "category": "life", "published_at": f"2026-11-{day:02d}T00:00:00+00:00",
            "title_ja": f"題{i}", "title_en": f"Title {i}", "body_ja": "本文", "body_en": "Body",
            "is_demo": True, **extra}


def test_stored_rows_become_notices_in_the_reader_language():
    assert notice_from_row(stored(3, 20), "en").title == "Title 3"
    assert notice_from_row(stored(3, 20), "ko").title == "Title 3"
    assert notice_from_row(stored(3, 20, title_en=""), "en").title == "題3"  # not translated
    assert notice_from_row({"id": "x"}, "ja") is None
    assert notice_from_row(["not", "a", "notice"], "ja") is None
    assert notice_from_row(stored(3, 20, published_at="yesterday"), "ja") is None


def test_merge_newest_first_household_copy_wins_and_malformed_rows_are_skipped():
    public = [row("1", stored(1, 10)), row("2", stored(2, 12)), row("9", {"broken": True})]
    own = [row("2", stored(2, 12, audience="parents")), row("5", stored(5, 11))]
    synced = {"key": "notices.read.1", "value": True, "updated_at": "2026-11-24T00:00:00+00:00"}
    marks = read_marks([row("notices.read.1", synced, collection="preferences"),
                        row("notices.read.5", {"key": "notices.read.5", "value": True},
                            pending=True, collection="preferences"),
                        row("notices.read.6", True, collection="preferences"),  # malformed
                        row("theme", "dark", collection="preferences")])
    shown = merge(public, own, marks, "ja", limit=10)
    assert [(s.notice.id, s.for_household, s.read, s.read_pending) for s in shown] == [
        (2, True, False, False), (5, True, True, True), (1, False, True, False)]
    assert [s.notice.id for s in merge(public, own, marks, "ja", limit=2)] == [2, 5]


def test_read_marks_are_named_on_the_device_data_screen():
    entry = OutboxEntry(1, "m", "preferences", "notices.read.4", "set", {}, NOW, "pending")
    assert describe_change(entry) == ("A notice marked as read", {})
    other = OutboxEntry(2, "m2", "preferences", "theme", "set", {}, NOW, "pending")
    assert describe_change(other) is None


def test_a_personal_notice_is_marked_for_you_not_for_the_household():
    own = [row("7", stored(7, 13, personal=True)), row("8", stored(8, 12, audience="parents"))]
    shown = merge([], own, (set(), set()), "ja", limit=10)
    assert [(s.notice.id, s.for_you, s.for_household) for s in shown] == [
        (7, True, False), (8, False, True)]
