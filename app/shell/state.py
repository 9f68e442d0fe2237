"""The shell's state and actions in plain Python: what the views render, what events change.

No Flet and no I/O here: the views call these actions and re-render on `subscribe` callbacks;
storage and the backend are reached through the small interfaces handed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.design.tokens import TextSize
from app.observable import Observable
from app.shell.connection import ConnectionStatus, Link
from app.shell.feature_spec import FeatureSpec, Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings

KIOSK_TILES_PER_SCREEN = 6
HOME = "/"
SETTINGS_ROUTE = "/settings"
MYDATA_ROUTE = "/mydata"
SYNC_ROUTE = "/device-data"
STAFF_ROUTE = "/staff"  # the staff home; a tile's staff screen: /staff/<tile>/<screen>

LANGUAGES_BY_MODE: dict[Mode, tuple[str, ...]] = {
    Mode.RESIDENT: ("ja", "en"),
    Mode.KIOSK: ("ja", "en"),
    Mode.VISITOR: ("ja", "en", "zh", "ko"),
}


@dataclass(frozen=True)
class Screen:
    """What the router resolved a route to."""

    kind: str  # "home" | "settings" | "mydata" | "sync" | "feature"
    route: str
    feature: FeatureSpec | None = None


class ShellState(Observable):
    def __init__(
        self,
        registry: FeatureRegistry,
        mode: Mode,
        default_settings: Settings,
    ) -> None:
        super().__init__()
        if default_settings.language not in LANGUAGES_BY_MODE[mode]:
            raise ValueError(
                f"language {default_settings.language!r} is not offered in {mode} mode"
            )
        self.registry = registry
        self.mode = mode
        self.default_settings = default_settings
        self.settings = default_settings
        self.connection = ConnectionStatus()
        self.route = HOME
        self.kiosk_page = 0
        self.tile_preference: tuple[str, ...] = ()  # the signed-in household's order
        self.logout_question = ""  # "pending" / "still_pending": unsent changes at logout

    # --- derived state -----------------------------------------------------------------
    @property
    def languages(self) -> tuple[str, ...]:
        return LANGUAGES_BY_MODE[self.mode]

    @property
    def tiles(self) -> list[FeatureSpec]:
        """This mode's tiles: the household's preferred ones first, then the registry order."""
        tiles = self.registry.for_mode(self.mode)
        if not self.tile_preference:
            return tiles
        rank = {tile_id: i for i, tile_id in enumerate(self.tile_preference)}
        return sorted(tiles, key=lambda spec: rank.get(spec.id, len(rank)))

    @property
    def kiosk_page_count(self) -> int:
        return max(1, -(-len(self.tiles) // KIOSK_TILES_PER_SCREEN))

    @property
    def visible_tiles(self) -> list[FeatureSpec]:
        """The tiles on screen now: all of them, or one kiosk screen of at most six."""
        if self.mode is not Mode.KIOSK:
            return self.tiles
        start = self.kiosk_page * KIOSK_TILES_PER_SCREEN
        return self.tiles[start : start + KIOSK_TILES_PER_SCREEN]

    def resolve(self, route: str) -> Screen:
        """Maps a route to a screen; unknown routes and tiles not in this mode go home."""
        path = (route or HOME).split("?", 1)[0].rstrip("/") or HOME
        if path == HOME:
            return Screen("home", HOME)
        if path == SETTINGS_ROUTE:
            return Screen("settings", SETTINGS_ROUTE)
        if path == MYDATA_ROUTE:
            return Screen("mydata", MYDATA_ROUTE)
        if path == SYNC_ROUTE:
            return Screen("sync", SYNC_ROUTE)
        if path == STAFF_ROUTE or path.startswith(f"{STAFF_ROUTE}/"):
            return self._resolve_staff(path)
        feature = self.registry.by_route(path)
        if feature is None or not feature.available_in(self.mode):
            return Screen("home", HOME)
        below = path[len(feature.route) + 1:]
        if below in feature.sub_routes or (below and "*" in feature.sub_routes):
            return Screen("feature", path, feature)  # "*": every path below the tile's
        return Screen("feature", feature.route, feature)

    def back_route(self) -> str:
        """Where "back" leads from the current screen: a tile's own screen below its route
        (`FeatureSpec.sub_routes`) back to the tile, a tile's staff screen back to the staff
        home, everything else home."""
        screen = self.resolve(self.route)
        if screen.kind == "staff" and screen.route != STAFF_ROUTE:
            return STAFF_ROUTE
        if screen.feature is not None and screen.route != screen.feature.route:
            return screen.feature.route
        return HOME

    def _resolve_staff(self, path: str) -> Screen:
        """Staff screens exist in resident mode only (never on a kiosk or for visitors); an
        unknown staff screen opens the staff home. Who may see them is the staff home's
        business (app/staff/), the backend checks each call (ADR 0023)."""
        if self.mode is not Mode.RESIDENT:
            return Screen("home", HOME)
        known = {f"{STAFF_ROUTE}/{tile.id}/{screen.id}"
                 for tile in self.registry for screen in tile.staff_screens}
        return Screen("staff", path if path in known else STAFF_ROUTE)

    # --- actions -----------------------------------------------------------------------
    def navigate(self, route: str) -> Screen:
        screen = self.resolve(route)
        self.route = screen.route
        self._changed()
        return screen

    def set_language(self, language: str) -> None:
        if language not in self.languages:
            raise ValueError(f"language {language!r} is not offered in {self.mode} mode")
        self._update_settings(language=language)

    def set_text_size(self, text_size: TextSize | str) -> None:
        self._update_settings(text_size=TextSize(text_size))

    def set_high_contrast(self, on: bool) -> None:
        self._update_settings(high_contrast=bool(on))

    def apply_stored_settings(self, settings: Settings) -> None:
        """Settings read from the device; a language this mode doesn't offer keeps the default."""
        if settings.language not in self.languages:
            settings = settings.with_changes(language=self.default_settings.language)
        self.settings = settings
        self._changed()

    def _update_settings(self, **changes: object) -> None:
        new = self.settings.with_changes(**changes)
        if new != self.settings:
            self.settings = new
            self._changed()

    def set_tile_preference(self, order: tuple[str, ...]) -> None:
        if order != self.tile_preference:
            self.tile_preference = order
            self._changed()

    def next_kiosk_page(self) -> None:
        if self.kiosk_page + 1 < self.kiosk_page_count:
            self.kiosk_page += 1
            self._changed()

    def previous_kiosk_page(self) -> None:
        if self.kiosk_page > 0:
            self.kiosk_page -= 1
            self._changed()

    def set_connection(self, ok: bool, detail: str = "") -> None:
        if ok:
            new = ConnectionStatus(Link.ONLINE)
        else:
            new = ConnectionStatus(Link.OFFLINE, detail, self.connection.failures + 1)
        changed = new.link != self.connection.link
        self.connection = new
        if changed:
            self._changed()

    def reset_for_next_user(self) -> None:
        """Kiosk: back to the start screen with the device defaults, as if nobody had been here."""
        self.settings = self.default_settings
        self.kiosk_page = 0
        self.tile_preference = ()
        self.logout_question = ""
        self.route = HOME
        self._changed()
