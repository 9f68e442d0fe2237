"""Pre-fill from the verified profile of the common ID (docs/procedures.md §1, PREFILL).

`prefill` gives the values of the fields whose `prefill` source the profiles have, which of
them are locked (pre-filled and `"editable": false`: the server replaces them with the
verified values at submission anyway) and which are pre-filled at all (marked
「マイナンバーカードの情報」 on screen). `merge` lays a draft over them: the resident's edits of
editable fields win, locked fields always take the verified values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.features.procedures.forms.definition import ProcedureDefinition


@dataclass(frozen=True)
class Profile:
    """A verified person: the applicant, or the person the form is for (the applicant, a
    delegator or a minor child). Dates are YYYY-MM-DD texts; the household's minor children
    are (name, birthdate) pairs."""

    name: str | None = None
    address: str | None = None
    birthdate: str | None = None
    minor_children: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PrefillResult:
    values: Mapping[str, Any]
    locked: frozenset[str]  # pre-filled and not editable
    prefilled: frozenset[str]  # every pre-filled field
    # Not editable but the profile lacks the value: nobody can fill it on the device (the
    # server refuses it as `prefill_missing`; the resident asks at the counter).
    missing: frozenset[str] = frozenset()

    @property
    def read_only(self) -> frozenset[str]:
        """The fields the form shows read-only: the locked and the missing ones."""
        return self.locked | self.missing


def source_value(source: str, applicant: Profile, subject: Profile) -> Any:
    """The value of one PREFILL source, or None when the profile does not have it."""
    if source == "household.minor_children":
        children = [{"name": name, "birthdate": born} for name, born in applicant.minor_children]
        return children or None
    who, _, what = source.partition(".")
    person = {"applicant": applicant, "subject": subject}.get(who)
    if person is None or what not in ("name", "address", "birthdate"):
        return None
    value = getattr(person, what)
    return value if isinstance(value, str) and value else None


def prefill(definition: ProcedureDefinition, applicant: Profile,
            subject: Profile | None = None) -> PrefillResult:
    """The pre-filled values for a form filled by `applicant` for `subject` (themselves
    when None)."""
    subject = subject if subject is not None else applicant
    values: dict[str, Any] = {}
    locked: set[str] = set()
    missing: set[str] = set()
    for spec in definition.fields:
        if spec.prefill is None:
            continue
        value = source_value(spec.prefill, applicant, subject)
        if value is None:
            if not spec.editable:
                missing.add(spec.name)
            continue
        values[spec.name] = value
        if not spec.editable:
            locked.add(spec.name)
    return PrefillResult(values, frozenset(locked), frozenset(values), frozenset(missing))


def merge(draft_data: Mapping[str, Any], result: PrefillResult) -> dict[str, Any]:
    """The form's data: the pre-filled values, the draft over them, then the locked fields
    set back to the verified values and the missing ones emptied (the server would drop
    whatever the device sent for them)."""
    merged = {**result.values, **draft_data}
    for name in result.locked:
        merged[name] = result.values[name]
    for name in result.missing:
        merged.pop(name, None)
    return merged
