"""Inputs controlled from state (text fields, switches, radio groups), safe against a
re-render landing between what the client reported and the `on_change` that follows.

A control's value comes from the tile's state and its `on_change` writes the new value back.
One gap remains: the client reports the new value first (Flet applies it to the control at
once) and the handler runs a moment later, in its own task. A background re-render in between
would build the control with the state's older value and send it back over what the resident
just typed or switched, and the handler would then read that older value: the tap is lost.
So `InputMemory` keeps the control built last for each key and a re-render takes its value
(what the client last reported) unless the state changed since that build:

- text fields: the state says so with a new `revision` (typing itself changes the state's
  text a moment later, which must not count as the state's own change);
- switches and radio groups: the state's value itself is the revision.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import flet as ft


class InputMemory:
    """The last input built per key and what it was built from, for one session."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[Hashable, Any]] = {}

    def shown(self, key: str, state_value: Any, revision: Hashable) -> Any:
        """The value to build the input with: the client's, unless the state changed."""
        last = self._last.get(key)
        if last is None or last[0] != revision:
            return state_value
        value = getattr(last[1], "value", None)
        return value if value is not None else state_value

    def remember(self, key: str, revision: Hashable, control: Any) -> None:
        self._last[key] = (revision, control)

    def clear(self) -> None:
        self._last.clear()


def controlled_text_field(
    memory: InputMemory,
    *,
    key: str,
    text: str,
    on_text: Callable[[str], None],
    revision: int = 0,
    **options: Any,
) -> ft.TextField:
    """A `TextField` showing the state's `text` (changed by the state with a new `revision`);
    every change the resident makes goes to `on_text`. The stable `key` keeps the same field
    (and its focus and cursor) across re-renders."""

    def changed(e: ft.Event[ft.TextField]) -> None:
        on_text(e.control.value or "")

    field = ft.TextField(key=key, value=str(memory.shown(key, text, ("text", revision))),
                         on_change=changed, on_submit=changed, **options)
    memory.remember(key, ("text", revision), field)
    return field


def controlled_switch(
    memory: InputMemory,
    *,
    key: str,
    value: bool,
    on_value: Callable[[bool], None],
    **options: Any,
) -> ft.Switch:
    """A `Switch` showing the state's `value`; each flip goes to `on_value`."""

    def changed(e: ft.Event[ft.Switch]) -> None:
        on_value(bool(e.control.value))

    switch = ft.Switch(key=key, value=bool(memory.shown(key, value, ("switch", value))),
                       on_change=changed, **options)
    memory.remember(key, ("switch", value), switch)
    return switch


def controlled_radio_group(
    memory: InputMemory,
    *,
    key: str,
    value: str,
    on_value: Callable[[str], None],
    content: ft.Control,
    **options: Any,
) -> ft.RadioGroup:
    """A `RadioGroup` showing the state's `value`; each choice goes to `on_value`."""

    def changed(e: ft.Event[ft.RadioGroup]) -> None:
        on_value(str(e.control.value))

    group = ft.RadioGroup(key=key, value=str(memory.shown(key, value, ("radio", value))),
                          on_change=changed, content=content, **options)
    memory.remember(key, ("radio", value), group)
    return group
