"""`TileSpec`: everything the backend needs to know about one tile's server side (ADR 0022).

A tile's server code lives in `backend/tiles/<id>/`; its `tile.py` declares `TILE`, and
`backend/tiles/registry.py` lists it in one line. The central code (`create_app`, the sync
collection registry, My data export, account deletion, the home tile order, the Alembic
metadata, `python -m backend`) reads the specs and names no tile.

The id is the app tile's id (`app/features/<id>/`); `tests/unit/test_tile_pairing.py` fails
when one side has a tile the other does not.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from fastapi import APIRouter
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from backend.jobs import PeriodicJob
from backend.sync.collections import Collection

if TYPE_CHECKING:
    from backend.models.person import Person
    from backend.services.home_profile import Reminder
    from backend.settings import Settings
    from backend.sync.quotas import UsageMeter


class ServerPart(StrEnum):
    """Whether the tile has a server side."""

    BUILT = "built"  # routers, collections or loaders below
    NOT_YET = "not_yet"  # the app tile is a placeholder; its server part is still to come
    NONE = "none"  # the tile works on the device alone and never needs one
    # The tile's routes are another tile's public ones (named in `summary`): the kiosk's
    # 整理券 tile uses the reservations tile's /kiosk routes.
    ANOTHER_TILE = "another_tile"


StartupLoader = Callable[[Engine, "Settings"], object]
"""Run once by `create_app` after the schema is at head, in the registry's order."""

ExportRows = Callable[[Session, "Person"], Any]
"""The person's rows of the tile as plain JSON."""

DeleteRows = Callable[[Session, "Person"], None]
"""Runs inside account deletion's transaction (the caller commits)."""

TileCommand = Callable[[list[str]], int]
"""A command line (`python -m backend tile <id> <command> ...`): arguments in, exit status out."""


@dataclass(frozen=True)
class ExportPart:
    """One entry of `GET /me/export` for the tile.

    `section="synced_data"`: `document["synced_data"][key]` (what the devices synced);
    `section="tiles"`: `document["tiles"][<tile id>][key]` (rows the tile keeps otherwise).
    """

    key: str
    rows: ExportRows
    section: Literal["synced_data", "tiles"] = "synced_data"


class Deletion(StrEnum):
    DELETE = "delete"  # the person's rows go with the account (`DeletionPolicy.delete`)
    KEEP = "keep"  # the rows stay, pointing to the tombstone (say why in `reason`)
    NOTHING = "nothing"  # the tile keeps no rows about a person


@dataclass(frozen=True)
class DeletionPolicy:
    """What account deletion (`DELETE /me`) does with the tile's rows, and why."""

    action: Deletion
    reason: str
    delete: DeleteRows | None = None

    def __post_init__(self) -> None:
        if (self.action is Deletion.DELETE) != (self.delete is not None):
            raise ValueError("a DELETE policy needs `delete`, and only it may have one")
        if not self.reason.strip():
            raise ValueError("say why: a deletion policy needs a reason")


NO_PERSONAL_ROWS = DeletionPolicy(Deletion.NOTHING, "the tile keeps no rows about a person")


@dataclass(frozen=True)
class HomeHint:
    """Where the tile goes on a signed-in resident's home screen
    (`backend/services/home_profile.py`).

    `order`: the default place (the app's `FeatureSpec.order`; a unit test keeps them equal).
    `first_for`: audiences (`backend/services/audiences.py`) for whom the tile comes first.
    `reminders`: (audience, reminder) pairs shown to residents in that audience.
    """

    order: int
    first_for: tuple[str, ...] = ()
    reminders: tuple[tuple[str, Reminder], ...] = ()


class SettingsSection(Protocol):
    """A tile's own settings: a frozen dataclass whose defaults need no environment."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SettingsSection: ...


SectionT = TypeVar("SectionT")


@dataclass(frozen=True)
class TileSpec:
    """The server side of one tile. Everything but `id`, `server` and `summary` is optional."""

    id: str
    server: ServerPart
    summary: str  # one line: what the server side does, or why there is none (yet)
    routers: tuple[APIRouter, ...] = ()  # resident and public routes
    staff_routers: tuple[APIRouter, ...] = ()  # staff routes (`/staff/<...>`), role-checked
    sync_collections: tuple[Collection, ...] = ()
    # How a per-person quota of a collection is measured (backend/sync/quotas.py); its
    # limits are Settings' `quota_<collection>_rows` / `_bytes` (ADR 0018, ADR 0022).
    quota_meters: Mapping[str, UsageMeter] = field(
        default_factory=lambda: MappingProxyType({}))
    startup: tuple[StartupLoader, ...] = ()
    # The tile's own settings dataclass, read by `Settings.from_env` into
    # `Settings.tiles[<id>]`; `settings_of` gives it (its defaults when absent).
    settings: type[SettingsSection] | None = None
    export: tuple[ExportPart, ...] = ()
    deletion: DeletionPolicy = NO_PERSONAL_ROWS
    models: tuple[type[SQLModel], ...] = ()  # tables, for the Alembic metadata
    home: HomeHint | None = None
    commands: Mapping[str, TileCommand] = field(default_factory=lambda: MappingProxyType({}))
    # Periodic jobs run by the serving backend (`backend/jobs.py`): the points expiry...
    jobs: tuple[PeriodicJob, ...] = ()

    def __post_init__(self) -> None:
        if not self.id.isidentifier():
            raise ValueError(f"tile id {self.id!r} must be a plain identifier")
        has_parts = bool(self.routers or self.staff_routers or self.sync_collections
                         or self.startup or self.export or self.models or self.commands
                         or self.jobs)
        if has_parts and self.server is not ServerPart.BUILT:
            raise ValueError(f"tile {self.id!r} declares server parts: its server is BUILT")
        if not self.summary.strip():
            raise ValueError(f"tile {self.id!r}: say in `summary` what its server side does")
        object.__setattr__(self, "commands", MappingProxyType(dict(self.commands)))
        object.__setattr__(self, "quota_meters", MappingProxyType(dict(self.quota_meters)))

    def settings_of(self, settings: Settings, section: type[SectionT]) -> SectionT:
        """The tile's settings section from `settings.tiles`, else its defaults."""
        value = settings.tiles.get(self.id)
        if value is None:
            return section()
        if not isinstance(value, section):
            raise TypeError(f"settings of tile {self.id!r} are {type(value).__name__}, "
                            f"not {section.__name__}")
        return value

    def settings_from_env(self, environ: Mapping[str, str] | None = None) -> object | None:
        if self.settings is None:
            return None
        return self.settings.from_env(os.environ if environ is None else environ)
