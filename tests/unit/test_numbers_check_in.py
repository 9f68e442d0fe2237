"""The kiosk's booking check-in by QR code (`app/features/numbers/check_in.py` and its screen)
with a fake kiosk source: a booking checked in with and without a waiting number, each
refusal in its own sentence, the typed code trimmed, a second press while one runs ignored,
「終わる」 and a kiosk reset leaving nothing of the person; the route never taken for a
counter's."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import pytest

from app.features.numbers.check_in import (
    CHECK_IN_ROUTE,
    FAILED,
    INVALID_CODE,
    NO_CODE_IN_PICTURE,
    NO_KEY,
    OFFLINE,
    CheckInState,
    is_check_in_route,
    normalise_code,
)
from app.features.numbers.state import parse_ticket_route
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState
from backend_client import BackendRejected, BackendUnavailable
from backend_client.kiosk_queue import KioskCheckIn
from backend_client.reservations_queue import QueueTicket
from tests.unit.test_numbers_tile import (
    DAY,
    KOSODATE,
    START,
    FakeKiosk,
    find_by_identifier,
    kiosk_ctx,
    seed,
)
from tests.unit.test_views_build import texts

pytestmark = pytest.mark.anyio
CODE = "TRS1.UABCDEFGH.1765760400.ABCDEFGHIJKLMNOP"  # the shape of a booking's code
TITLE = ("子育て支援課 窓口予約", "Child-rearing support counter: appointment")
END = datetime(2026, 12, 15, 1, 30, tzinfo=UTC)  # 10:30 in Tsuyama


def checked_in(*, number: int | None = 7, ahead: int | None = 2) -> KioskCheckIn:
    ticket = (QueueTicket("kosodate", DAY, number, "waiting", channel="kiosk",
                          appointment=True, issued_at=START, ahead=ahead, name=KOSODATE)
              if number is not None else None)
    return KioskCheckIn(number="R-20261215-0042", status="checked_in", title=TITLE,
                        slot_start=START, slot_end=END, ticket=ticket)


def rejected(status: int, code: str) -> BackendRejected:
    return BackendRejected(status, code, code)


class FakeCheckIn:
    """Answers in order; `hold` keeps a check-in running until set."""

    def __init__(self, *answers: KioskCheckIn | Exception) -> None:
        self.answers = list(answers)
        self.codes: list[str] = []
        self.hold: anyio.Event | None = None

    async def check_in(self, code: str) -> KioskCheckIn:
        self.codes.append(code)
        if self.hold is not None:
            await self.hold.wait()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def seed_check_in(ctx: ViewContext, source: FakeCheckIn | None) -> CheckInState:
    from app.features.numbers.wiring import CHECK_IN_KEY

    assert ctx.services is not None
    made = CheckInState(source)
    return ctx.services.feature_state(CHECK_IN_KEY, lambda: made)


def screen(ctx: ViewContext) -> list[str]:
    from app.features.numbers.wiring import build_view

    return texts(build_view(ctx))


# --- the state ----------------------------------------------------------------------------
async def test_a_code_read_checks_the_booking_in_with_its_waiting_number():
    source = FakeCheckIn(checked_in())
    state = CheckInState(source)
    assert await state.scan(CODE)
    assert source.codes == [CODE]
    assert state.checked_in is not None and state.checked_in.ticket is not None
    assert state.checked_in.ticket.number == 7
    assert state.refusal is None and not state.busy


@pytest.mark.parametrize("typed", [
    f"  {CODE.lower()}\n",  # spaces and a line break around it, lower case
    CODE.replace(".", "。").translate({ord(c): ord(c) + 0xFEE0 for c in "TRS1ABC"}),  # 全角
    f"{CODE[:20]} {CODE[20:]}",  # a space typed in the middle
])
async def test_a_typed_code_is_trimmed_and_emptied_once_accepted(typed: str):
    source = FakeCheckIn(checked_in())
    state = CheckInState(source)
    state.set_code_text(typed)
    revision = state.revision
    assert await state.scan_typed()
    assert source.codes == [CODE]
    assert state.code_text == "" and state.revision == revision + 1


async def test_a_refused_typed_code_stays_to_be_corrected():
    source = FakeCheckIn(rejected(404, "booking_not_found"))
    state = CheckInState(source)
    state.set_code_text(CODE)
    revision = state.revision
    assert not await state.scan_typed()
    assert state.code_text == CODE and state.revision == revision
    assert state.refusal == "booking_not_found" and state.checked_in is None


async def test_what_cannot_be_a_booking_code_is_refused_without_asking_the_city():
    source = FakeCheckIn()
    state = CheckInState(source)
    for text in ("", "   ", "https://example.org/x", "TPR1.ABC", "TRS1." + "A" * 300):
        assert not await state.scan(text)
        assert state.refusal == INVALID_CODE
    assert source.codes == []
    assert normalise_code(" trs1.abc ") == "TRS1.ABC"


async def test_a_second_press_while_checking_in_is_ignored():
    source = FakeCheckIn(checked_in())
    source.hold = anyio.Event()
    state = CheckInState(source)
    results: list[bool] = []

    async def press() -> None:
        results.append(await state.scan(CODE))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(press)
        await anyio.wait_all_tasks_blocked()
        assert state.busy
        with anyio.fail_after(5):  # (a second request would wait for `hold` forever)
            assert not await state.scan(CODE)  # the same code again
            state.set_code_text(CODE)
            assert not await state.scan_typed()  # or the typed one
        source.hold.set()
    assert results == [True] and source.codes == [CODE]
    # Checked in: the screen shows it until 「終わる」; a further read does nothing.
    assert not await state.scan(CODE)
    assert source.codes == [CODE]


async def test_the_last_persons_answer_never_reaches_the_next():
    source = FakeCheckIn(checked_in())
    source.hold = anyio.Event()
    state = CheckInState(source)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(state.scan, CODE)
        await anyio.wait_all_tasks_blocked()
        state.clear()  # 「終わる」 (or the screen opened again) while it ran
        source.hold.set()
    assert state.checked_in is None and state.refusal is None and not state.busy


async def test_clear_drops_the_booking_the_refusal_and_the_typed_code():
    source = FakeCheckIn(checked_in())
    state = CheckInState(source)
    state.set_code_text(CODE)
    await state.scan_typed()
    state.no_code_in_picture("blurred")
    assert state.refusal == NO_CODE_IN_PICTURE and state.checked_in is None
    state.set_code_text("TRS1.")
    revision = state.revision
    state.clear()
    assert state.checked_in is None and state.refusal is None and state.code_text == ""
    assert state.revision == revision + 1


async def test_without_a_key_nothing_is_asked_and_a_refused_key_stops_asking():
    state = CheckInState(None)
    assert state.key_refused
    assert not await state.scan(CODE)
    assert state.refusal == NO_KEY
    source = FakeCheckIn(rejected(401, "kiosk_key_invalid"))
    state = CheckInState(source)
    assert not await state.scan(CODE)
    assert state.key_refused and state.refusal == NO_KEY
    assert not await state.scan(CODE)
    assert source.codes == [CODE]


async def test_offline_and_unknown_refusals():
    state = CheckInState(FakeCheckIn(BackendUnavailable("down"), rejected(500, "boom")))
    assert not await state.scan(CODE)
    assert state.refusal == OFFLINE and not state.key_refused
    assert not await state.scan(CODE)
    assert state.refusal == FAILED


def test_the_check_in_route_is_never_a_counters():
    assert is_check_in_route(CHECK_IN_ROUTE) and is_check_in_route(f"{CHECK_IN_ROUTE}/")
    assert is_check_in_route(f"{CHECK_IN_ROUTE}?x=1")
    assert parse_ticket_route(CHECK_IN_ROUTE) is None
    assert not is_check_in_route("/numbers/booking")  # a counter may be called "booking"
    assert parse_ticket_route("/numbers/booking") == "booking"
    kiosk = ShellState(FeatureRegistry.load(), Mode.KIOSK, Settings())
    kiosk.navigate(CHECK_IN_ROUTE)
    assert kiosk.route == CHECK_IN_ROUTE and kiosk.back_route() == "/numbers"


# --- the screens -----------------------------------------------------------------------------
def test_the_list_offers_the_check_in_and_opens_it_empty():
    from app.features.numbers.wiring import build_view

    went: list[str] = []
    ctx = kiosk_ctx(key="tk1_test", went=went)
    seed(ctx, FakeKiosk())
    state = seed_check_in(ctx, FakeCheckIn())
    state.refusal = INVALID_CODE  # the last person's
    button = find_by_identifier(build_view(ctx), "numbers-check-in")
    assert button.label == "予約のある方（QRコードで受付）"
    button.on_tap(None)
    assert went == [CHECK_IN_ROUTE] and state.refusal is None


def test_without_a_key_the_list_offers_no_check_in():
    ctx = kiosk_ctx(key="")
    shown = screen(ctx)
    assert "予約のある方（QRコードで受付）" not in shown
    assert "この端末では整理券を発行できません。職員にお声がけください。" in shown
    ctx = kiosk_ctx(CHECK_IN_ROUTE, key="")
    shown = screen(ctx)
    assert "この端末では予約の受付ができません。職員にお声がけください" in shown
    assert "カメラで読み取る" not in shown


def test_the_check_in_screen_asks_for_the_code_and_starts_no_polling():
    from app.features.numbers.wiring import prepare

    scheduled: list = []
    ctx = kiosk_ctx(CHECK_IN_ROUTE, key="tk1_test", scheduled=scheduled)
    seed_check_in(ctx, FakeCheckIn())
    prepare(ctx)
    assert scheduled == []  # nothing read every 5 s under the resident's typing
    shown = screen(ctx)
    assert "予約画面の QR コードをカメラにかざしてください" in shown
    assert "カメラで読み取る" in shown and "このコードで受付する" in shown
    assert "受付しました" not in shown and "子育て支援課" not in shown


async def test_checked_in_with_a_waiting_number_in_japanese_and_english():
    ctx = kiosk_ctx(CHECK_IN_ROUTE, key="tk1_test")
    state = seed_check_in(ctx, FakeCheckIn(checked_in(number=7, ahead=2)))
    await state.scan(CODE)
    shown = screen(ctx)
    assert "受付しました" in shown
    assert TITLE[0] in shown and "予約の時間 10:00–10:30" in shown
    assert "予約番号：R-20261215-0042" in shown
    assert "子育て支援課" in shown and "7" in shown and "あなたの受付番号は7番です" in shown
    assert "時間になりましたら順番にお呼びします" in shown and "あなたの前に 2人" in shown
    assert "終わる" in shown and "カメラで読み取る" not in shown
    assert TITLE[1] not in shown

    english = kiosk_ctx(CHECK_IN_ROUTE, key="tk1_test", language="en")
    seed_check_in(english, None).checked_in = state.checked_in
    shown = screen(english)
    assert "You are checked in." in shown and TITLE[1] in shown and TITLE[0] not in shown
    assert any(s.startswith("Your booked time: 10:00") for s in shown)
    assert "Your number is 7" in shown and "People ahead of you: 2" in shown


async def test_checked_in_without_a_waiting_number():
    ctx = kiosk_ctx(CHECK_IN_ROUTE, key="tk1_test")
    state = seed_check_in(ctx, FakeCheckIn(checked_in(number=None)))
    await state.scan(CODE)
    shown = screen(ctx)
    assert "受付しました" in shown and TITLE[0] in shown
    assert "予約の場所へお進みください" in shown
    assert "あなたの受付番号" not in shown and "時間になりましたら順番にお呼びします" not in shown


@pytest.mark.parametrize(("answer", "sentence"), [
    (rejected(409, "not_today"), "この予約は今日ではありません"),
    (rejected(409, "code_outdated"),
     "予約の時間が変わっています。アプリで新しいコードを表示してください"),
    (rejected(409, "not_at_this_kiosk"), "この予約は別の窓口で受付してください"),
    (rejected(422, "invalid_code"),
     "予約のコードではありません。予約画面の QR コードをお見せください"),
    (rejected(404, "booking_not_found"), "予約が見つかりません。職員にお声がけください"),
    (rejected(409, "wrong_status"),
     "この予約は受付できません（取り消された予約など）。職員にお声がけください"),
    (BackendUnavailable("down"), "通信できません。職員にお声がけください。"),
    (rejected(401, "kiosk_key_invalid"),
     "この端末では予約の受付ができません。職員にお声がけください"),
    (rejected(500, "internal"), "受付できませんでした。職員にお声がけください"),
])
async def test_each_refusal_is_said_by_the_input(answer: Exception, sentence: str):
    ctx = kiosk_ctx(CHECK_IN_ROUTE, key="tk1_test")
    state = seed_check_in(ctx, FakeCheckIn(answer))
    assert sentence not in screen(ctx)
    assert not await state.scan(CODE)
    shown = screen(ctx)
    assert sentence in shown and "受付しました" not in shown
    others = {"この予約は今日ではありません", "この予約は別の窓口で受付してください",
              "予約が見つかりません。職員にお声がけください"} - {sentence}
    assert not others & set(shown)  # one sentence, the right one


async def test_a_picture_without_a_code_and_a_malformed_code_say_so():
    ctx = kiosk_ctx(CHECK_IN_ROUTE, key="tk1_test")
    state = seed_check_in(ctx, FakeCheckIn())
    state.no_code_in_picture("nothing found")
    assert "この画像からQRコードを読み取れません。" in screen(ctx)
    await state.scan("hello")
    assert "予約のコードではありません。予約画面の QR コードをお見せください" in screen(ctx)


async def test_finish_goes_back_to_the_list_and_a_kiosk_reset_drops_the_booking():
    from app.features.numbers.wiring import build_view, check_in_state

    went: list[str] = []
    ctx = kiosk_ctx(CHECK_IN_ROUTE, key="tk1_test", went=went)
    state = seed_check_in(ctx, FakeCheckIn(checked_in()))
    await state.scan(CODE)
    find_by_identifier(build_view(ctx), "numbers-check-in-finish").content.on_click(None)
    assert went == ["/numbers"] and state.checked_in is None

    ctx = kiosk_ctx(CHECK_IN_ROUTE, key="tk1_test")
    first = check_in_state(ctx)
    first.checked_in = checked_in()
    first.set_code_text(CODE)
    assert ctx.services is not None
    ctx.services.reset_for_next_user()
    second = check_in_state(ctx)
    assert second is not first
    assert second.checked_in is None and second.code_text == "" and not second.key_refused
    assert "受付しました" not in screen(ctx)
