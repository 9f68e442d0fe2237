"""The resource definition check (docs/reservations.md §1): every kind of error with its
exact JSON path, table-driven; the demo definitions pass, and whatever passes parses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.tiles.reservations.resource import parse_resource
from backend.tiles.reservations.resources.format import check_resource
from tests.backend.reservation_helpers import DEMO_IDS, demo_body, demo_resource

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Set the value at a dotted path ("slots.times"; "who" top-level)."""
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        target[last] = value
    return change


def _drop(path: str) -> Mutation:
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        del target[last]
    return change


FORM = {"schema": {"type": "object", "additionalProperties": False,
                   "properties": {"topic": {"type": "string", "maxLength": 100}}},
        "layout": {"sections": [{"id": "s", "title": {"ja": "内容", "en": "Topic"},
                                 "fields": [{"field": "topic", "widget": "text",
                                             "label": {"ja": "相談内容", "en": "Topic"}}]}]}}

CASES: list[tuple[str, Mutation, str, str]] = [
    ("unknown top key", _set("colour", "red"), "$.colour", "unknown key"),
    ("missing key", _drop("slots"), "$", 'missing key "slots"'),
    ("format", _set("format", 2), "$.format", "must be 1"),
    ("id pattern", _set("id", "Kosodate_Counter"), "$.id", "lowercase"),
    ("id not stem", _set("id", "other-counter"), "$.id", 'not the file name'),
    ("version zero", _set("version", 0), "$.version", "must be 1 to"),
    ("version text", _set("version", "1"), "$.version", "must be an integer"),
    ("demo not bool", _set("demo", "yes"), "$.demo", "true or false"),
    ("waiting_list not bool", _set("waiting_list", 1), "$.waiting_list", "true or false"),
    ("kind", _set("kind", "room"), "$.kind", 'unknown kind "room"'),
    ("title without en", _set("title", {"ja": "窓口"}), "$.title", 'missing key "en"'),
    ("empty summary", _set("summary", {"ja": " ", "en": "x"}), "$.summary.ja", "empty"),
    ("place unknown language", _set("place", {"ja": "a", "en": "b", "zh": "c"}),
     "$.place.zh", "unknown key"),
    ("department", _set("department", "sports"), "$.department",
     'unknown department "sports"'),
    ("categories not list", _set("categories", "counter"), "$.categories", "must be a list"),
    ("category twice", _set("categories", ["counter", "counter"]), "$.categories[1]",
     "listed twice"),
    ("category pattern", _set("categories", ["Counter"]), "$.categories[0]", "lowercase"),
    ("who unknown key", _set("who.age", 3), "$.who.age", "unknown key"),
    ("residency", _set("who.residency", "everyone"), "$.who.residency",
     'unknown residency "everyone"'),
    ("min_age range", _set("who.min_age", 130), "$.who.min_age", "must be 0 to 120"),
    ("max_age below min", _set("who", {"min_age": 60, "max_age": 20}), "$.who.max_age",
     "below min_age 60"),
    ("offer_hours range", _set("offer_hours", 169), "$.offer_hours", "must be 1 to 168"),
    ("offer_hours zero", _set("offer_hours", 0), "$.offer_hours", "must be 1 to 168"),
    ("slots unknown key", _set("slots.every", 30), "$.slots.every", "unknown key"),
    ("weekdays empty", _set("slots.weekdays", []), "$.slots.weekdays", "non-empty list"),
    ("weekday 8", _set("slots.weekdays", [1, 8]), "$.slots.weekdays[1]", "must be 1 to 7"),
    ("weekday twice", _set("slots.weekdays", [1, 2, 1]), "$.slots.weekdays[2]",
     "listed twice"),
    ("times empty", _set("slots.times", []), "$.slots.times", "non-empty list"),
    ("time format", _set("slots.times", ["09:00", "9:30"]), "$.slots.times[1]",
     'must be a time "HH:MM"'),
    ("time 24:00", _set("slots.times", ["24:00"]), "$.slots.times[0]", "00:00 to 23:59"),
    ("times unsorted", _set("slots.times", ["10:00", "09:00"]), "$.slots.times[1]",
     '"09:00" is not after "10:00"'),
    ("time twice", _set("slots.times", ["09:00", "09:00"]), "$.slots.times[1]",
     "is not after"),
    ("times overlap", _set("slots.times", ["09:00", "09:30", "09:45"]), "$.slots.times[2]",
     '"09:45" starts before the slot at "09:30" ends (30 minutes)'),
    ("past midnight", _set("slots.times", ["23:45"]), "$.slots.times[0]",
     "ends after midnight"),
    ("minutes range", _set("slots.minutes", 0), "$.slots.minutes", "must be 5 to 720"),
    ("capacity zero", _set("slots.capacity", 0), "$.slots.capacity", "must be 1 to 500"),
    ("capacity 501", _set("slots.capacity", 501), "$.slots.capacity", "must be 1 to 500"),
    ("buffer negative", _set("slots.buffer_minutes", -5), "$.slots.buffer_minutes",
     "must be 0 to 240"),
    ("window opens <= closes", _set("window", {"opens_days_before": 2,
                                               "closes_working_days_before": 2}),
     "$.window", "would never be open"),
    ("window missing closes", _set("window", {"opens_days_before": 30}), "$.window",
     'missing key "closes_working_days_before"'),
    ("window opens zero", _set("window.opens_days_before", 0), "$.window.opens_days_before",
     "must be 1 to 366"),
    ("limits unknown key", _set("limits.per_day", 1), "$.limits.per_day", "unknown key"),
    ("limit zero", _set("limits.per_person_open", 0), "$.limits.per_person_open",
     "must be 1 to 1000"),
    ("limit float", _set("limits.per_household_open", 1.5), "$.limits.per_household_open",
     "must be an integer"),
    ("fee amount zero", _set("fee", {"amount_yen": 0, "methods": ["points"]}),
     "$.fee.amount_yen", "must be 1 to 1000000"),
    ("fee amount too big", _set("fee", {"amount_yen": 1_000_001, "methods": ["points"]}),
     "$.fee.amount_yen", "must be 1 to 1000000"),
    ("fee method", _set("fee", {"amount_yen": 500, "methods": ["card"]}),
     "$.fee.methods[0]", 'unknown payment method "card"'),
    ("fee no method", _set("fee", {"amount_yen": 500, "methods": []}), "$.fee.methods",
     "at least 1"),
    ("fee unknown key", _set("fee", {"amount_yen": 500, "methods": ["points"], "tax": 1}),
     "$.fee.tax", "unknown key"),
    ("questions not object", _set("questions", []), "$.questions", "must be an object"),
    ("questions missing layout", _set("questions", {"schema": FORM["schema"]}),
     "$.questions", 'missing key "layout"'),
    ("questions schema type", _set("questions", {**FORM, "schema": {
        **FORM["schema"], "type": "array"}}), "$.questions.schema.type", 'must be "object"'),
    ("questions field not in layout", _set("questions", {**FORM, "layout": {"sections": []}}),
     "$.questions.schema.properties.topic", "not in the layout"),
    ("questions bad widget", _set("questions", {**FORM, "layout": {"sections": [{
        **FORM["layout"]["sections"][0], "fields": [{"field": "topic", "widget": "checkbox",
                                                     "label": {"ja": "a", "en": "b"}}]}]}}),
     "$.questions.layout.sections[0].fields[0].widget", "needs a boolean field"),
    ("queue counter", _set("queue", {"counter": "Kosodate!", "name": {"ja": "a", "en": "b"}}),
     "$.queue.counter", "lowercase"),
    ("queue name", _set("queue", {"counter": "kosodate", "name": "子育て"}), "$.queue.name",
     "must be an object"),
    ("queue unknown key", _set("queue.window", 3), "$.queue.window", "unknown key"),
]


