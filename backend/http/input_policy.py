"""The input policy: what no request may carry, wherever it comes from.

Checked on the raw bytes before any route parses them (`InputGuard`):

- **NUL characters** (`%00` in a path or query, a NUL byte in a form or JSON body, `\\u0000`
  in a JSON string or key): PostgreSQL cannot store them in text and nothing needs them.
- **Bytes that are not UTF-8**, which includes lone UTF-16 surrogates encoded as bytes
  (`%ED%A0%80`) and JSON sent as UTF-16; and **lone surrogates in JSON escapes** (`"\\ud800"`
  without its pair): no database or JSON encoder can store or send them. A proper pair
  (`"\\ud83d\\ude00"`) is one character and welcome.
- **JSON nested deeper than `MAX_DEPTH`** (arrays and objects): every body of this API is
  a few levels deep; deep nesting only makes parsers and validators recurse.

How long a string may be is not decided here but by each route's own model (`max_length`),
within the body limit (`body_limit`). A violation is a `Violation`, answered 400 with the
shape of `backend.http.errors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from urllib.parse import unquote_to_bytes

MAX_DEPTH = 32

NUL_CHARACTER = "nul_character"
NOT_UTF8 = "invalid_utf8"
LONE_SURROGATE = "lone_surrogate"
TOO_DEEP = "too_deep"

# A JSON string literal (unrolled: fast on long strings).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = [0] * 256
_DEPTH_STEP[ord("[")] = _DEPTH_STEP[ord("{")] = 1
_DEPTH_STEP[ord("]")] = _DEPTH_STEP[ord("}")] = -1
_DEPTH_CHUNK = 64 * 1024  # brackets counted per step (the GIL can switch in between)
# A \u escape that may stand for NUL or a surrogate: a cheap filter before the exact scan.
_SUSPICIOUS_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
# The exact scan: a \u escape (after an even run of backslashes, so not an escaped
# backslash followed by "u") that is a proper surrogate pair, a lone surrogate (group 1)
# or NUL (group 2).
_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u(?:"
                     rb"[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                     rb"|([dD][89a-fA-F][0-9a-fA-F]{2})|(0000))")


@dataclass(frozen=True)
class Violation:
    """Why the request breaks the policy: `type` (a code), `msg` (for people), `loc` (where:
    "path", "query" or "body")."""

    type: str
    msg: str
    loc: tuple[str, ...]


def check_url_part(raw: bytes, where: str) -> Violation | None:
    """A raw (percent-encoded) path or query string: after decoding it must be UTF-8
    without NUL."""
    if not raw:
        return None
    return _check_decoded(unquote_to_bytes(raw.replace(b"+", b" ")), where)


def check_form(body: bytes) -> Violation | None:
    """An `application/x-www-form-urlencoded` body, decoded like a query string."""
    return check_url_part(body, "body")


def check_multipart(body: bytes) -> Violation | None:
    """A `multipart/form-data` body, all of it text: the routes that take files are
    streamed past this check for callers with a valid token (`backend/http/uploads.py`)."""
    return _check_decoded(body, "body")


def _check_decoded(data: bytes, where: str) -> Violation | None:
    if b"\x00" in data:
        return _nul(where)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return Violation(NOT_UTF8, f"the {where} is not valid UTF-8 text (lone surrogates "
                         "and other encodings are refused)", (where,))
    return None


def check_json(body: bytes) -> Violation | None:
    """A JSON body. Malformed JSON passes: the route's parser answers it (422)."""
    if not body:
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return Violation(NOT_UTF8, "the JSON body is not valid UTF-8 (RFC 8259 §8.1); lone "
                         "surrogates and other encodings are refused", ("body",))
    if b"\x00" in body:
        return _nul("body")
    if _too_deep(body):
        return Violation(TOO_DEEP, f"the JSON body is nested more than {MAX_DEPTH} levels "
                         "deep", ("body",))
    if _SUSPICIOUS_ESCAPE.search(body):
        for escape in _ESCAPE.finditer(body):
            if escape.group(1):
                return Violation(LONE_SURROGATE, "the JSON body contains a lone UTF-16 "
                                 "surrogate (a \\ud800-\\udfff escape without its pair)",
                                 ("body",))
            if escape.group(2):
                return _nul("body")
    return None


def _nul(where: str) -> Violation:
    return Violation(NUL_CHARACTER, f"the {where} contains a NUL character, which is not "
                     "accepted anywhere", (where,))


def _too_deep(body: bytes) -> bool:
    """Whether arrays/objects nest more than MAX_DEPTH levels (openers never closed count
    too: they make a parser recurse all the same). Strings are removed first."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    for start in range(0, len(brackets), _DEPTH_CHUNK):
        depths = list(accumulate(map(_DEPTH_STEP.__getitem__,
                                     brackets[start:start + _DEPTH_CHUNK]), initial=depth))
        if max(depths) > MAX_DEPTH:
            return True
        depth = depths[-1]
    return False
