"""What every feature tile declares about itself (one `FEATURE` per `app/features/<tile>/`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.shell.context import ViewContext


class Mode(StrEnum):
    RESIDENT = "resident"
    KIOSK = "kiosk"
    VISITOR = "visitor"


# A tile's screen: given the shared view context, returns the Flet controls of its body
# (render only: no loads, no I/O; see `prepare`).
ViewBuilder = Callable[["ViewContext"], list[Any]]


@dataclass(frozen=True)
class StaffScreen:
    """One of a tile's staff screens, listed on the staff home (/staff) for staff of
    `department` (ADR 0023) and opened at /staff/<tile id>/<id>."""

    id: str
    title: str  # English message id
    department: str  # the backend's department id whose staff may open it ("waste")
    build_view: ViewBuilder  # render only, like a tile's screen
    prepare: Callable[[ViewContext], None] | None = None  # reads started by the shell
    description: str = ""  # English message id: one line on the staff home
    icon: str = "BADGE"  # an ft.Icons member name


@dataclass(frozen=True)
class FeatureSpec:
    id: str  # also the route: /<id>
    title: str  # English message id; translated by the catalogs
    icon: str  # name of an ft.Icons member, kept as text so specs need no Flet import
    modes: frozenset[Mode]
    order: int  # default position on the home screen
    needs_login: bool = False
    built: bool = False  # False: the tile opens a plain "not available yet" screen
    description: str = ""  # English message id: one line on what the tile will do
    build_view: ViewBuilder | None = None
    # Called by the shell before each render of the tile's screen (never by the view): starts
    # the reads the screen needs (a first visit, a new language, data changed by a sync). It
    # must only schedule work (`ctx.run_task`) and return at once; views only render.
    prepare: Callable[[ViewContext], None] | None = None
    # Names the tile's own offline changes on "Data on this device": given an outbox entry,
    # (English message id, parameters), or None when the entry is not the tile's.
    describe_change: Callable[[Any], tuple[str, dict[str, str]] | None] | None = None
    # Work the tile does for the whole session (reminders): started once by the shell.
    background: Callable[[ViewContext], Awaitable[None]] | None = None
    # Short notes the tile puts on the home screen ("tomorrow is collection day").
    home_notes: Callable[[ViewContext], list[str]] | None = None
    # The tile's screens for city staff (the staff home lists those the caller's departments
    # allow; app/staff/).
    staff_screens: tuple[StaffScreen, ...] = ()
    # The tile's own screens below its route, each with its own URL ("shop" is
    # /points/shop): the shell keeps the whole path as the screen's route (a reload or a
    # shared link opens that screen, the browser's back leaves it) and the app bar's back
    # goes to the tile's route; the tile reads `ctx.state.route` to know which to render.
    sub_routes: tuple[str, ...] = ()

    @property
    def route(self) -> str:
        return f"/{self.id}"

    def available_in(self, mode: Mode) -> bool:
        return mode in self.modes


ALL_MODES = frozenset(Mode)
RESIDENT_AND_KIOSK = frozenset({Mode.RESIDENT, Mode.KIOSK})
