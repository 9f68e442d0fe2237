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


def test_notices_prepare_schedules_a_load_and_the_view_only_renders():
    from datetime import UTC, datetime
    from pathlib import Path

    from app.account.account_state import AccountState
    from app.account.device_data import DeviceData
    from app.account.token_store import MemoryTokenStore
    from app.device.public_content import PublicContent
    from app.features.notices.repository import ShownNotice
    from app.features.notices.state import Status
    from app.features.notices.wiring import build_view, notices_state, prepare
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
    assert any("読み込んでいます" in s for s in texts(build_view(ctx)))
    assert not scheduled  # rendering never starts a read
    prepare(ctx)
    prepare(ctx)  # a second render while loading starts no second load
    assert len(scheduled) == 1 and scheduled[0][3] == "ja"

    notices = notices_state(ctx)
    notices.status = Status.LOADED
    notices.language = "ja"
    notices.stamp = notices._source.stamp()
    notices.synced_at = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
    notices.notices = [ShownNotice(Notice(1, "health", notices.synced_at, "特定健診のお知らせ",
                                          "本文", True), for_household=True)]
    scheduled.clear()
    prepare(ctx)
    shown = texts(build_view(ctx))
    assert not scheduled  # nothing to read again
    assert "特定健診のお知らせ" in shown
    assert "2026/11/24 9:30 更新" in shown
    assert any("デモデータ" in s and "あなたの世帯向け" in s for s in shown)
    assert "未読" not in shown  # nobody signed in: no read marks

    public.version += 1  # a sync stored new notices: read again
    build_view(ctx)
    assert not scheduled
    prepare(ctx)
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
    shown = texts(sync_body(ctx, None))
    assert "この端末に保存されていたデータが壊れていたため、作り直しました。" in shown
    assert "未送信だった変更2件を復元しました。これから送信します。" in shown
    assert "未送信の変更で失われたものはありません。" in shown
    # The store could not be opened at all: said plainly, never "log in".
    device.open, device.open_error, device.recoveries = False, "disk I/O error", []
    shown = texts(sync_body(ctx, None))
    assert any("この端末にデータを保存できません" in s for s in shown)
    assert not any("ログイン" in s for s in shown)


def _feature_state():
    made: dict = {}

    def feature_state(key, factory):
        return made.setdefault(key, factory())

    return feature_state


# --- re-renders are diffs (ADR 0021) ----------------------------------------------------------
class _Connection:
    """A Flet connection that encodes each message as the web socket would (the encoding
    takes the snapshots Flet diffs against) and keeps it."""

    def __init__(self) -> None:
        from flet.messaging.connection import Connection
        from flet.pubsub.pubsub_hub import PubSubHub

        class Recording(Connection):
            def __init__(self) -> None:
                super().__init__()
                self.sent: list = []
                self.pubsubhub = PubSubHub()

            def send_message(self, message) -> None:  # type: ignore[no-untyped-def]
                import msgpack
                from flet.controls.base_control import BaseControl
                from flet.messaging.protocol import configure_encode_object_for_msgpack

                msgpack.packb([message.action, message.body],
                              default=configure_encode_object_for_msgpack(BaseControl))
                self.sent.append(message)

        self.conn = Recording()


def _services():
    from pathlib import Path

    from app.account.account_state import AccountState
    from app.account.device_data import DeviceData
    from app.account.token_store import MemoryTokenStore
    from app.device.public_content import PublicContent
    from app.services import AppServices
    from backend_client import BackendClient

    backend = BackendClient("http://127.0.0.1:9")
    public = PublicContent(Path("/nonexistent"), backend)
    return AppServices(backend, "http://127.0.0.1:9",
                       AccountState(backend, MemoryTokenStore()),
                       DeviceData(Path("/nonexistent"), backend, kiosk=True, public=public),
                       public)


def _find(control, key):  # type: ignore[no-untyped-def]
    """The control with this key in a tree (None when there is none)."""
    if isinstance(control, list | tuple):
        for item in control:
            found = _find(item, key)
            if found is not None:
                return found
        return None
    if not isinstance(control, ft.BaseControl):
        return None
    if getattr(control, "key", None) == key:
        return control
    for attr in ("content", "controls", "appbar"):
        found = _find(getattr(control, attr, None), key)
        if found is not None:
            return found
    return None


