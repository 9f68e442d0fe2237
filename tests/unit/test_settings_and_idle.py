import pytest

from app.design.tokens import TextSize
from app.shell.idle_timer import IdleTimer
from app.shell.settings import MemorySettingsStore, Settings

DEFAULT = Settings()


def test_settings_round_trip():
    s = Settings("en", TextSize.EXTRA_LARGE, True)
    assert Settings.from_json(s.to_json(), DEFAULT) == s


@pytest.mark.parametrize(
    "raw",
    [None, "", "not json", "[1, 2]", '{"language": "xx", "text_size": "huge", '
     '"high_contrast": "yes"}'],
)
def test_unreadable_or_unknown_settings_fall_back_to_defaults(raw):
    assert Settings.from_json(raw, DEFAULT) == DEFAULT


def test_partly_valid_settings_keep_the_valid_parts():
    raw = '{"language": "en", "text_size": "gigantic", "high_contrast": true}'
    assert Settings.from_json(raw, DEFAULT) == Settings("en", TextSize.NORMAL, True)


@pytest.mark.anyio
async def test_memory_store():
    store = MemorySettingsStore()
    assert await store.load() is None
    await store.save("x")
    assert await store.load() == "x"
    await store.clear()
    assert await store.load() is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_idle_timer_expires_and_resets_on_touch():
    clock = FakeClock()
    timer = IdleTimer(30, clock)
    clock.now += 29
    assert not timer.expired() and timer.remaining() == pytest.approx(1)
    timer.touch()
    clock.now += 29
    assert not timer.expired()
    clock.now += 1
    assert timer.expired()


def test_idle_timer_rejects_nonpositive_timeouts():
    with pytest.raises(ValueError):
        IdleTimer(0)


def test_idle_timer_counts_down_in_the_last_third_at_most_30_seconds():
    now = [0.0]
    timer = IdleTimer(90, lambda: now[0])
    assert timer.countdown_s == 30
    now[0] = 59.5
    assert not timer.counting_down()
    now[0] = 60.2
    assert timer.counting_down() and timer.seconds_left() == 30
    now[0] = 89.1
    assert timer.counting_down() and timer.seconds_left() == 1
    timer.touch()  # 「続ける」 or any touch: the full timeout again
    assert not timer.counting_down() and timer.seconds_left() == 90
    now[0] += 90
    assert timer.expired() and not timer.counting_down()
    assert IdleTimer(6).countdown_s == 2
    with pytest.raises(ValueError):
        IdleTimer(10, countdown_s=11)


def test_services_reset_for_next_user_drops_every_tile_state():
    from app.services import AppServices

    services = AppServices(backend=None, backend_url="", account=None, device=None,  # type: ignore[arg-type]
                           public=None)  # type: ignore[arg-type]
    first = services.feature_state("waste", lambda: {"query": "電子レンジ"})
    services.reset_for_next_user()
    second = services.feature_state("waste", lambda: {"query": ""})
    assert second is not first and second["query"] == ""


class _FakeClient:
    renew_token = None


async def _account():
    from app.account.account_state import AccountState
    from app.account.token_store import MemoryTokenStore

    return AccountState(_FakeClient(), MemoryTokenStore())  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_login_can_always_be_cancelled_and_a_late_answer_is_ignored():
    from app.account.account_state import LoginNotice, LoginStatus

    account = await _account()
    attempt = account.start_attempt()
    assert account.status is LoginStatus.SIGNING_IN and not account.awaiting_answer
    login = await account.begin_login("http://app/oauth_callback", attempt=attempt)
    assert account.awaiting_answer
    assert account.cancel_login()
    assert account.status is LoginStatus.SIGNED_OUT
    assert account.notice is LoginNotice.CANCELLED
    # The login page answers after all: ignored, still signed out, no failure shown.
    await account.complete_login("code", login.state)
    assert account.status is LoginStatus.SIGNED_OUT


@pytest.mark.anyio
async def test_a_stale_timer_does_not_cancel_a_newer_login_and_cancelled_attempts_stop():
    from app.account.account_state import LoginError, LoginNotice, LoginStatus

    account = await _account()
    first = account.start_attempt()
    account.cancel_login(LoginNotice.OFFLINE, first)
    assert account.notice is LoginNotice.OFFLINE and account.status is LoginStatus.SIGNED_OUT
    second = account.start_attempt()
    assert account.notice is LoginNotice.NONE
    assert not account.cancel_login(LoginNotice.TIMED_OUT, first)  # the first one's timer
    assert account.is_current(second)
    assert account.cancel_login(LoginNotice.TIMED_OUT, second)
    assert account.notice is LoginNotice.TIMED_OUT
    with pytest.raises(LoginError):  # the page must not open for a cancelled attempt
        await account.begin_login("http://app/oauth_callback", attempt=second)
    assert account.status is LoginStatus.SIGNED_OUT


@pytest.mark.anyio
async def test_mydata_on_a_kiosk_never_downloads_nor_deletes():
    from app.account.mydata_state import MyDataState

    calls: list[str] = []

    class Client:
        async def export_my_data(self, token):
            calls.append("export")
            return b"{}"

        async def delete_account(self, token):
            calls.append("delete")

    class Account:
        me = None

        async def access_token(self):
            return "token"

    saved: list[str] = []

    async def save(name, data):
        saved.append(name)

    state = MyDataState(Client(), Account(), "kiosk", save,  # type: ignore[arg-type]
                        shared_device=True)
    assert not await state.download_all("x.json")
    assert not await state.delete_account()
    assert calls == [] and saved == [] and state.message == "not_here"
    resident = MyDataState(Client(), Account(), "app", save)  # type: ignore[arg-type]
    assert await resident.download_all("x.json") and saved == ["x.json"]


def test_the_phone_link_is_the_my_data_page_only():
    from app.account.phone_handoff import mydata_url, qr_png

    assert mydata_url("https://portal.city.example/app/?who=taro#x") == (
        "https://portal.city.example/app/mydata")
    with pytest.raises(ValueError):
        mydata_url("")
    assert qr_png("https://portal.city.example/mydata").startswith(b"\x89PNG")
