"""Puts the staff home into the shell: `/staff` and `/staff/<tile>/<screen>` (resolved by
`ShellState.resolve` to the screen kind "staff") are rendered here, and the reads of a tile's
staff screen are started before the render (its `StaffScreen.prepare`)."""

from __future__ import annotations

from typing import Any

from app.shell.context import ViewContext
from app.shell.screens import EXTRA_SCREENS
from app.staff.state import StaffEntry, departments_of, entry_for, staff_entries
from app.staff.views import staff_home_body, staff_only_body, staff_screen_heading

SCREEN_KIND = "staff"


def caller_departments(ctx: ViewContext) -> frozenset[str]:
    """The signed-in staff member's departments; empty for everybody else."""
    account = ctx.account
    me = account.me if account is not None and account.signed_in else None
    if me is None or me.role != "staff":
        return frozenset()
    return departments_of(me.staff_scopes)


def _entry(ctx: ViewContext, departments: frozenset[str]) -> StaffEntry | None:
    return entry_for(ctx.state.route, ctx.state.registry, departments)


def prepare(ctx: ViewContext) -> None:
    departments = caller_departments(ctx)
    entry = _entry(ctx, departments) if departments else None
    if entry is not None and entry.screen.prepare is not None:
        entry.screen.prepare(ctx)


def body(ctx: ViewContext) -> list[Any]:
    departments = caller_departments(ctx)
    if not departments:
        return staff_only_body(ctx)
    entry = _entry(ctx, departments)
    if entry is None:
        return staff_home_body(ctx, staff_entries(ctx.state.registry, departments),
                               departments)
    return [*staff_screen_heading(ctx, entry), *entry.screen.build_view(ctx)]


def install() -> None:
    """Registers the staff screens with the shell (once per process; idempotent)."""
    EXTRA_SCREENS[SCREEN_KIND] = ("Staff menu", prepare, body)
