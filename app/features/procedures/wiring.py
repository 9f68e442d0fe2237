"""Puts the procedures tile together for one session: its state over the device's stores and
the network routes, the reads the shell starts before a render (`prepare`), the QR code's
renewal loop, and the screen (the views only render the state)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from app.features.points import api as points_api
from app.features.procedures import views
from app.features.procedures.repository import BackendPeople, BackendProcedures, LocalProcedures
from app.features.procedures.routes import Screen, handoff_route, parse
from app.features.procedures.state import ProceduresState
from app.services import AppServices
from app.shell.context import ViewContext

TICK_SECONDS = 1.0  # the countdown's step
RETRY_SECONDS = 10.0  # a failed code is asked for again after this long


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the procedures tile needs the session's services")
    return ctx.services


def procedures_state(ctx: ViewContext) -> ProceduresState:
    """The signed-in resident's procedures state for this session (a kiosk's next person
    starts from nothing: `AppServices.reset_for_next_user`)."""
    services = _services(ctx)
    account = services.account
    owner = account.me.common_id if account.me is not None else ""

    def profile() -> Mapping[str, Any] | None:
        me = account.me
        return me.raw if account.signed_in and me is not None else None

    def age() -> int | None:
        return account.me.age if account.me is not None else None

    return services.feature_state(
        f"procedures:{owner}",
        lambda: ProceduresState(
            LocalProcedures(services.public, services.device,
                            BackendPeople(services.backend, account.access_token, age),
                            profile),
            BackendProcedures(services.backend, account.access_token),
            services.backend.server_clock.now))


def prepare(ctx: ViewContext) -> None:
    """Before a render: read the stores when they changed, open the form of the procedure on
    screen, and keep the QR code fresh while its screen is open."""
    state = procedures_state(ctx)
    state.language = ctx.state.settings.language
    if state.claim_load():
        ctx.run_task(_load, ctx, state)
    elif state.claim_household():
        ctx.run_task(_load_household, ctx, state)
    where = parse(ctx.state.route)
    if where.screen is Screen.PROCEDURE:
        entry = state.entry(where.id)
        if entry is not None and (state.session is None or state.session.entry.id != entry.id):
            state.open_form(entry)
    elif where.screen is Screen.HANDOFF and not state.handoff_running:
        state.handoff_running = True
        ctx.run_task(_keep_code_fresh, ctx, state, where.id)


def build_view(ctx: ViewContext) -> list[Any]:
    services = _services(ctx)
    fees = points_api.procedure_fee_payment(services) if services.account.signed_in else None
    return views.procedures_body(ctx, procedures_state(ctx), fees)


async def _load(ctx: ViewContext, state: ProceduresState) -> None:
    await state.load()
    ctx.refresh()


async def _load_household(ctx: ViewContext, state: ProceduresState) -> None:
    await state.load_household()
    ctx.refresh()


async def _keep_code_fresh(ctx: ViewContext, state: ProceduresState,
                           submission_id: str) -> None:
    """While the QR screen is open: a code at once, a new one shortly before it expires (or
    again after a failure), and the countdown re-rendered every second. Leaving the screen
    forgets the code."""
    route = handoff_route(submission_id)
    last_try = None
    try:
        while ctx.state.route == route:
            handoff = state.handoff_for(submission_id)
            now = state.now()
            waited = last_try is None or (now - last_try).total_seconds() >= RETRY_SECONDS
            if handoff.needs_renewal(now) and (handoff.code is not None or waited):
                last_try = now
                await state.renew_handoff(submission_id,
                                          online=not ctx.state.connection.offline)
            ctx.refresh()
            await asyncio.sleep(TICK_SECONDS)
    finally:
        state.handoff_running = False
        state.close_handoff()
