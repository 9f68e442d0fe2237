"""Puts the points staff screens together for one session: the state over the backend's
staff routes, the reads the shell starts before a render, and the three screens the staff
home lists for staff of 地域振興課 (department "points")."""

from __future__ import annotations

from typing import Any

from app.features.points.staff import views
from app.features.points.staff.repository import BackendPointsStaff
from app.features.points.staff.state import PointsStaffState
from app.i18n.formatting import city_today
from app.services import AppServices
from app.shell.context import ViewContext
from app.shell.feature_spec import StaffScreen

DEPARTMENT = "points"


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the staff screens need the session's services")
    return ctx.services


def staff_state(ctx: ViewContext) -> PointsStaffState:
    """One state per signed-in staff member (a later login on this tab starts afresh)."""
    services = _services(ctx)
    me = services.account.me
    owner = me.common_id if me is not None else ""
    return services.feature_state(
        f"points-staff:{owner}",
        lambda: PointsStaffState(BackendPointsStaff(services.backend,
                                                    services.account.access_token),
                                 city_today))


async def _run(ctx: ViewContext, load: Any) -> None:
    await load()
    ctx.refresh()


def prepare_shops(ctx: ViewContext) -> None:
    state = staff_state(ctx)
    if state.claim_totals_load():
        ctx.run_task(_run, ctx, state.load_totals)
    if state.claim_shops_load():
        ctx.run_task(_run, ctx, state.load_shops)


def prepare_rules(ctx: ViewContext) -> None:
    state = staff_state(ctx)
    if state.claim_rules_load():
        ctx.run_task(_run, ctx, state.load_rules)


def prepare_codes(ctx: ViewContext) -> None:
    prepare_rules(ctx)
    state = staff_state(ctx)
    if state.claim_districts_load():
        ctx.run_task(_run, ctx, state.load_districts)


def build_shops(ctx: ViewContext) -> list[Any]:
    return views.shops_body(ctx, staff_state(ctx))


def build_residents(ctx: ViewContext) -> list[Any]:
    return views.residents_body(ctx, staff_state(ctx))


def build_codes(ctx: ViewContext) -> list[Any]:
    return views.codes_body(ctx, staff_state(ctx))


STAFF_SCREENS: tuple[StaffScreen, ...] = (
    StaffScreen(id="shops", title="Points: shops and totals", department=DEPARTMENT,
                build_view=build_shops, prepare=prepare_shops, icon="STOREFRONT",
                description="The city's points totals; register shops and their clerks."),
    StaffScreen(id="residents", title="Points: a resident's history", department=DEPARTMENT,
                build_view=build_residents, prepare=prepare_rules, icon="MANAGE_SEARCH",
                description="Look up a resident's points (logged), grant points by rule "
                            "and correct a transfer."),
    StaffScreen(id="codes", title="Points: earn codes and districts", department=DEPARTMENT,
                build_view=build_codes, prepare=prepare_codes, icon="QR_CODE_2",
                description="Print earn codes, record district recyclables, run the expiry."),
)
