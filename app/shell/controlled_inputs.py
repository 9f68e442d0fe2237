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

Sizes follow the text size: a text field's label is as large as its text and the padding
inside its border grows with it (no label on the border at 特大); a labelled switch is one
row, label and switch, at least the touch target high (48 px, 64 px on a kiosk), the whole
row one tappable node that says whether it is on (`Semantics(toggled=…)`); a radio option
says whether it is the selected one (`Semantics(selected=…)`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import flet as ft

from app.design.tokens import Metrics, field_padding


class InputMemory:
    """The last input built per key and what it was built from, for one session."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[Hashable, Any]] = {}
        # The sizes of the screen being built (the shell sets them before each render), for
        # inputs whose caller passes none.
        self.metrics: Metrics | None = None

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

    text_size = options.get("text_size")
    if isinstance(text_size, int | float) and text_size > 0:
        # The label's size would otherwise come from the theme, and the padding is fixed:
        # at 特大 the floating label then crosses the border. Both follow the text.
        vertical, horizontal = field_padding(float(text_size))
        options.setdefault("label_style", ft.TextStyle(size=text_size))
        options.setdefault("content_padding",
                           ft.Padding.symmetric(horizontal=horizontal, vertical=vertical))
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
    label: str | None = None,
    metrics: Metrics | None = None,
    label_text_style: ft.TextStyle | None = None,
    **options: Any,
) -> ft.Control:
    """A `Switch` showing the state's `value`; each flip goes to `on_value`.

    With a `label`: one row, the label then the switch, at least the touch target high
    (`metrics`, else 48 px), the whole row tappable and one node for assistive technology
    (the label, `toggled`). Without one: the bare `Switch`, for a caller laying out its own.
    """

    def changed(e: ft.Event[ft.Switch]) -> None:
        on_value(bool(e.control.value))

    shown = bool(memory.shown(key, value, ("switch", value)))
    switch = ft.Switch(key=key, value=shown, on_change=changed, **options)
    memory.remember(key, ("switch", value), switch)
    if label is None:
        return switch
    return switch_row(switch, label, shown, lambda: on_value(not shown),
                      metrics or memory.metrics, label_text_style, key)


def switch_row(switch: ft.Switch, label: str, on: bool, flip: Callable[[], None],
               metrics: Metrics | None, label_text_style: ft.TextStyle | None,
               key: str) -> ft.Control:
    """Label and switch in one row that is at least the touch target high; a tap anywhere
    in the row flips it (the switch itself still flips on its own tap)."""
    target = metrics.min_touch_target if metrics is not None else 48.0
    padding = metrics.switch_row_padding if metrics is not None else 4.0
    style = label_text_style or ft.TextStyle(
        size=metrics.body_size if metrics is not None else None)
    row = ft.Container(
        content=ft.Row(
            [
                ft.Text(label, style=style, expand=True),
                # The track is 40 px high: the box around it makes the row reach the target.
                ft.Container(content=switch, height=target, alignment=ft.Alignment.CENTER),
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
            spacing=padding * 3,
        ),
        padding=ft.Padding.symmetric(horizontal=padding * 2),
        border_radius=ft.BorderRadius.all(8),
        ink=True,
        on_click=lambda _: flip(),
    )
    return ft.Semantics(
        key=f"{key}-row",
        identifier=f"switch-{key}",
        label=label,
        toggled=on,
        container=True,
        exclude_semantics=True,  # one node: the label and the state, not label + switch
        on_tap=lambda _: flip(),
        content=row,
    )


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


def radio_option(value: str, label: str, chosen: bool, metrics: Metrics,
                 label_style: ft.TextStyle | None = None,
                 fill_color: str | None = None, group: str = "option",
                 on_choose: Callable[[str], None] | None = None) -> ft.Control:
    """One option of a radio group: at least the touch target high, the whole row tappable
    (`on_choose`), the label as large as the text, and for assistive technology whether it
    is the selected one (`selected`: "current" in a browser)."""
    return ft.Semantics(
        key=f"option-{value}",
        identifier=f"{group}-{value}",
        selected=chosen,
        container=True,
        content=ft.Container(
            height=metrics.min_touch_target,
            alignment=ft.Alignment.CENTER_LEFT,
            on_click=(lambda _: on_choose(value)) if on_choose is not None else None,
            border_radius=ft.BorderRadius.all(8),
            content=ft.Radio(
                value=value,
                label=label,
                fill_color=fill_color,
                label_style=label_style or ft.TextStyle(size=metrics.body_size),
            ),
        ),
    )
