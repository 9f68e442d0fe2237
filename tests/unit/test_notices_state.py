"""The Notices tile's state with a fake source: loading, language switch, offline, errors."""

from datetime import UTC, datetime

import pytest

from app.features.notices.repository import content_language
from app.features.notices.state import NoticesState, Status
from backend_client import BackendProtocolError, BackendUnavailable, Notice

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def notice(i: int, title: str) -> Notice:
    return Notice(i, "life", NOW, title, "body", True)


class FakeSource:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail: Exception | None = None

    async def latest(self, language: str) -> list[Notice]:
        self.calls.append(language)
        if self.fail:
            raise self.fail
        return [notice(1, f"title-{language}")]


async def test_loads_once_per_language():
    source = FakeSource()
    state = NoticesState(source, clock=lambda: NOW)
    assert state.needs_load("ja")
    await state.load("ja")
    assert state.status is Status.LOADED and state.loaded_at == NOW
    assert [n.title for n in state.notices] == ["title-ja"]
    assert not state.needs_load("ja")
    assert state.needs_load("en")


async def test_offline_keeps_what_was_shown_and_says_why():
    source = FakeSource()
    state = NoticesState(source, clock=lambda: NOW)
    await state.load("ja")
    source.fail = BackendUnavailable("refused")
    await state.load("ja")
    assert state.status is Status.FAILED and state.offline
    assert [n.title for n in state.notices] == ["title-ja"]  # still shown
    assert state.loaded_at == NOW  # with its age


async def test_a_bad_answer_is_not_reported_as_offline():
    source = FakeSource()
    source.fail = BackendProtocolError("bad json")
    state = NoticesState(source)
    await state.load("en")
    assert state.status is Status.FAILED and not state.offline and state.notices == []


def test_visitor_languages_read_english_content():
    assert content_language("ja") == "ja"
    assert content_language("en") == "en"
    assert content_language("zh") == "en"
    assert content_language("ko") == "en"


async def test_logging_in_or_out_reloads_for_the_new_reader():
    source = FakeSource()
    state = NoticesState(source, clock=lambda: NOW)
    assert state.claim_load("ja", None)
    await state.load("ja")
    assert not state.needs_load("ja", None)
    assert state.needs_load("ja", "common-id-1")  # logged in: the household's notices too
    assert state.claim_load("ja", "common-id-1")
    assert not state.claim_load("ja", "common-id-1")  # already loading
