""""Data on this device" says when this device's clock is far from the city server's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.account.clock_notice import (
    ADVICE,
    MESSAGES,
    ClockSkew,
    clock_notice,
    clock_skew,
    format_amount,
)
from app.i18n import load_translator
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from app.shell.views.sync_view import sync_body
from backend_client import ServerClock
from tests.unit.test_views_build import texts

DAY = timedelta(days=1)


def test_small_or_unknown_offsets_say_nothing():
    assert clock_skew(None) is None
    assert clock_skew(timedelta(minutes=5)) is None
    assert clock_skew(-timedelta(minutes=4, seconds=59)) is None
    assert clock_notice(timedelta(seconds=-40), load_translator("ja")) == []


def test_the_sign_says_ahead_or_behind():
    # offset = server − device: negative when the device's clock is later (ahead).
    assert clock_skew(-DAY) == ClockSkew(ahead=True, amount=DAY)
    assert clock_skew(timedelta(hours=3)) == ClockSkew(ahead=False, amount=timedelta(hours=3))
    assert clock_skew(timedelta(minutes=6)) is not None


@pytest.mark.parametrize(("amount", "ja", "en"), [
    (timedelta(minutes=6), "6分", "6 minutes"),
    (timedelta(hours=2, minutes=10), "2時間", "2 hours"),
    (DAY - timedelta(minutes=30), "1日", "1 day"),
    (DAY + timedelta(hours=2), "1日", "1 day"),
    (timedelta(days=3), "3日", "3 days"),
    (timedelta(days=400), "1年", "1 year"),
])
def test_amounts_are_rounded_by_babel(amount, ja, en):
    assert format_amount(amount, "ja_JP") == ja
    assert format_amount(amount, "en_US") == en


def test_japanese_and_english_text():
    ja, en = load_translator("ja"), load_translator("en")
    ahead = -(DAY + timedelta(minutes=3))
    assert clock_notice(ahead, ja)[0] == "この端末の時計は市のサーバーより約1日進んでいます。"
    assert clock_notice(ahead, en)[0] == (
        "This device's clock is about 1 day ahead of the city's server.")
    assert clock_notice(timedelta(hours=5), ja)[0] == (
        "この端末の時計は市のサーバーより約5時間遅れています。")
    assert clock_notice(timedelta(hours=5), en)[0] == (
        "This device's clock is about 5 hours behind the city's server.")
    assert clock_notice(ahead, ja)[1] == ja(ADVICE) != ADVICE
    assert len(clock_notice(ahead, en)) == 2


def test_every_message_has_japanese_and_untranslated_languages_stay_english():
    ja = load_translator("ja")
    assert all(ja.has(m) and "{amount}" not in ja(m, amount="x") for m in MESSAGES)
    # A language is never mixed: Korean has the sentence, with the amount in Korean.
    assert clock_notice(-DAY * 2, load_translator("ko"))[0] == (
        "이 기기의 시계가 시 서버보다 약 2일 빠릅니다.")
    # A language without the sentence keeps the whole sentence in English.
    from app.i18n.translator import Translator

    untranslated = load_translator("en")
    assert isinstance(untranslated, Translator)
    assert clock_notice(-DAY * 2, untranslated)[0] == (
        "This device's clock is about 2 days ahead of the city's server.")


def context(language: str, offset: timedelta | None) -> ViewContext:
    clock = ServerClock(lambda: datetime(2026, 11, 24, tzinfo=UTC))
    if offset is not None:
        moment = datetime(2026, 11, 24, tzinfo=UTC) + offset
        clock.observe(moment, moment - offset, moment - offset)
    services = SimpleNamespace(backend=SimpleNamespace(server_clock=clock), device=None,
                               public=None)
    state = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language=language))
    return ViewContext.for_state(state, lambda r: None, lambda *a: None, services)


def test_the_device_data_screen_shows_a_large_offset_only():
    shown = texts(sync_body(context("ja", -DAY)))
    assert "この端末の時計は市のサーバーより約1日進んでいます。" in shown
    assert any("自動設定" in s for s in shown)
    shown = texts(sync_body(context("en", DAY)))
    assert "This device's clock is about 1 day behind the city's server." in shown
    assert not any("clock" in s for s in texts(sync_body(context("en", timedelta(minutes=2)))))
    assert not any("clock" in s for s in texts(sync_body(context("en", None))))
    # A context without services (other unit tests) renders without the notice.
    bare = ViewContext.for_state(ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings()),
                                 lambda r: None, lambda *a: None)
    assert not any("時計" in s for s in texts(sync_body(bare)))
