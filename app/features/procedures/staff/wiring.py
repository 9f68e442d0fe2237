"""Puts the procedures staff screens together for one session: per department that owns
procedures (市民課 `citizens`, こども課 `children`, 高齢介護福祉課 `care`) a review screen
and a 書かない窓口 counter screen, each over its own state (a staff member of two
departments keeps two lists). `STAFF_SCREENS` goes into the tile's `FeatureSpec`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.device.files import save_bytes
from app.features.procedures.staff import views
from app.features.procedures.staff.counter_state import CounterState
from app.features.procedures.staff.repository import BackendProceduresStaff
from app.features.procedures.staff.review_state import ReviewState
from app.services import AppServices
from app.shell.context import ViewContext
from app.shell.feature_spec import StaffScreen

# Department id → its name as the screen titles say it (English message ids).
DEPARTMENTS: dict[str, str] = {
    "citizens": "Citizens Division",
    "children": "Children's Division",
    "care": "Elderly Care and Welfare Division",
}


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the staff screens need the session's services")
    return ctx.services


def _source(services: AppServices) -> BackendProceduresStaff:
    public = services.public
    return BackendProceduresStaff(services.backend, services.account.access_token,
                                  lambda: getattr(public, "store", None))


def _owner(services: AppServices) -> str:
    me = services.account.me
    return me.common_id if me is not None else ""


def review_state(ctx: ViewContext, department: str) -> ReviewState:
    """One review state per signed-in staff member and department."""
    services = _services(ctx)
    return services.feature_state(
        f"procedures-review:{department}:{_owner(services)}",
        lambda: ReviewState(_source(services), department, save_bytes))


def counter_state(ctx: ViewContext, department: str) -> CounterState:
    """One counter state per signed-in staff member and department."""
    services = _services(ctx)
    return services.feature_state(
        f"procedures-counter:{department}:{_owner(services)}",
        lambda: CounterState(_source(services), department, save_bytes))


async def _run(ctx: ViewContext, load: Any) -> None:
    await load()
    ctx.refresh()


def _prepare_review(department: str) -> Callable[[ViewContext], None]:
    def prepare(ctx: ViewContext) -> None:
        state = review_state(ctx, department)
        if state.claim_list_load():
            ctx.run_task(_run, ctx, state.load_list)
        if state.claim_detail_load():
            ctx.run_task(_run, ctx, state.load_detail)

    return prepare


def _build_review(department: str) -> Callable[[ViewContext], list[Any]]:
    def build(ctx: ViewContext) -> list[Any]:
        return views.review_body(ctx, review_state(ctx, department))

    return build


def _build_counter(department: str) -> Callable[[ViewContext], list[Any]]:
    def build(ctx: ViewContext) -> list[Any]:
        return views.counter_body(ctx, counter_state(ctx, department))

    return build


def _screens(department: str) -> tuple[StaffScreen, StaffScreen]:
    name = DEPARTMENTS[department]
    return (
        StaffScreen(id=f"review-{department}", title=f"Applications: {name}",
                    department=department, build_view=_build_review(department),
                    prepare=_prepare_review(department), icon="FACT_CHECK",
                    description="Review the department's applications: fields, attachments, "
                                "history; return, reject or complete."),
        StaffScreen(id=f"counter-{department}", title=f"Counter without forms: {name}",
                    department=department, build_view=_build_counter(department),
                    icon="QR_CODE_SCANNER",
                    description="Scan the resident's code, check the identity document, "
                                "print the form and complete."),
    )


STAFF_SCREENS: tuple[StaffScreen, ...] = tuple(
    screen for department in DEPARTMENTS for screen in _screens(department))