@pytest.mark.parametrize(("mutation", "path", "fragment"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_every_error_kind_is_reported_at_its_path(mutation: Mutation, path: str,
                                                  fragment: str) -> None:
    body = demo_resource()
    mutation(body)
    errors = check_resource(body, "kosodate-counter")
    assert any(e.path == path and fragment in e.message for e in errors), errors


def test_a_body_that_is_not_an_object_is_one_error() -> None:
    errors = check_resource([], "x")
    assert [(e.path, e.message) for e in errors] == [("$", "must be an object, not a list")]


def test_several_errors_come_back_together_as_file_lines() -> None:
    body = demo_resource(kind="room", offer_hours=0)
    body["slots"]["capacity"] = 0
    lines = [e.line("kosodate-counter.json") for e in check_resource(body, "kosodate-counter")]
    assert lines == [
        'kosodate-counter.json: $.kind: unknown kind "room"; known: "counter", "facility", '
        '"course"',
        "kosodate-counter.json: $.offer_hours: must be 1 to 168, not 0",
        "kosodate-counter.json: $.slots.capacity: must be 1 to 500, not 0",
    ]


@pytest.mark.parametrize("resource_id", DEMO_IDS)
def test_the_demo_definitions_pass_and_parse(resource_id: str) -> None:
    body = demo_body(resource_id)
    assert check_resource(body, resource_id) == []
    resource = parse_resource(body)
    assert resource.id == resource_id and resource.demo


def test_optional_parts_may_be_null_or_absent_and_still_parse() -> None:
    body = demo_resource(fee={"amount_yen": 300, "methods": ["counter"]}, questions=FORM,
                         limits=None, queue=None, who={"max_age": 15})
    for key in ("categories", "waiting_list", "offer_hours"):
        del body[key]
    assert check_resource(body, "kosodate-counter") == []
    resource = parse_resource(body)
    assert resource.fee is not None and resource.fee.methods == ("counter",)
    assert resource.who.max_age == 15 and resource.offer_hours == 24
    assert resource.questions == FORM and resource.queue is None


def test_times_may_touch_when_a_slot_ends_as_the_next_starts() -> None:
    body = demo_resource()
    body["slots"].update(times=["09:00", "10:00"], minutes=60)
    assert check_resource(body, "kosodate-counter") == []
    body["slots"]["minutes"] = 61
    assert [e.path for e in check_resource(body, "kosodate-counter")] == ["$.slots.times[1]"]
