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
