"""Puts the bulky-waste staff screens together for one session: the state over the backend's
staff routes, the reads the shell starts before a render, and the two screens the staff home
lists for staff of 環境事業課 (department "waste")."""

from __future__ import annotations

from typing import Any

from app.device.files import save_bytes
from app.features.waste.repository import WasteRepository
from app.features.waste.staff import views
from app.features.waste.staff.repository import BackendBulkyStaff
from app.features.waste.staff.state import BulkyStaffState
from app.i18n.formatting import city_today
from app.services import AppServices
from app.shell.context import ViewContext
from app.shell.feature_spec import StaffScreen

DEPARTMENT = "waste"


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the staff screens need the session's services")
    return ctx.services


def staff_state(ctx: ViewContext) -> BulkyStaffState:
    """One state per signed-in staff member (a later login on this tab starts afresh)."""
    services = _services(ctx)
    me = services.account.me
    owner = me.common_id if me is not None else ""

    async def area_names() -> list[tuple[str, str]]:
        content = await WasteRepository(services.public, services.device,
                                        services.local_settings("tsuyama-portal.waste")
                                        ).content("ja")
        return [(str(a.get("id")), str(a.get("name") or a.get("id"))) for a in content.areas]

    return services.feature_state(
        f"waste-staff:{owner}",
        lambda: BulkyStaffState(BackendBulkyStaff(services.backend,
                                                  services.account.access_token, area_names),
                                city_today, save_bytes))


async def _run(ctx: ViewContext, load: Any) -> None:
    await load()
    ctx.refresh()


def prepare_slots(ctx: ViewContext) -> None:
    state = staff_state(ctx)
    if state.claim_slots_load():
        ctx.run_task(_run, ctx, state.load_slots)


def prepare_bookings(ctx: ViewContext) -> None:
    state = staff_state(ctx)
    if state.claim_bookings_load():
        ctx.run_task(_run, ctx, state.load_bookings)


def build_slots(ctx: ViewContext) -> list[Any]:
    return views.slots_body(ctx, staff_state(ctx))


def build_bookings(ctx: ViewContext) -> list[Any]:
    return views.bookings_body(ctx, staff_state(ctx))


STAFF_SCREENS: tuple[StaffScreen, ...] = (
    StaffScreen(id="bulky-slots", title="Bulky-waste collection slots", department=DEPARTMENT,
                build_view=build_slots, prepare=prepare_slots, icon="EVENT_AVAILABLE",
                description="Places per district and day: add collection days, change "
                            "capacities."),
    StaffScreen(id="bulky-bookings", title="Bulky-waste bookings", department=DEPARTMENT,
                build_view=build_bookings, prepare=prepare_bookings, icon="LIST_ALT",
                description="Bookings by day, district and status; mark collected; CSV."),
)
