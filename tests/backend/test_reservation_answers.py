"""Answers to a resource's `questions` (docs/reservations.md §2): `book` and `wait` check
them with the procedures tile's form check, refuse them as `invalid_answers` with every
error at its field, and store the cleaned answers; a resource without questions takes none."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from tests.backend.people import make_person
from tests.backend.test_reservation_bookings_helpers import (
    RESOURCE,
    add_resource,
    applied,
    book_args,
    fix_now,
    push,
    refused_code,
    slot_counts,
    stored_booking,
)

ASKS = "t-asks"
QUESTIONS: dict[str, Any] = {
    "schema": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "phone": {"type": "string", "enum": ["iphone", "android", "none"]},
            "model": {"type": "string", "maxLength": 20},
            "wish": {"type": "string", "maxLength": 10},
        },
        "required": ["phone", "model"],
    },
    "layout": {"sections": [{"id": "s", "fields": [
        {"field": "phone", "label": {"ja": "スマホ", "en": "Phone"}, "widget": "radio",
         "options": {"iphone": {"ja": "iPhone", "en": "iPhone"},
                     "android": {"ja": "Android", "en": "Android"},
                     "none": {"ja": "まだ持っていない", "en": "Not yet"}}},
        {"field": "model", "label": {"ja": "機種", "en": "Model"}, "widget": "text",
         "show_if": {"field": "phone", "in": ["iphone", "android"]}},
        {"field": "wish", "label": {"ja": "聞きたいこと", "en": "Questions"},
         "widget": "textarea"},
    ]}]},
}


@pytest.fixture
def app(database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    fix_now(monkeypatch)
    add_resource(app)
    add_resource(app, ASKS, capacity=1, questions=QUESTIONS, waiting_list=True)
    return app


def _errors(answer: dict[str, Any]) -> dict[str, str]:
    """field -> code of an `invalid_answers` refusal."""
    assert refused_code(answer) == "invalid_answers", answer
    body = json.loads(answer["error"]["message"])
    assert body["message"]
    assert all(error["message_ja"] and error["message_en"] for error in body["errors"])
    return {error["field"]: error["code"] for error in body["errors"]}


def test_every_wrong_answer_is_refused_at_its_field_and_nothing_is_booked(
        app: FastAPI) -> None:
    hanako = make_person(app)
    answer = push(app, hanako, "book", book_args(resource_id=ASKS, answers={
        "phone": "pager", "wish": "あ" * 11, "colour": "red"}))
    assert _errors(answer) == {"phone": "enum", "wish": "max_length",
                               "colour": "unknown_field"}
    missing = push(app, hanako, "book", book_args(resource_id=ASKS))
    assert _errors(missing) == {"phone": "required"}
    assert slot_counts(app, resource_id=ASKS) == (1, 0, 0)


def test_a_required_field_is_required_only_while_shown(app: FastAPI) -> None:
    hanako, taro = make_person(app), make_person(app)
    shown = push(app, hanako, "book", book_args(resource_id=ASKS,
                                                answers={"phone": "android"}))
    assert _errors(shown) == {"model": "required"}
    # Hidden (no phone yet): not required, and a value sent for it is dropped.
    booking = applied(push(app, taro, "book", book_args(
        "b-asks0001", resource_id=ASKS,
        answers={"phone": "none", "model": "Pixel", "wish": "  "})))
    assert booking["answers"] == {"phone": "none"}
    assert json.loads(stored_booking(app, "b-asks0001").answers) == {"phone": "none"}


def test_good_answers_are_stored_cleaned_for_book_and_wait(app: FastAPI) -> None:
    hanako, taro = make_person(app), make_person(app)
    booked = applied(push(app, hanako, "book", book_args(
        "b-asks0002", resource_id=ASKS,
        answers={"phone": "iphone", "model": "SE", "wish": None})))
    assert booked["answers"] == {"phone": "iphone", "model": "SE"}
    refused = push(app, taro, "wait", book_args(resource_id=ASKS, answers={"phone": 3}))
    assert _errors(refused) == {"phone": "type"}
    assert slot_counts(app, resource_id=ASKS) == (1, 1, 0)
    waiting = applied(push(app, taro, "wait", book_args(
        "w-asks0001", resource_id=ASKS, answers={"phone": "none", "wish": "LINE"})))
    assert (waiting["status"], waiting["answers"]) == ("waiting", {"phone": "none",
                                                                    "wish": "LINE"})
    assert json.loads(stored_booking(app, "w-asks0001").answers) == waiting["answers"]


def test_a_resource_without_questions_takes_no_answers(app: FastAPI) -> None:
    hanako = make_person(app)
    answer = push(app, hanako, "book", book_args(answers={"note": "相談内容"}))
    assert _errors(answer) == {"note": "unknown_field"}
    assert slot_counts(app, resource_id=RESOURCE) == (2, 0, 0)
    empty = applied(push(app, hanako, "book", book_args("b-plain001", answers={})))
    assert empty["answers"] == {}