def _shell_on_waste_search():
    """A shell on a headless Flet session, showing the waste tile's search with a result."""
    from datetime import UTC, datetime

    import msgpack
    from flet.controls.base_control import BaseControl
    from flet.messaging.protocol import configure_encode_object_for_msgpack
    from flet.messaging.session import Session

    from app.features.waste.repository import WasteContent
    from app.features.waste.state import Status
    from app.features.waste.wiring import waste_state
    from app.shell.app_shell import PortalShell
    from app.shell.settings import MemorySettingsStore

    recording = _Connection().conn
    session = Session(recording)  # type: ignore[arg-type]
    msgpack.packb(session.get_page_patch(),
                  default=configure_encode_object_for_msgpack(BaseControl))
    state = ShellState(REGISTRY, Mode.RESIDENT, Settings())
    shell = PortalShell(session.page, state, _services(), MemorySettingsStore(),
                        today=lambda: date(2026, 11, 24))
    scheduled: list = []
    shell.run_task = lambda *a: scheduled.append(a)  # type: ignore[method-assign]
    state.navigate("/waste")
    waste = waste_state(shell.context())
    waste.content = WasteContent(
        items=[{"id": "1", "name": "電子レンジ", "category": "粗大ごみ", "fee": 500}],
        synced_at=datetime(2026, 11, 24, tzinfo=UTC))
    waste.status, waste.language, waste.stamp = Status.LOADED, "ja", waste._repo.stamp()
    return shell, session, recording, waste, scheduled


def test_a_re_render_keeps_every_control_and_sends_only_the_difference():
    shell, session, recording, waste, scheduled = _shell_on_waste_search()
    shell.render()
    view = session.page.views[-1]
    field = _find(view, "waste-search")
    assert field is not None and view.key == "view:/waste"
    view_id, field_id = view._i, field._i

    recording.sent.clear()
    waste.set_query("電子レンジ")
    shell.state.set_connection(False, "refused")  # the offline banner appears at the top
    shell.render()
    view = session.page.views[-1]
    # The same view and field on the client (their ids), so its scroll position, a finger
    # on a switch and the field's focus survive; the banner was added, not everything.
    assert view._i == view_id
    assert _find(view, "waste-search")._i == field_id
    assert _find(view, "offline-banner") is not None
    [message] = recording.sent
    operations = [op for op in message.body.patch[1:]]
    assert all(not isinstance(op[3], ft.View) for op in operations if len(op) > 3), operations
    assert not scheduled  # nothing new to read: rendering started nothing


def test_a_render_between_the_clients_text_and_on_change_keeps_what_was_typed():
    shell, session, recording, waste, _ = _shell_on_waste_search()
    waste.set_query("電子")
    shell.render()
    field = _find(session.page.views[-1], "waste-search")
    assert field.value == "電子"
    # The client reports the new text (Flet applies it to the control at once); on_change
    # has not run yet when a background re-render lands.
    session.apply_patch(field._i, {"value": "電子レン"})
    recording.sent.clear()
    shell.render()
    field = _find(session.page.views[-1], "waste-search")
    assert field.value == "電子レン"
    assert not any("電子" in str(op) for m in recording.sent for op in m.body.patch[1:])
    # A change made by the state itself (a new revision) does reach the field.
    from app.shell.controlled_inputs import InputMemory, controlled_text_field

    memory = InputMemory()
    first = controlled_text_field(memory, key="k", text="abc", on_text=lambda _: None)
    first.value = "abcd"  # typed on the client
    assert controlled_text_field(memory, key="k", text="abc", on_text=lambda _: None
                                 ).value == "abcd"
    assert controlled_text_field(memory, key="k", text="", revision=1,
                                 on_text=lambda _: None).value == ""


def test_a_render_between_the_clients_flip_and_on_change_keeps_the_switch():
    from app.shell.controlled_inputs import InputMemory, controlled_switch

    memory = InputMemory()
    flips: list[bool] = []
    switch = controlled_switch(memory, key="s", value=False, on_value=flips.append)
    switch.value = True  # flipped on the client; on_change not handled yet
    again = controlled_switch(memory, key="s", value=False, on_value=flips.append)
    assert again.value is True  # the render did not flip it back
    assert controlled_switch(memory, key="s", value=True, on_value=flips.append).value is True
    # The state changing by itself (a sync from another device) wins.
    assert controlled_switch(memory, key="s", value=False, on_value=flips.append).value is False


