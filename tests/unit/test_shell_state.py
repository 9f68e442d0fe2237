import pytest

from app.design.tokens import TextSize
from app.shell.connection import Link
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import KIOSK_TILES_PER_SCREEN, ShellState

REGISTRY = FeatureRegistry.load()


def make(mode: Mode = Mode.RESIDENT, lang: str = "ja") -> tuple[ShellState, list[int]]:
    state = ShellState(REGISTRY, mode, Settings(language=lang))
    calls: list[int] = []
    state.subscribe(lambda: calls.append(1))
    return state, calls


def test_routes_resolve_to_screens():
    state, _ = make()
    assert state.resolve("/").kind == "home"
    assert state.resolve("").kind == "home"
    assert state.resolve("/settings").kind == "settings"
    screen = state.resolve("/waste?from=home")
    assert screen.kind == "feature" and screen.feature.id == "waste"
    assert state.resolve("/no-such-tile").kind == "home"


def test_visitor_cannot_open_resident_only_tiles():
    state, _ = make(Mode.VISITOR)
    assert state.resolve("/health").kind == "home"
    assert state.resolve("/transit").kind == "feature"


def test_navigate_changes_route_and_notifies():
    state, calls = make()
    state.navigate("/school")
    assert state.route == "/school" and calls == [1]
    state.navigate("/missing")
    assert state.route == "/"


def test_kiosk_pages_show_at_most_six_tiles():
    state, _ = make(Mode.KIOSK)
    assert state.kiosk_page_count == 2
    first = state.visible_tiles
    assert len(first) == KIOSK_TILES_PER_SCREEN == 6
    state.previous_kiosk_page()  # no page before the first
    assert state.kiosk_page == 0
    state.next_kiosk_page()
    second = state.visible_tiles
    assert len(second) == 4  # ten kiosk tiles: 整理券 first
    assert {s.id for s in first}.isdisjoint({s.id for s in second})
    state.next_kiosk_page()  # no page after the last
    assert state.kiosk_page == 1


def test_resident_sees_all_tiles_at_once():
    state, _ = make()
    assert len(state.visible_tiles) == 9


def test_languages_per_mode():
    resident, _ = make()
    assert resident.languages == ("ja", "en")
    with pytest.raises(ValueError):
        resident.set_language("ko")
    visitor, _ = make(Mode.VISITOR)
    visitor.set_language("ko")
    assert visitor.settings.language == "ko"
    with pytest.raises(ValueError):
        ShellState(REGISTRY, Mode.RESIDENT, Settings(language="zh"))


def test_settings_actions_notify_only_on_change():
    state, calls = make()
    state.set_text_size("large")
    state.set_text_size(TextSize.LARGE)
    state.set_high_contrast(True)
    assert state.settings == Settings("ja", TextSize.LARGE, True)
    assert len(calls) == 2


def test_stored_settings_with_a_language_this_mode_lacks_keep_the_default():
    state, _ = make()
    state.apply_stored_settings(Settings("ko", TextSize.EXTRA_LARGE, True))
    assert state.settings == Settings("ja", TextSize.EXTRA_LARGE, True)


def test_kiosk_reset_returns_to_start_with_defaults():
    state, _ = make(Mode.KIOSK)
    state.set_language("en")
    state.set_text_size("extra_large")
    state.next_kiosk_page()
    state.navigate("/waste")
    state.reset_for_next_user()
    assert state.route == "/" and state.kiosk_page == 0
    assert state.settings == Settings(language="ja")


def test_connection_status_and_backoff():
    state, calls = make()
    assert state.connection.link is Link.UNKNOWN
    state.set_connection(False, "refused")
    state.set_connection(False, "refused")
    assert state.connection.offline and state.connection.failures == 2
    assert len(calls) == 1  # only the change of link re-renders
    assert state.connection.next_check_in() == 4.0
    for _ in range(10):
        state.set_connection(False, "refused")
    assert state.connection.next_check_in() == 5.0  # short while offline: the banner goes soon
    state.set_connection(True)
    assert state.connection.link is Link.ONLINE and state.connection.failures == 0
    assert state.connection.next_check_in() == 30.0
