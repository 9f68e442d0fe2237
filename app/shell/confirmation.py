"""A question the resident answers before something that cannot be undone (cancel a booking,
delete the account), and a short message after something done (logged out, deleted, saved).

Plain data: a view builds a `Confirmation` and hands it to `ViewContext.confirm`; the shell
shows it as a modal dialog in the middle of the screen (where the resident is looking, not at
the bottom of a long page) and runs `on_confirm` only after the second, deliberate tap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Confirmation:
    title: str  # translated: the question ("この予約を取り消しますか？")
    message: str  # translated: what happens, in one or two sentences
    confirm_label: str  # translated: the verb on the button ("取り消す")
    on_confirm: Callable[[], Any]  # called after the tap; may return a coroutine
    cancel_label: str = ""  # translated; empty: the shell's 「やめる」 / "Keep"
    destructive: bool = True  # drawn in the danger colour, never the default action
    done_message: str = ""  # translated: shown briefly after on_confirm succeeded
    identifier: str = "confirm"  # accessibility identifier prefix of the dialog's buttons
