"""Puts the health staff screen together for one session: the state over the backend's
staff route, the read the shell starts before a render, and the screen the staff home lists
for staff of 健康増進課 (department "health")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.features.health.staff import views
from app.features.health.staff.state import HealthStaffState
from app.i18n.formatting import city_today
from app.services import AppServices
from app.shell.context import ViewContext
from app.shell.feature_spec import StaffScreen
from backend_client import BackendClient
from backend_client.health_staff import HealthStaffClient, RiskCounts

DEPARTMENT = "health"


class BackendRiskCounts:
    """`RiskCountsSource` over the backend, as the signed-in staff member."""

    def __init__(self, backend: BackendClient, token: Callable[[], Awaitable[str]]) -> None:
        self._client = HealthStaffClient(backend)
        self._token = token

    async def risk_counts(self, fiscal_year: int) -> RiskCounts:
        return await self._client.risk_counts(await self._token(), fiscal_year)


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the staff screens need the session's services")
    return ctx.services


def staff_state(ctx: ViewContext) -> HealthStaffState:
    """One state per signed-in staff member (a later login on this tab starts afresh)."""
    services = _services(ctx)
    me = services.account.me
    owner = me.common_id if me is not None else ""
    return services.feature_state(
        f"health-staff:{owner}",
        lambda: HealthStaffState(BackendRiskCounts(services.backend,
                                                   services.account.access_token),
                                 city_today))


async def _load(ctx: ViewContext, state: HealthStaffState) -> None:
    await state.load()
    ctx.refresh()


def prepare(ctx: ViewContext) -> None:
    state = staff_state(ctx)
    if state.claim_load():
        ctx.run_task(_load, ctx, state)


def build(ctx: ViewContext) -> list[Any]:
    state = staff_state(ctx)

    def on_year(year: int) -> None:
        state.choose_year(year)
        ctx.refresh()  # the shell's prepare starts the read

    def on_retry() -> None:
        state.retry()
        ctx.refresh()

    return views.risk_counts_body(ctx, state, on_year, on_retry)


STAFF_SCREENS: tuple[StaffScreen, ...] = (
    StaffScreen(id="risk-counts", title="Health risks by district", department=DEPARTMENT,
                build_view=build, prepare=prepare, icon="QUERY_STATS",
                description="Counts by district of residents who agreed, at risk by "
                            "check-up category; small counts hidden."),
)
