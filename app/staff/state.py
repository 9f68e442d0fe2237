"""Which staff screens a signed-in person may open: plain Python over the registry and the
scopes `/me` lists (`Me.staff_scopes`). The backend checks every call again (ADR 0023); this
only decides what the app offers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.shell.feature_spec import FeatureSpec, StaffScreen
from app.shell.state import STAFF_ROUTE

# The departments' names as the staff home shows them (English message ids).
DEPARTMENT_TITLES: dict[str, str] = {
    "waste": "Environmental Services Division",
    "citizens": "Citizens Division",
    "children": "Children's Division",
    "care": "Elderly Care and Welfare Division",
    "health": "Health Promotion Division",
    "school": "School Education Division",
    "notices": "Public Relations",
    "points": "Regional Promotion Division",
    "transit": "Transport Policy Division",
    "admin": "System administration",
}


@dataclass(frozen=True)
class StaffEntry:
    tile: FeatureSpec
    screen: StaffScreen

    @property
    def route(self) -> str:
        return f"{STAFF_ROUTE}/{self.tile.id}/{self.screen.id}"


def departments_of(scopes: Iterable[str]) -> frozenset[str]:
    """"waste", "school:tsuyama-higashi-es" → {"waste", "school"}."""
    return frozenset(scope.partition(":")[0] for scope in scopes if scope)


def staff_entries(tiles: Iterable[FeatureSpec], departments: frozenset[str]
                  ) -> list[StaffEntry]:
    """The staff screens of `tiles` whose department is one of `departments`, in tile order."""
    return [StaffEntry(tile, screen)
            for tile in sorted(tiles, key=lambda t: t.order)
            for screen in tile.staff_screens if screen.department in departments]


def entry_for(route: str, tiles: Iterable[FeatureSpec], departments: frozenset[str]
              ) -> StaffEntry | None:
    """The staff screen at `route` if the caller may open it, else None (the staff home)."""
    return next((e for e in staff_entries(tiles, departments) if e.route == route), None)
