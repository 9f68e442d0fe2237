"""The points wallet in Chromium (issue 13): 津山 太郎 checks in at an event by scanning its QR
code from a picture and earns points, pays the demo shop ごんご商店 by scanning its JPQR
picture with his PIN and sees both in the history; a forged shop code and a wrong PIN are
refused; the shop's clerk refunds the payment and 太郎's balance returns. One served app.

The event code is issued in the served backend's database (as the staff screen would) and
drawn as a PNG; the PIN is set through the backend beforehand (the PIN screen has its own unit
tests), so the walk is the resident's at the shop."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import qrcode
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from backend.db import write_engine
from backend.models import Person
from backend.services.clock import utc_now
from backend.tiles.points.api import balance
from backend.tiles.points.code_issue import issue_code
from backend.tiles.points.emv_qr import crc16_ccitt_false
from backend.tiles.points.pin import CurrentPinRequired, set_pin
from tests.e2e.conftest import ServedApp, enable_semantics, start_app
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows, signed_out
from tests.e2e.test_staff_in_browser import _engine

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOP_PICTURE = ROOT / "assets/points/tsuyama_demo/gongo_static_jpqr.png"
SHOP_PAYLOAD = ROOT / "assets/points/tsuyama_demo/gongo_static_jpqr.txt"
PIN = "2580"
EARNED = 50  # the demo rule "event-checkin"
PAID = 30


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    folder = tmp_path_factory.mktemp("points")
    app = start_app(folder / "app", env=keyring_env(folder / "keyring.json"))
    yield app
    app.stop()


def _person(engine: Engine, name: str) -> Person:
    deadline = time.monotonic() + 30
    while True:
        try:
            with Session(engine, expire_on_commit=False) as session:
                found = session.scalars(select(Person).where(Person.name == name)).first()
        except OperationalError:
            found = None
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"{name} has not logged in"
        time.sleep(0.5)


def _picture(text: str, path: Path) -> Path:
    """A QR picture of `text` in byte mode (UTF-8), as shop terminals draw JPQR codes."""
    code = qrcode.QRCode(box_size=8, border=4)
    code.add_data(text.encode("utf-8"), optimize=0)
    code.make(fit=True)
    code.make_image().save(path)
    return path


def _event_code(engine: Engine, issuer: Person) -> str:
    now = utc_now()
    with Session(write_engine(engine)) as session:
        text, _ = issue_code(session, staff_id=issuer.id,
                             municipality_code=issuer.municipality_code,
                             rule_id="event-checkin", label="津山まつり 受付", place="鶴山公園",
                             valid_from=now - timedelta(minutes=5),
                             valid_until=now + timedelta(hours=2), now=now)
        session.commit()
    return text


def _forged_shop_payload() -> str:
    """The demo shop's code with another merchant name and the CRC left as it was."""
    payload = SHOP_PAYLOAD.read_text(encoding="utf-8").strip()
    forged = payload.replace("ごんご商店", "ごんご商会")
    assert forged != payload and forged[-4:] == payload[-4:]
    assert f"{crc16_ccitt_false(forged[:-4].encode()):04X}" != forged[-4:]
    return forged


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]').first


def tap(page, identifier: str) -> None:
    by_id(page, identifier).click()


def type_into(page, identifier: str, text: str) -> None:
    by_id(page, identifier).click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    page.keyboard.insert_text(text)


def pick_picture(page, picture: Path) -> None:
    with page.expect_file_chooser() as chooser:
        tap(page, "points-scan-image")
    chooser.value.set_files(str(picture))


def open_points(page, served: ServedApp) -> None:
    page.goto(served.url.rstrip("/") + "/points")
    enable_semantics(page)
    by_id(page, "points-balance").wait_for()


