"""Why a booking, a change, a cancellation or a waiting-list move is refused: a code for the
device and a message in Japanese and English for the resident (docs/reservations.md §2).

`refusal(code, **params)` makes the `Refusal`; some codes need params (`PARAMS`), for
example `refusal("limit_person", limit=1)`. A datetime param is shown in Asia/Tokyo; a
`methods` param is a sequence of fee methods (`Resource.fee.methods`), shown by name.
A sync handler raises `Refusal.refused()` (backend/sync/refusals.py); a route answers
`Refusal.detail()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from backend.services.clock import CITY_TIME_ZONE
from backend.sync.refusals import Refused

SLOT_FULL = "slot_full"
WINDOW_NOT_OPEN = "window_not_open"
WINDOW_CLOSED = "window_closed"
LIMIT_PERSON = "limit_person"
LIMIT_HOUSEHOLD = "limit_household"
LIMIT_MONTH = "limit_month"
NOT_ELIGIBLE = "not_eligible"
TOO_YOUNG = "too_young"
TOO_OLD = "too_old"
NOT_FOR_WHOM = "not_for_whom"
SLOT_CLOSED = "slot_closed"
SLOT_UNKNOWN = "slot_unknown"
RESOURCE_UNKNOWN = "resource_unknown"
OVERLAPS = "overlaps"
FEE_METHOD = "fee_method"
NOT_CHANGEABLE = "not_changeable"
NOT_OFFERED = "not_offered"
OFFER_EXPIRED = "offer_expired"
ALREADY_CANCELLED = "already_cancelled"

# `not_eligible`'s `reason` param: who may book it (`Who.residency`), or an unknown age.
REASON_CARD = "card"
REASON_RESIDENT = "resident"
REASON_AGE_UNKNOWN = "age_unknown"

_FEE_METHOD_NAMES = {
    "points": ("ポイント", "points"),
    "counter": ("窓口で支払い", "pay at the counter"),
}

# code -> (Japanese, English) templates; `{name}` is a param.
_MESSAGES: dict[str, tuple[str, str]] = {
    SLOT_FULL: ("この枠は満員です。別の枠を選ぶか、キャンセル待ちに登録してください。",
                "this time is fully booked: choose another time or join the waiting list"),
    WINDOW_NOT_OPEN: ("この枠の予約受付は{opens_at}からです。",
                      "booking for this time opens at {opens_at}"),
    WINDOW_CLOSED: ("この枠の予約受付は{closes_at}に終了しました。",
                    "booking for this time closed at {closes_at}"),
    LIMIT_PERSON: ("お一人が同時に持てる予約は{limit}件までです。",
                   "one person may hold at most {limit} open booking(s) of this"),
    LIMIT_HOUSEHOLD: ("1世帯が同時に持てる予約は{limit}件までです。",
                      "one household may hold at most {limit} open booking(s) of this"),
    LIMIT_MONTH: ("お一人が同じ月に予約できるのは{limit}件までです。",
                  "one person may book this at most {limit} time(s) a month"),
    NOT_ELIGIBLE: ("{who_ja}", "{who_en}"),
    TOO_YOUNG: ("この予約は{min_age}歳以上の方が対象です。",
                "this is for people aged {min_age} or over"),
    TOO_OLD: ("この予約は{max_age}歳以下の方が対象です。",
              "this is for people aged {max_age} or under"),
    NOT_FOR_WHOM: ("この方の代理で予約することはできません（委任または保護者であることが"
                   "必要です）。",
                   "you may not book for this person (it needs their delegation, or to be "
                   "the parent of a minor)"),
    SLOT_CLOSED: ("この枠は市の都合により受付を停止しています。",
                  "the city has closed this time"),
    SLOT_UNKNOWN: ("この日時の枠はありません。", "there is no such time to book"),
    RESOURCE_UNKNOWN: ("この予約先はありません。", "there is no such thing to book"),
    OVERLAPS: ("同じ時間帯に別の予約があります（前後の準備時間を含みます）。",
               "you have another booking at that time (including the time kept free after "
               "it)"),
    FEE_METHOD: ("支払い方法を選び直してください（選べる方法: {methods}）。",
                 "choose another payment method (accepted: {methods})"),
    NOT_CHANGEABLE: ("この予約は変更・キャンセルできません（受付期限を過ぎたか、終了した"
                     "予約です）。",
                     "this booking can no longer be changed or cancelled (past its deadline, "
                     "or over)"),
    NOT_OFFERED: ("この予約には空き枠のご案内がありません。",
                  "no place is on offer for this booking"),
    OFFER_EXPIRED: ("空き枠のご案内の期限が過ぎました。",
                    "the offered place has expired"),
    ALREADY_CANCELLED: ("この予約はすでにキャンセルされています。",
                        "this booking is already cancelled"),
}

_NOT_ELIGIBLE_WHO = {
    REASON_CARD: ("この予約はマイナンバーカードで本人確認をした方のみ利用できます。",
                  "only people verified with their My Number card may book this"),
    REASON_RESIDENT: ("この予約は津山市にお住まいの方（マイナンバーカードで確認）のみ"
                      "利用できます。",
                      "only residents of Tsuyama (verified with the My Number card) may book "
                      "this"),
    REASON_AGE_UNKNOWN: ("この予約には年齢の条件があります。マイナンバーカードで本人確認を"
                         "してください。",
                         "this has an age condition: verify yourself with your My Number card "
                         "first"),
}

CODES = tuple(_MESSAGES)
# The params each code needs (the rest need none).
PARAMS: Mapping[str, tuple[str, ...]] = {
    WINDOW_NOT_OPEN: ("opens_at",), WINDOW_CLOSED: ("closes_at",), LIMIT_PERSON: ("limit",),
    LIMIT_HOUSEHOLD: ("limit",), LIMIT_MONTH: ("limit",), NOT_ELIGIBLE: ("reason",),
    TOO_YOUNG: ("min_age",), TOO_OLD: ("max_age",), FEE_METHOD: ("methods",),
}


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message_ja: str
    message_en: str

    def message(self, language: str) -> str:
        return self.message_ja if language == "ja" else self.message_en

    def refused(self) -> Refused:
        """The sync rejection (code, and the message in both languages)."""
        return Refused(self.code, f"{self.message_ja}（{self.message_en}）")

    def detail(self) -> dict[str, str]:
        """A route's error detail, as the procedures handoff's."""
        return {"code": self.code, "message": f"{self.message_ja}（{self.message_en}）",
                "message_ja": self.message_ja, "message_en": self.message_en}


def _moment(at: datetime, language: str) -> str:
    local = at.astimezone(CITY_TIME_ZONE)
    if language == "ja":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M} (Japan time)"


def _methods(methods: Sequence[str], language: str) -> str:
    index = 0 if language == "ja" else 1
    if not methods:
        return ("なし（無料）", "none: this is free")[index]
    return ("、" if language == "ja" else ", ").join(
        _FEE_METHOD_NAMES.get(method, (method, method))[index] for method in methods)


def _shown(name: str, value: object, language: str) -> str:
    if isinstance(value, datetime):
        return _moment(value, language)
    if name == "methods" and isinstance(value, Sequence) and not isinstance(value, str):
        return _methods(value, language)
    return str(value)


def _params_for(code: str, params: Mapping[str, object], language: str) -> dict[str, str]:
    shown = {name: _shown(name, value, language) for name, value in params.items()}
    if code == NOT_ELIGIBLE:
        reason = str(params["reason"])
        if reason not in _NOT_ELIGIBLE_WHO:
            raise ValueError(f"unknown not_eligible reason {reason!r}")
        who_ja, who_en = _NOT_ELIGIBLE_WHO[reason]
        shown.update(who_ja=who_ja, who_en=who_en)
    return shown


def refusal(code: str, **params: object) -> Refusal:
    """The refusal `code` with its messages; ValueError for an unknown code or a missing
    param (a programming error, found by the tests)."""
    if code not in _MESSAGES:
        raise ValueError(f"unknown refusal code {code!r}")
    missing = [name for name in PARAMS.get(code, ()) if name not in params]
    if missing:
        raise ValueError(f"refusal {code!r} needs {', '.join(missing)}")
    template_ja, template_en = _MESSAGES[code]
    return Refusal(code, template_ja.format(**_params_for(code, params, "ja")),
                   template_en.format(**_params_for(code, params, "en")))
