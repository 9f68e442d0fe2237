"""Button handlers that views share: do something, then render again.

`act` runs `first` at once (to take what a field shows now, in case its own change event
has not arrived yet), then `action` in a task of the session, then re-renders; `now` runs a
plain state change and re-renders. Views stay render-only: the state does the work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.shell.context import ViewContext


def act(ctx: ViewContext, action: Callable[[], Awaitable[Any]],
        first: Callable[[], None] | None = None) -> Callable[[object], None]:
    async def run() -> None:
        await action()
        ctx.refresh()

    def handler(_: object) -> None:
        if first is not None:
            first()
        ctx.run_task(run)

    return handler


def now(ctx: ViewContext, action: Callable[[], None]) -> Callable[[object], None]:
    def run(_: object) -> None:
        action()
        ctx.refresh()

    return run