def test_earn_at_an_event_pay_a_shop_by_jpqr_and_the_shop_refunds(
    served: ServedApp, open_page, artifacts, tmp_path: Path
) -> None:
    engine = _engine(served)
    try:
        page = open_page(served)
        signed_out(page)
        log_in_as(page, "津山 太郎")
        shows(page, "津山 太郎さん、こんにちは").wait_for()
        taro = _person(engine, "津山 太郎")
        with contextlib.suppress(CurrentPinRequired):  # set by the first try of a rerun
            set_pin(engine, taro.id, taro.municipality_code, PIN, None, utc_now())
        start = balance(engine, taro.id).points  # a rerun starts with the first try's
        event_picture = _picture(_event_code(engine, taro), tmp_path / "event.png")
        forged_picture = _picture(_forged_shop_payload(), tmp_path / "forged.png")

        # Earn: the event's check-in code, from a picture.
        open_points(page, served)
        tap(page, "points-earn")
        pick_picture(page, event_picture)  # a picked code is claimed at once
        by_id(page, "points-earned").wait_for()
        shows(page, f"{start + EARNED:,} ポイント").wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "points-earned-ja.png"))

        # A forged shop code is refused before any amount is asked.
        tap(page, "points-back")
        tap(page, "points-pay")
        pick_picture(page, forged_picture)  # a picked code is read at once
        shows(page, "書き換えられています").wait_for()
        assert by_id(page, "points-amount").count() == 0

        # The real shop code: the amount, a wrong PIN (refused, tries left), the right PIN.
        pick_picture(page, SHOP_PICTURE)
        by_id(page, "points-shop").wait_for()
        shows(page, "ごんご商店").wait_for()
        type_into(page, "points-amount", str(PAID))
        type_into(page, "points-pin", "9999")
        tap(page, "points-confirm")
        shows(page, "暗証番号が違います").wait_for()
        type_into(page, "points-pin", PIN)
        tap(page, "points-confirm")
        by_id(page, "points-receipt").wait_for()
        shows(page, "支払いが完了しました。").wait_for()
        time.sleep(1)
        page.screenshot(path=str(artifacts / "points-paid-ja.png"))

        # Both in the history, the balance 50 - 30.
        tap(page, "points-back")
        shows(page, f"{start + EARNED - PAID:,} ポイント").wait_for()
        tap(page, "points-history")
        shows(page, "ごんご商店").wait_for()
        shows(page, "イベント参加").wait_for()

        # The clerk refunds the payment from the shop screen.
        page.goto(served.url)
        enable_semantics(page)
        signed_out(page)
        log_in_as(page, "店員 ごんご")
        open_points(page, served)
        tap(page, "points-shop-open")
        page.wait_for_url("**/points/shop")  # its own URL: a reload keeps the till open
        by_id(page, "shop-jpqr").wait_for()
        page.reload()
        enable_semantics(page)
        by_id(page, "shop-takings").wait_for()
        refund = page.locator('[flt-semantics-identifier^="shop-refund-"]').first
        refund_id = refund.get_attribute("flt-semantics-identifier")
        refund.click()
        tap(page, "shop-refund-yes")
        by_id(page, refund_id).wait_for(state="detached")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(artifacts / "points-shop-refunded-ja.png"))
        page.go_back()  # the browser's back leaves the till for the resident screens
        page.wait_for_url(lambda url: url.rstrip("/").endswith("/points"))
        by_id(page, "points-shop-open").wait_for()

        # 太郎's balance is back.
        page.goto(served.url)
        enable_semantics(page)
        signed_out(page)
        log_in_as(page, "津山 太郎")
        open_points(page, served)
        shows(page, f"{start + EARNED:,} ポイント").wait_for()
    except Exception:
        if "page" in locals():
            page.screenshot(path=str(artifacts / "points-failure.png"))
        print(served.log()[-6000:])
        raise
    finally:
        engine.dispose()


def _camera_feed(picture: Path, path: Path) -> Path:
    """A Y4M video of `picture` centred on white paper, for Chromium's fake camera
    (`--use-file-for-fake-video-capture`): what a phone held over the shop's sticker sees."""
    import cv2
    import numpy as np

    code = cv2.imread(str(picture), cv2.IMREAD_COLOR)
    width, height = 640, 480
    side = 360
    frame = np.full((height, width, 3), 255, dtype=np.uint8)
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    top, left = (height - side) // 2, (width - side) // 2
    frame[top:top + side, left:left + side] = code
    planes = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + planes)
    return path


def test_pay_by_pointing_the_camera_at_the_shops_code(served: ServedApp, tmp_path: Path,
                                                      artifacts, playwright_driver) -> None:
    """The live camera (ADR 0036): Chromium's fake camera films the shop's JPQR sticker; 「カメラ
    で読み取る」 opens the preview, the code is read without a tap, and the payment goes on
    to the shop and the amount."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    feed = _camera_feed(SHOP_PICTURE, tmp_path / "shop.y4m")
    engine = _engine(served)
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={feed}"])
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  locale="ja-JP", permissions=["camera"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(served.url)
        enable_semantics(page)
        signed_out(page)
        log_in_as(page, "津山 太郎")
        shows(page, "津山 太郎さん、こんにちは").wait_for()
        taro = _person(engine, "津山 太郎")
        with contextlib.suppress(CurrentPinRequired):  # set by another test
            set_pin(engine, taro.id, taro.municipality_code, PIN, None, utc_now())
        open_points(page, served)
        tap(page, "points-pay")
        tap(page, "points-pay-camera")
        by_id(page, "camera-preview").wait_for()
        by_id(page, "points-shop").wait_for()  # read from the film, no other tap
        shows(page, "ごんご商店").wait_for()
        by_id(page, "points-amount").wait_for()
        assert by_id(page, "camera-preview").count() == 0  # the dialog closed
        page.wait_for_timeout(1000)
        page.screenshot(path=str(artifacts / "points-camera-read-ja.png"))
    except Exception:
        page.screenshot(path=str(artifacts / "points-camera-failure.png"))
        print(served.log()[-4000:])
        raise
    finally:
        context.close()
        browser.close()
        engine.dispose()


def test_without_a_camera_the_resident_is_told_to_read_a_picture(
    served: ServedApp, open_page
) -> None:
    """Headless Chromium without a fake device has no camera: the dialog closes and says to
    read the code from a picture, and the picture button is there."""
    page = open_page(served)
    signed_out(page)
    log_in_as(page, "津山 太郎")
    shows(page, "津山 太郎さん、こんにちは").wait_for()
    open_points(page, served)
    tap(page, "points-earn")
    tap(page, "points-earn-camera")
    shows(page, "この端末ではカメラを使えません。画像から読み取ってください。").wait_for()
    by_id(page, "points-scan-image").wait_for()
    assert by_id(page, "camera-preview").count() == 0
