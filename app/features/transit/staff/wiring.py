"""Puts the transit staff screen together for one session (staff of 交通政策課)."""

from __future__ import annotations

from typing import Any

from app.features.transit.staff import views
from app.features.transit.staff.repository import BackendTransitStaff
from app.features.transit.staff.state import TransitStaffState
from app.services import AppServices
from app.shell.context import ViewContext
from app.shell.feature_spec import StaffScreen

DEPARTMENT = "transit"


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the staff screens need the session's services")
    return ctx.services


def staff_state(ctx: ViewContext) -> TransitStaffState:
    services = _services(ctx)
    me = services.account.me
    owner = me.common_id if me is not None else ""
    return services.feature_state(
        f"transit-staff:{owner}",
        lambda: TransitStaffState(BackendTransitStaff(services.backend,
                                                      services.account.access_token)))


async def _load(ctx: ViewContext, state: TransitStaffState) -> None:
    await state.load()
    ctx.refresh()


def prepare(ctx: ViewContext) -> None:
    state = staff_state(ctx)
    if state.claim_load():
        ctx.run_task(_load, ctx, state)


def build(ctx: ViewContext) -> list[Any]:
    return views.staff_body(ctx, staff_state(ctx))


STAFF_SCREENS: tuple[StaffScreen, ...] = (
    StaffScreen(id="feeds", title="Timetable feeds", department=DEPARTMENT, build_view=build,
                prepare=prepare, icon="DIRECTIONS_BUS",
                description="The city's bus timetables: versions, import reports, live "
                            "data; upload a GTFS-JP zip."),
)
