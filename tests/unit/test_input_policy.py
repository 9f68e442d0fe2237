"""The input policy's checks on raw bytes (backend/http/input_policy.py): what they refuse,
what they let through, and that they stay fast on the largest bodies the backend reads."""

from __future__ import annotations

import json

import pytest

from backend.http import input_policy
from backend.http.body_limit import DEFAULT_PUSH_BODY_LIMIT_BYTES
from backend.http.errors import clean_errors, short_text
from backend.http.input_policy import (
    LONE_SURROGATE,
    MAX_DEPTH,
    NOT_UTF8,
    NUL_CHARACTER,
    TOO_DEEP,
    check_form,
    check_json,
    check_url_part,
)


def nested(depth: int) -> bytes:
    """`{"a": [[...]]}`-style JSON exactly `depth` levels deep."""
    return ("[" * (depth - 1) + '{"k":1}' + "]" * (depth - 1)).encode()


def code(violation: input_policy.Violation | None) -> str | None:
    return violation.type if violation else None


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"a":"\\ud800"}', LONE_SURROGATE),
    (b'{"a":"\\udc00x"}', LONE_SURROGATE),
    (b'{"a":"\\ud83d"}', LONE_SURROGATE),  # the high half of a pair, alone
    (b'{"\\ud800":1}', LONE_SURROGATE),  # in a key
    (b'{"a":"\\ud800\\ud800"}', LONE_SURROGATE),  # two high halves
    (b'{"a":"\\\\\\ud800"}', LONE_SURROGATE),  # an escaped backslash, then the escape
    (b'{"a":"x\\u0000y"}', NUL_CHARACTER),
    (b'{"a":["ok",{"b":"\\u0000"}]}', NUL_CHARACTER),
    (b'{"a":"x\x00"}', NUL_CHARACTER),  # a raw NUL byte
    ('{"a":"日本"}'.encode("utf-16"), NOT_UTF8),  # JSON as UTF-16 can smuggle surrogates
    (b'{"a":"\xed\xa0\x80"}', NOT_UTF8),  # a surrogate encoded as bytes
    (b'{"a":"\xff"}', NOT_UTF8),
    (nested(MAX_DEPTH + 1), TOO_DEEP),
    (b"[" * 300 + b"]" * 300, TOO_DEEP),
    (b"[" * 100_000, TOO_DEEP),  # never closed: would still make a parser recurse
])
def test_refused_json(body: bytes, expected: str) -> None:
    assert code(check_json(body)) == expected


@pytest.mark.parametrize("body", [
    b"",
    b'{"a":"\\ud83d\\ude00"}',  # a proper pair (ensure_ascii JSON of an emoji)
    b'{"a":"\\\\u0000"}',  # a backslash followed by the text u0000
    b'{"a":"\\\\ud800"}',  # the same with a surrogate-looking text
    '{"名前":"津山 太郎","値":[1,2.5,null,true]}'.encode(),
    nested(MAX_DEPTH),
    b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',  # brackets in a string
    b'{"a":"\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
    b"{not json",  # malformed: the route answers 422 itself
    b"[1, 2",
])
def test_accepted_json(body: bytes) -> None:
    assert check_json(body) is None


@pytest.mark.parametrize(("raw", "expected"), [
    (b"state=a%00b", NUL_CHARACTER),
    (b"a=%ED%A0%80", NOT_UTF8),
    (b"a=%ff", NOT_UTF8),
    (b"a=\xff", NOT_UTF8),
    (b"/people/a%00b", NUL_CHARACTER),
    (b"a=ok&b=%E6%B4%A5%E5%B1%B1&c=x+y", None),
    (b"", None),
])
def test_url_parts_and_forms(raw: bytes, expected: str | None) -> None:
    assert code(check_url_part(raw, "query")) == expected
    assert code(check_form(raw)) == expected


def test_large_bodies_within_the_limits_pass() -> None:
    """A push-sized body of many small objects, 32 levels deep in places, passes the policy
    (its speed is measured by `python -m tests.bench abuse`, never asserted here)."""
    item = json.dumps({"k": "v" * 20, "deep": json.loads(nested(MAX_DEPTH - 3))})
    count = DEFAULT_PUSH_BODY_LIMIT_BYTES // (len(item) + 1)
    body = ("[" + ",".join([item] * count) + "]").encode()
    assert len(body) <= DEFAULT_PUSH_BODY_LIMIT_BYTES
    assert check_json(body) is None
    assert check_json(body.replace(b'"v', b'"\\ud83d\\ude00', 1)) is None
    assert check_json(body.replace(b'"v', b'"\\u0000', 1)) is not None


def test_error_entries_never_carry_the_input() -> None:
    errors = [{"type": "string_too_long", "loc": ("body", "x" * 10_000, 3),
               "msg": "String should have at most 64 characters", "input": "y" * 10_000,
               "ctx": {"max_length": 64}}] * 30
    cleaned = clean_errors(errors)
    assert len(cleaned) == 21 and cleaned[-1]["type"] == "too_many_errors"
    assert set(cleaned[0]) == {"loc", "msg", "type"}
    assert len(cleaned[0]["loc"][1]) <= 100 and cleaned[0]["loc"][2] == 3
    assert "y" * 50 not in json.dumps(cleaned)
    assert short_text("\ud800abc", 10).encode("utf-8") == b"\\ud800abc"
