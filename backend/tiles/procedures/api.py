"""The procedures tile's public API for other tiles (docs/tiles.md: a tile uses another only
through its `api` module): the pieces of the definition format check that other tiles'
data formats reuse (the reservations tile's resource definitions, docs/reservations.md §1).

- `FormatError`, `key_path` and `Checker` (the collector of errors with JSON paths and its
  shape checks: objects with known keys, texts, translated texts, integers, choices);
- `read_definition_file`: a definition file's JSON (UTF-8, at most 1 MiB, no key twice),
  with its errors as "FILE: WHERE: message";
- `check_form(schema, layout, path)`: a small form (the procedures format's `schema` and
  `layout`) checked as a procedure's form is, its errors' paths under `path`;
- `check_form_data(session, key, version, form, data, applicant=, subject=)`: data sent for
  such a form checked as a submission is (form_check.py: the hidden-field rule, the
  pre-filled fields, every field's error at once), and `form_errors_message`, the refusal
  message listing those errors (`{"message", "errors": [...]}`, docs/procedures.md §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from backend.models import Person
from backend.tiles.procedures.definitions.format import (
    FormatError,
    _check_layout,
    _check_schema,
    _Checker,
    key_path,
)
from backend.tiles.procedures.definitions.importer import read_file as read_definition_file
from backend.tiles.procedures.eligibility import minor_children
from backend.tiles.procedures.form_check import CheckedForm, FieldError, check_submission
from backend.tiles.procedures.handlers import form_errors_message, prefill_person

Checker = _Checker

__all__ = ["CheckedForm", "Checker", "FieldError", "FormatError", "check_form",
           "check_form_data", "form_errors_message", "key_path", "read_definition_file"]


def check_form(schema: Any, layout: Any, path: str) -> list[FormatError]:
    """Every error of the form (`schema` + `layout`), each path moved from `$` to `path`
    (e.g. `$.questions`): `$.schema.type` becomes `$.questions.schema.type`."""
    checker = _Checker()
    properties = _check_schema(checker, schema)
    _check_layout(checker, layout, properties)
    return [FormatError(path + error.path[1:], error.message) for error in checker.errors]


def check_form_data(session: Session, key: str, version: int, form: Mapping[str, Any],
                    data: Any, *, applicant: Person, subject: Person) -> CheckedForm:
    """`data` checked against the form `{"schema", "layout"}` (one that passed `check_form`)
    as a procedure's submission is: unknown fields, hidden fields dropped, pre-filled locked
    fields replaced by the verified values of `applicant` / `subject`, every field error at
    once. `key` and `version` name the form for the compiled-validator cache (e.g.
    `"reservation:course-smartphone"`, the definition's version)."""
    definition = {"id": key, "version": version, "schema": form["schema"],
                  "layout": form["layout"]}
    return check_submission(definition, data, applicant=prefill_person(applicant),
                            subject=prefill_person(subject),
                            minor_children=minor_children(session, applicant))
