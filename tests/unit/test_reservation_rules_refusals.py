"""The refusal codes of reservations (backend/tiles/reservations/refusals.py): every code
has a Japanese and an English message; params are required where the message needs them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from backend.sync.refusals import Refused
from backend.tiles.reservations.refusals import CODES, PARAMS, Refusal, refusal

EXPECTED_CODES = {
    "slot_full", "window_not_open", "window_closed", "limit_person", "limit_household",
    "limit_month", "not_eligible", "too_young", "too_old", "not_for_whom", "slot_closed",
    "slot_unknown", "resource_unknown", "overlaps", "fee_method", "not_changeable",
    "not_offered", "offer_expired", "already_cancelled",
}
SAMPLE_PARAMS: dict[str, object] = {
    "opens_at": datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
    "closes_at": datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
    "limit": 3, "reason": "card", "min_age": 18, "max_age": 64,
    "methods": ("points", "counter"),
}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_the_codes_are_the_contracts() -> None:
    assert set(CODES) == EXPECTED_CODES


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_every_code_has_both_messages(code: str) -> None:
    params = {name: SAMPLE_PARAMS[name] for name in PARAMS.get(code, ())}
    made = refusal(code, **params)
    assert made.code == code
    assert JAPANESE.search(made.message_ja)
    assert made.message_en and not JAPANESE.search(made.message_en)
    assert "{" not in made.message_ja + made.message_en
    assert made.message("ja") == made.message_ja and made.message("en") == made.message_en


@pytest.mark.parametrize("code", sorted(PARAMS))
def test_a_missing_param_is_a_programming_error(code: str) -> None:
    with pytest.raises(ValueError, match="needs"):
        refusal(code)


def test_unknown_code_and_reason() -> None:
    with pytest.raises(ValueError, match="unknown refusal code"):
        refusal("no_such_code")
    with pytest.raises(ValueError, match="reason"):
        refusal("not_eligible", reason="planet")


def test_datetimes_are_shown_in_tokyo() -> None:
    made = refusal("window_not_open", opens_at=datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    assert "2026年11月3日 00:00" in made.message_ja
    assert "2026-11-03 00:00" in made.message_en


@pytest.mark.parametrize(("reason", "ja_word"), [
    ("card", "マイナンバーカード"), ("resident", "津山市にお住まい"), ("age_unknown", "年齢"),
])
def test_not_eligible_says_why(reason: str, ja_word: str) -> None:
    assert ja_word in refusal("not_eligible", reason=reason).message_ja


def test_fee_methods_by_name_and_free() -> None:
    made = refusal("fee_method", methods=("points", "counter"))
    assert "ポイント、窓口で支払い" in made.message_ja
    assert "points, pay at the counter" in made.message_en
    free = refusal("fee_method", methods=())
    assert "無料" in free.message_ja and "free" in free.message_en


def test_as_a_sync_rejection_and_a_route_detail() -> None:
    made = refusal("slot_full")
    refused = made.refused()
    assert isinstance(refused, Refused) and refused.code == "slot_full"
    assert made.message_ja in refused.message and made.message_en in refused.message
    assert made.detail()["code"] == "slot_full"
    assert made.detail()["message_en"] == made.message_en
    assert made == Refusal("slot_full", made.message_ja, made.message_en)
