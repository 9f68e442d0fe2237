"""The procedures tile's public API for other tiles (docs/tiles.md: a tile uses another only
through its `api` module): the pieces of the definition format check that other tiles'
data formats reuse (the reservations tile's resource definitions, docs/reservations.md §1).

- `FormatError`, `key_path` and `Checker` (the collector of errors with JSON paths and its
  shape checks: objects with known keys, texts, translated texts, integers, choices);
- `read_definition_file`: a definition file's JSON (UTF-8, at most 1 MiB, no key twice),
  with its errors as "FILE: WHERE: message";
- `check_form(schema, layout, path)`: a small form (the procedures format's `schema` and
  `layout`) checked as a procedure's form is, its errors' paths under `path`.
"""

from __future__ import annotations

from typing import Any

from backend.tiles.procedures.definitions.format import (
    FormatError,
    _check_layout,
    _check_schema,
    _Checker,
    key_path,
)
from backend.tiles.procedures.definitions.importer import read_file as read_definition_file

Checker = _Checker

__all__ = ["Checker", "FormatError", "check_form", "key_path", "read_definition_file"]


def check_form(schema: Any, layout: Any, path: str) -> list[FormatError]:
    """Every error of the form (`schema` + `layout`), each path moved from `$` to `path`
    (e.g. `$.questions`): `$.schema.type` becomes `$.questions.schema.type`."""
    checker = _Checker()
    properties = _check_schema(checker, schema)
    _check_layout(checker, layout, properties)
    return [FormatError(path + error.path[1:], error.message) for error in checker.errors]
