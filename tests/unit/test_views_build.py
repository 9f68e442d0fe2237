"""Every shell view builds its control tree for every mode and setting, with no page."""

from datetime import date

import flet as ft
import pytest

from app.design.tokens import TextSize
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from app.shell.views.common import app_bar, banner_if_offline
from app.shell.views.home_view import home_body
from app.shell.views.placeholder_view import placeholder_body
from app.shell.views.settings_view import settings_body

REGISTRY = FeatureRegistry.load()


def texts(controls) -> list[str]:
    """All strings shown by a control tree (Text values, labels, tooltips)."""
    found: list[str] = []

    def walk(obj, depth=0):
        if depth > 30 or obj is None:
            return
        if isinstance(obj, list | tuple):
            for item in obj:
                walk(item, depth + 1)
            return
        if not isinstance(obj, ft.BaseControl):
            return
        for attr in ("value", "label", "tooltip", "content"):
            v = getattr(obj, attr, None)
            if isinstance(v, str):
                found.append(v)
        style = getattr(obj, "style", None)
        if isinstance(style, ft.ButtonStyle) and style.text_style is not None:
            # A button text style without the family drops the bundled CJK font (tofu).
            assert getattr(style.text_style, "font_family", None), obj
        for attr in ("content", "controls", "leading", "title", "actions"):
            walk(getattr(obj, attr, None), depth + 1)

    walk(controls)
    return found


def ctx_for(mode: Mode, settings: Settings) -> ViewContext:
    state = ShellState(REGISTRY, mode, Settings(language=settings.language))
    state.apply_stored_settings(settings)
    return ViewContext.for_state(state, navigate=lambda r: None, run_task=lambda *a: None)


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("text_size", list(TextSize))
@pytest.mark.parametrize("high_contrast", [False, True])
def test_every_screen_builds(mode, text_size, high_contrast):
    ctx = ctx_for(mode, Settings("ja", text_size, high_contrast))
    ctx.state.set_connection(False, "refused")
    home = home_body(ctx, date(2026, 11, 24))
    shown = texts(home)
    for spec in ctx.state.visible_tiles:
        assert ctx.t(spec.title) in shown
    assert "2026年11月24日(火)" in shown
    assert texts(settings_body(ctx))
    for spec in ctx.state.tiles:
        assert "このサービスはまだアプリで利用できません。" in texts(placeholder_body(ctx, spec))
    assert texts(app_bar(ctx, "x", back=True))
    assert any("オフライン" in s for s in texts(banner_if_offline(ctx, lambda _: None)))


def test_online_shows_no_banner():
    ctx = ctx_for(Mode.RESIDENT, Settings())
    ctx.state.set_connection(True)
    assert banner_if_offline(ctx, lambda _: None) == []


def test_visitor_home_offers_four_languages_in_their_own_names():
    ctx = ctx_for(Mode.VISITOR, Settings())
    shown = texts(home_body(ctx, date(2026, 11, 24)))
    for name in ("日本語", "English", "中文", "한국어"):
        assert name in shown
    resident = texts(home_body(ctx_for(Mode.RESIDENT, Settings()), date(2026, 11, 24)))
    assert "한국어" not in resident


def test_kiosk_home_has_paging_and_six_tiles():
    ctx = ctx_for(Mode.KIOSK, Settings())
    shown = texts(home_body(ctx, date(2026, 11, 24)))
    assert "ほかのサービス" in shown and "2画面中 1画面目" in shown
    assert sum(ctx.t(s.title) in shown for s in ctx.state.tiles) == 6


def test_notices_view_schedules_a_load_then_renders_cards():
    from datetime import UTC, datetime
    from pathlib import Path

    from app.account.account_state import AccountState
    from app.account.device_data import DeviceData
    from app.account.token_store import MemoryTokenStore
    from app.device.public_content import PublicContent
    from app.features.notices.repository import ShownNotice
    from app.features.notices.state import Status
    from app.features.notices.views import build_view, notices_state
    from app.services import AppServices
    from backend_client import BackendClient, Notice

    scheduled = []
    state = ShellState(REGISTRY, Mode.RESIDENT, Settings())
    backend = BackendClient("http://127.0.0.1:9")
    public = PublicContent(Path("/nonexistent"), backend)
    services = AppServices(backend, "http://127.0.0.1:9", AccountState(backend, MemoryTokenStore()),
                           DeviceData(Path("/nonexistent"), backend, kiosk=True, public=public),
                           public)
    ctx = ViewContext.for_state(state, lambda r: None, lambda *a: scheduled.append(a), services)
    build_view(ctx)
    build_view(ctx)  # a second render while loading starts no second load
    assert len(scheduled) == 1 and scheduled[0][3] == "ja"
    assert any("読み込んでいます" in s for s in texts(build_view(ctx)))

    notices = notices_state(ctx)
    notices.status = Status.LOADED
    notices.language = "ja"
    notices.stamp = notices._source.stamp()
    notices.synced_at = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
    notices.notices = [ShownNotice(Notice(1, "health", notices.synced_at, "特定健診のお知らせ",
                                          "本文", True), for_household=True)]
    scheduled.clear()
    shown = texts(build_view(ctx))
    assert not scheduled  # nothing to read again
    assert "特定健診のお知らせ" in shown
    assert "2026/11/24 9:30 更新" in shown
    assert any("デモデータ" in s and "あなたの世帯向け" in s for s in shown)
    assert "未読" not in shown  # nobody signed in: no read marks

    public.version += 1  # a sync stored new notices: read again
    build_view(ctx)
    assert len(scheduled) == 1


def test_data_on_this_device_explains_a_rebuilt_store_until_it_is_dismissed():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from app.shell.views.sync_view import sync_body
    from offline_store import StoreRecovery

    tasks: list[tuple] = []
    device = SimpleNamespace(
        open=True, open_error="", pending=0, last_synced_at=None, version=0, store=None,
        recoveries=[StoreRecovery(7, "damaged", datetime(2026, 12, 3, tzinfo=UTC), 2, 0)],
        sync_now=lambda: None, dismiss_recovery=lambda recovery_id: recovery_id)
    state = ShellState(REGISTRY, Mode.RESIDENT, Settings(language="ja"))
    ctx = ViewContext.for_state(state, navigate=lambda r: None,
                                run_task=lambda *a: tasks.append(a),
                                services=SimpleNamespace(device=device, public=None,
                                                         feature_state=_feature_state()))
    shown = texts(sync_body(ctx))
    assert "この端末に保存されていたデータが壊れていたため、作り直しました。" in shown
    assert "未送信だった変更2件を復元しました。これから送信します。" in shown
    assert "未送信の変更で失われたものはありません。" in shown
    # The store could not be opened at all: said plainly, never "log in".
    device.open, device.open_error, device.recoveries = False, "disk I/O error", []
    shown = texts(sync_body(ctx))
    assert any("この端末にデータを保存できません" in s for s in shown)
    assert not any("ログイン" in s for s in shown)


def _feature_state():
    made: dict = {}

    def feature_state(key, factory):
        return made.setdefault(key, factory())

    return feature_state