def test_a_tile_that_needs_a_login_shows_the_login_screen_to_nobody_signed_in():
    from dataclasses import replace

    from app.shell.screens import prepare_screen, screen_content
    from app.shell.state import Screen

    prepared: list = []
    spec = replace(REGISTRY.get("health"), built=True,
                   build_view=lambda ctx: [ft.Text("my health records")],
                   prepare=lambda ctx: prepared.append(ctx))
    ctx = ViewContext.for_state(ShellState(REGISTRY, Mode.RESIDENT, Settings()),
                                navigate=lambda r: None, run_task=lambda *a: None,
                                services=_services())
    screen = Screen("feature", spec.route, spec)
    prepare_screen(ctx, screen)
    _, body = screen_content(ctx, screen, date(2026, 11, 24))
    shown = texts(body)
    assert "このサービスを使うには、ログインしてください。" in shown
    assert "ログイン" in shown and "my health records" not in shown
    assert not prepared  # nothing of the tile is read for nobody
    # A tile that does not need one, and one not built yet, open as before.
    waste = Screen("feature", "/waste", REGISTRY.get("waste"))
    assert not REGISTRY.get("school").built
    assert "このサービスを使うには、ログインしてください。" not in texts(
        screen_content(ctx, Screen("feature", "/school", REGISTRY.get("school")),
                       date(2026, 11, 24))[1])
    assert "このサービスを使うには、ログインしてください。" not in texts(
        screen_content(ctx, waste, date(2026, 11, 24))[1])


def test_a_confirmation_runs_its_action_only_after_yes_and_then_says_it_is_done():
    from app.shell.confirmation import Confirmation

    shell, session, _recording, _waste, _ = _shell_on_waste_search()
    shell.render()
    ran: list[str] = []
    started: list = []
    session.page.run_task = lambda handler, *a: started.append((handler, a))  # type: ignore
    shell.confirm(Confirmation("取り消しますか？", "戻せません。", "取り消す",
                               lambda: ran.append("done"), done_message="取り消しました"))
    [dialog] = [d for d in session.page._dialogs.controls if d.open]
    assert isinstance(dialog, ft.AlertDialog) and dialog.modal
    no, yes = dialog.actions
    assert no.identifier == "confirm-no" and yes.identifier == "confirm-yes"
    no.content.on_click(None)  # 「やめる」: closed, nothing ran
    assert not [d for d in session.page._dialogs.controls if d.open] and not started

    shell.confirm(Confirmation("取り消しますか？", "戻せません。", "取り消す",
                               lambda: ran.append("done"), done_message="取り消しました"))
    [dialog] = [d for d in session.page._dialogs.controls if d.open]
    dialog.actions[1].content.on_click(None)
    assert not [d for d in session.page._dialogs.controls if d.open]
    [(handler, args)] = started
    import asyncio

    asyncio.run(handler(*args))
    assert ran == ["done"]
    [snack] = [d for d in session.page._dialogs.controls if d.open]
    assert isinstance(snack, ft.SnackBar)
    assert snack.content.content.value == "取り消しました"


@pytest.mark.anyio
async def test_a_logout_forgets_what_was_typed_and_every_tile_state(monkeypatch) -> None:
    """After a logout the next person in this browser or app sees nothing of the last one:
    the typed texts (input memory) and the tiles' states go, as at a kiosk reset."""
    import app.shell.app_shell as app_shell
    from app.account.account_state import LoginStatus
    from app.features.waste.wiring import waste_state

    shell, session, _recording, waste, _scheduled = _shell_on_waste_search()
    account = shell.services.account
    shell.render()
    _find(session.page.views[-1], "waste-search").value = "冷蔵庫"  # typed on the client
    shell.render()
    assert _find(session.page.views[-1], "waste-search").value == "冷蔵庫"
    account.status, account.me = LoginStatus.SIGNED_IN, object()  # type: ignore[assignment]

    async def logged_out(_choice, _device, account) -> str:  # type: ignore[no-untyped-def]
        account.status, account.me = LoginStatus.SIGNED_OUT, None
        return ""

    monkeypatch.setattr(app_shell, "run_logout", logged_out)
    restarted: list[bool] = []
    monkeypatch.setattr(shell, "_start_backgrounds", lambda: restarted.append(True))
    monkeypatch.setattr(shell, "navigate", shell.state.navigate)  # no browser to tell
    await shell._logout("ask")
    assert restarted == [True]  # the tiles' background tasks held the last person's states
    fresh = waste_state(shell.context())
    assert fresh is not waste  # a new state: no query, no records
    fresh.content, fresh.status, fresh.language = waste.content, waste.status, "ja"
    fresh.stamp = fresh._repo.stamp()
    shell.state.navigate("/waste")
    shell.render()
    assert _find(session.page.views[-1], "waste-search").value == ""
