"""Small checks of mutation args shared by the handlers."""

from __future__ import annotations

from typing import Any


class BadArgs(ValueError):
    """The args do not fit the mutation: a permanent "invalid_args" rejection."""


def text_arg(args: dict[str, Any], name: str, max_length: int, required: bool = True) -> str:
    value = args.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise BadArgs(f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise BadArgs(f"{name} must be at most {max_length} characters")
    return value
