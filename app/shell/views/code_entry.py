"""Reading a code someone shows on their phone: 「カメラで読み取る」, 「写真から読み取る」 and the
text under the QR typed by hand, then a button that opens the typed code. The procedures
counter (書かない窓口 codes) and the reservations check-in (booking codes) use it; the reading
itself (`decode`, `pick_text`) is the caller's, from the points tile's api."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import flet as ft

from app.design.widgets import big_button, quiet_button
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.view_actions import act


class CodeReader(Protocol):
    """The screen state behind the block: the typed text, and what a found code does."""

    code_text: str
    revision: int  # bumped when the state itself empties the typed code

    def set_code_text(self, text: str) -> None: ...
    def no_code_in_picture(self, detail: str = "") -> None: ...
    async def scan(self, text: str, typed: bool = False) -> Any: ...
    async def scan_typed(self) -> Any: ...


@dataclass(frozen=True)
class CodeEntryTexts:
    """The block's own labels (translated by the caller, so the catalogue check sees their
    `t("...")`) and the names of its controls."""

    ids: str  # accessibility identifiers: <ids>-camera, -picture, -code, -open
    key: str  # Flutter keys: <key>-buttons, <key>-code-field, <key>-open
    typed_label: str  # 「または QR の下の文字を入力（TRS1.…）」
    open_label: str  # 「このコードで受付」
    open_icon: str = "ARROW_FORWARD"


def code_entry(ctx: ViewContext, reader: CodeReader, texts: CodeEntryTexts, busy: bool,
               decode: Callable[[bytes], str], pick_text: Callable[[], Awaitable[str | None]]
               ) -> list[ft.Control]:
    """The camera and picture buttons, the typed code and its button (see the module)."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    async def camera() -> None:
        found = await ctx.scan_code(decode)
        if found:
            await reader.scan(found)

    async def picture() -> None:
        try:
            found = await pick_text()
        except ValueError as exc:
            reader.no_code_in_picture(str(exc))
            return
        if found:
            await reader.scan(found)

    field = controlled_text_field(
        ctx.fields, key=f"{texts.key}-code", text=reader.code_text, revision=reader.revision,
        on_text=reader.set_code_text, label=texts.typed_label, text_size=m.body_size,
        multiline=False, autocorrect=False, width=m.body_size * 40, enable_suggestions=False,
        capitalization=ft.TextCapitalization.CHARACTERS)
    return [
        ft.Row([
            big_button(t("Please wait…") if busy else t("Scan with the camera"),
                       "QR_CODE_SCANNER", m, p, act(ctx, camera), f"{texts.ids}-camera"),
            quiet_button(t("Read the code from a picture"), m, p, act(ctx, picture),
                         f"{texts.ids}-picture", "IMAGE_SEARCH"),
        ], wrap=True, spacing=m.body_size, key=f"{texts.key}-buttons"),
        ft.Semantics(content=field, identifier=f"{texts.ids}-code",
                     key=f"{texts.key}-code-field"),
        ft.Container(big_button(texts.open_label, texts.open_icon, m, p,
                                act(ctx, reader.scan_typed,
                                    lambda: reader.set_code_text(field.value or "")),
                                f"{texts.ids}-open"), key=f"{texts.key}-open"),
    ]
