"""A resource's questions on the device (docs/reservations.md §6): the procedures tile's form
engine checks the answers before `book`/`wait` (errors block the booking, each at its
field), the cleaned answers are sent, and the resource screen renders the fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.features.reservations import state
from app.features.reservations.catalogue import resource_from, slots_from
from app.features.reservations.ports import PublicRead
from app.features.reservations.state import ReservationsState
from app.features.reservations.views import reservations_body
from tests.unit.test_reservations_app_state import RESOURCE, SLOTS, FakeRepo, make_state
from tests.unit.test_reservations_app_views import controls_of, screen, words

pytestmark = pytest.mark.anyio
DEMO = Path(__file__).parents[2] / "assets/reservations/demo/course-smartphone.json"
QUESTIONS: dict[str, Any] = json.loads(DEMO.read_text("utf-8"))["questions"]


class AskingRepo(FakeRepo):
    """The test counter, asking the demo smartphone class's questions."""

    def __init__(self, questions: Any = QUESTIONS) -> None:
        super().__init__()
        self.questions = questions

    async def public(self) -> PublicRead:
        entry = resource_from("kosodate", {**RESOURCE, "questions": self.questions})
        assert entry is not None
        return PublicRead([entry], slots_from(SLOTS), self.synced_at)


async def asking(repo: FakeRepo | None = None) -> tuple[FakeRepo, ReservationsState]:
    repo = repo or AskingRepo()
    st = make_state(repo)
    await st.load()
    st.open_resource("kosodate")
    st.choose_slot(st.days("kosodate")[0].slots[0])
    return repo, st


async def test_errors_block_the_booking_each_at_its_field() -> None:
    repo, st = await asking()
    entry = st.resource("kosodate")
    assert entry is not None and entry.has_questions
    st.answer(entry, "wish", "あ" * 201)
    assert await st.book(entry) is None
    assert repo.outbox == []
    assert st.message == state.CHECK_ANSWERS
    assert {name: error.code for name, error in st.answer_errors.items()} == {
        "phone": "required", "wish": "max_length"}
    assert st.chosen_slot is not None  # the choice stays for the second try
    # Fixing a field clears its error.
    st.answer(entry, "phone", "android")
    assert set(st.answer_errors) == {"wish"}


async def test_the_cleaned_answers_are_sent_with_book_and_forgotten_after() -> None:
    repo, st = await asking()
    entry = st.resource("kosodate")
    assert entry is not None
    st.answer(entry, "phone", "none")
    st.answer(entry, "wish", "   ")  # an empty optional text is no answer
    st.check_answer(entry, "wish")
    assert st.answer_errors == {}
    booking_id = await st.book(entry)
    assert booking_id is not None and st.message == state.BOOKED
    assert repo.outbox[-1].name == "book"
    assert repo.outbox[-1].args["answers"] == {"phone": "none"}
    assert st.answers == {}


async def test_wait_sends_the_answers_too_and_a_resource_without_questions_none() -> None:
    repo, st = await asking()
    entry = st.resource("kosodate")
    assert entry is not None
    st.choose_slot(st.days("kosodate")[0].slots[1])  # full, with a waiting list
    st.answer(entry, "phone", "iphone")
    st.answer(entry, "wish", "LINE の使い方")
    assert await st.book(entry, join_waiting_list=True) is not None
    assert (repo.outbox[-1].name, repo.outbox[-1].args["answers"]) == (
        "wait", {"phone": "iphone", "wish": "LINE の使い方"})
    plain_repo, plain = await asking(FakeRepo())
    plain_entry = plain.resource("kosodate")
    assert plain_entry is not None and plain.questions(plain_entry) is None
    assert await plain.book(plain_entry) is not None
    assert "answers" not in plain_repo.outbox[-1].args


async def test_questions_this_app_cannot_read_block_the_booking() -> None:
    repo, st = await asking(AskingRepo({"schema": {"properties": {}},
                                        "layout": {"sections": "no"}}))
    entry = st.resource("kosodate")
    assert entry is not None and st.questions_unreadable(entry)
    assert await st.book(entry) is None and repo.outbox == []
    assert st.message == state.QUESTIONS_UNREADABLE
    text = words(reservations_body(screen("/reservations/kosodate"), st))
    assert "質問を表示できません" in text


async def test_the_resource_screen_renders_the_fields_and_their_errors() -> None:
    _, st = await asking()
    entry = st.resource("kosodate")
    assert entry is not None
    tree = reservations_body(screen("/reservations/kosodate"), st)
    keys = {getattr(c, "key", None) for c in controls_of(tree)}
    assert {"resource-questions", "field-phone", "field-wish"} <= keys
    text = words(tree)
    assert "次の質問にお答えください" in text
    assert "お使いのスマートフォンの種類（必須）" in text and "聞きたいこと" in text
    assert await st.book(entry) is None
    text = words(reservations_body(screen("/reservations/kosodate"), st))
    assert "下の印のついた回答を確認してください。" in text
    assert "お使いのスマートフォンの種類を選んでください。" in text  # at its field
    english = words(reservations_body(screen("/reservations/kosodate", "en"), st))
    assert "Your smartphone's kind" in english
