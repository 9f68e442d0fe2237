"""Puts the Notices tile together for one session: its state over the device's stores, the
reads the shell starts before a render, and the screen (the view only renders the state)."""

from __future__ import annotations

from typing import Any

from app.features.notices import views
from app.features.notices.repository import LocalNotices
from app.features.notices.state import NoticesState
from app.shell.context import ViewContext


def notices_state(ctx: ViewContext) -> NoticesState:
    services = ctx.services
    if services is None:
        raise RuntimeError("the Notices tile needs the session's services")
    return services.feature_state(
        "notices",
        lambda: NoticesState(LocalNotices(services.public, services.device, services.backend,
                                          services.account)),
    )


def prepare(ctx: ViewContext) -> None:
    """A read when the screen is entered for the first time, in a new language, or after a
    sync changed the stores (the source's stamp); at most one at a time."""
    state = notices_state(ctx)
    language = ctx.state.settings.language
    if state.claim_load(language):
        ctx.run_task(views.load_and_refresh, ctx, state, language)


def build_view(ctx: ViewContext) -> list[Any]:
    return views.notices_body(ctx, notices_state(ctx))
