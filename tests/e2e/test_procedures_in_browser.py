"""Procedures (手続き) in Chromium (issue 15), one served app:

1. 津山 花子 finds 児童手当 by a reading (じどうてあて), sees her name, address, birthdate and
   children pre-filled and locked, fills the rest, adds a photo of her bank card (taken with
   GPS in its EXIF) and sends it: 受付 with a 受付番号. The stored photo has no EXIF left.
2. 職員 こども (こども課) opens it and sends it back (差戻し) with a reason and the account
   number to fix; 職員 さくら (市民課) does not see it at all.
3. 花子 finds the decision among her notices (あなたへのお知らせ), reads the reason, corrects the
   number and sends it again: 受付 once more, and the history keeps both submissions.
4. 花子 asks for 住民票の写し (a counter procedure with a fee): the app shows a QR code for
   the counter. 職員 さくら's counter screen reads that QR from a picture of the screen,
   checks her identity, and prints the official form as a PDF whose text holds her name,
   address and the number of copies.
"""

from __future__ import annotations

import io
import json
import re
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlmodel import Session

from app.i18n.translator import load_translator
from backend.models import Person
from backend.tiles.procedures.models import (
    ProcedureAttachment,
    ProcedureSubmission,
    ProcedureSubmissionEvent,
)
from tests.e2e.conftest import ServedApp, enable_semantics, start_app
from tests.e2e.interact import in_middle_of_view, type_over
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows
from tests.e2e.test_staff_in_browser import _engine

pytestmark = pytest.mark.e2e

JA = load_translator("ja")
HANAKO = "津山 花子"
KODOMO = "職員 こども"
SAKURA = "職員 さくら"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    folder = tmp_path_factory.mktemp("procedures")
    app = start_app(folder / "app", env=keyring_env(folder / "keyring.json"))
    yield app
    app.stop()


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]').first


def tap_id(page, identifier: str) -> None:
    target = by_id(page, identifier)
    in_middle_of_view(page, target)
    target.click()


def tap_button(page, name: str) -> None:
    button = page.get_by_role("button", name=name, exact=True).first
    in_middle_of_view(page, button)
    button.click()


def type_into(page, label: str, text: str) -> None:
    type_over(page, page.get_by_role("textbox", name=label, exact=True).first, text)


def bank_card_photo(path: Path) -> Path:
    """A JPEG as a phone takes it: with the place it was taken in its EXIF."""
    picture = Image.new("RGB", (320, 200), (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (35.0, 3.0, 50.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (134.0, 0.0, 15.0)
    picture.save(path, "JPEG", exif=exif)
    assert Image.open(path).getexif().get_ifd(0x8825)
    return path


def submission_of(engine: Engine, procedure_id: str) -> ProcedureSubmission:
    deadline = time.monotonic() + 60
    while True:
        with Session(engine) as session:
            found = session.scalars(select(ProcedureSubmission).where(
                ProcedureSubmission.procedure_id == procedure_id)).first()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"no {procedure_id} submission reached the city"
        time.sleep(0.5)


def sign_in(page, served: ServedApp, persona: str) -> None:
    """Log in as `persona` from the home screen (where the login button is)."""
    page.goto(served.url)
    enable_semantics(page)
    log_in_as(page, persona)


def open_procedures(page, served: ServedApp) -> None:
    page.goto(served.url.rstrip("/") + "/procedures")
    enable_semantics(page)
    page.get_by_role("textbox", name=JA("Search procedures (any spelling)")).wait_for()


def open_staff_screen(page, served: ServedApp, title: str) -> None:
    page.goto(served.url.rstrip("/") + "/staff")
    enable_semantics(page)
    tap_button(page, JA(title))


def test_apply_return_resubmit_and_hand_a_form_to_the_counter(
    served: ServedApp, open_page, artifacts, tmp_path: Path
) -> None:
    engine = _engine(served)
    try:
        _child_allowance_is_received(served, open_page, artifacts, engine, tmp_path)
        number = _returned_by_the_childrens_division(served, open_page, artifacts, engine)
        _corrected_and_sent_again(served, open_page, artifacts, engine, number)
        _resident_record_at_the_counter(served, open_page, artifacts, engine, tmp_path)
    finally:
        engine.dispose()


def _child_allowance_is_received(served, open_page, artifacts, engine, tmp_path) -> None:
    page = open_page(served)
    sign_in(page, served, HANAKO)
    open_procedures(page, served)
    # Found by its reading in hiragana; the household (a parent of minors) puts it first.
    type_into(page, JA("Search procedures (any spelling)"), "じどうてあて")
    tap_id(page, "procedure-child-allowance")
    shows(page, JA("Application form")).wait_for()
    # Pre-filled from the verified record and locked: her name, address and children.
    name = page.get_by_role("textbox", name="氏名（必須）", exact=True).first
    in_middle_of_view(page, name)
    name.click()  # Flutter puts the value in the page's input only while it has the focus
    time.sleep(0.5)
    assert name.input_value() == HANAKO
    page.keyboard.insert_text("X")  # locked: typing changes nothing
    time.sleep(0.5)
    assert name.input_value() == HANAKO
    shows(page, "津山 陽翔").wait_for()
    shows(page, "津山 結衣").wait_for()

    type_into(page, "日中の電話番号（必須）", "0868-32-2111")
    type_into(page, "金融機関名（必須）", "トマト銀行")
    type_into(page, "支店名（必須）", "津山支店")
    tap_id(page, "account_type-futsu")
    type_into(page, "口座番号（7桁）（必須）", "1234567")
    type_into(page, "口座名義（カタカナ）（必須）", "ツヤマ ハナコ")
    with page.expect_file_chooser() as chooser:
        tap_button(page, JA("Choose a file"))
    chooser.value.set_files(str(bank_card_photo(tmp_path / "bank-card.jpg")))
    shows(page, "bank-card.jpg").wait_for(timeout=30_000)
    time.sleep(1)
    page.screenshot(path=str(artifacts / "procedures-form-ja.png"), full_page=True)
    tap_button(page, JA("Send application"))

    number = by_id(page, "application-number")
    number.wait_for(timeout=60_000)
    shows(page, JA("Received")).wait_for()
    submission = submission_of(engine, "child-allowance")
    assert submission.status == "received"
    assert json.loads(submission.data)["applicant_name"] == HANAKO
    attachments = json.loads(submission.attachments)
    assert [a["slot"] for a in attachments] == ["bank-card"]
    with Session(engine) as session:
        stored = session.get(ProcedureAttachment, attachments[0]["attachment_id"])
        assert stored is not None and stored.content_type == "image/jpeg"
        kept = Image.open(io.BytesIO(stored.content))
        assert not kept.getexif(), "EXIF (with the GPS position) reached the city"
    time.sleep(1)
    page.screenshot(path=str(artifacts / "procedures-received-ja.png"))


def _returned_by_the_childrens_division(served, open_page, artifacts, engine) -> str:
    submission = submission_of(engine, "child-allowance")
    number = submission.number
    page = open_page(served)
    # Another department's clerk does not see it.
    sign_in(page, served, SAKURA)
    open_staff_screen(page, served, "Applications: Citizens Division")
    shows(page, JA("No applications match.")).or_(
        shows(page, JA("{count} applications, newest first", count="1"))).wait_for()
    assert page.get_by_role("button", name=JA("Open No. {number}", number=number)).count() == 0

    sign_in(page, served, KODOMO)
    open_staff_screen(page, served, "Applications: Children's Division")
    tap_button(page, JA("Open No. {number}", number=number))
    shows(page, JA("Applicant: {name}", name=HANAKO)).wait_for()
    type_into(page, JA("Reason (for returning or rejecting; the resident reads it)"),
              "口座番号が通帳の写真と一致しません。")
    box = page.get_by_role("checkbox", name="口座番号（7桁）").first
    in_middle_of_view(page, box)
    box.click()
    tap_id(page, "procedures-move-returned")
    shows(page, JA("The status is now: {status}. The resident is notified.",
                   status=JA("Returned for changes"))).wait_for()
    time.sleep(1)
    page.screenshot(path=str(artifacts / "procedures-staff-returned-ja.png"))
    with Session(engine) as session:
        returned = session.get(ProcedureSubmission, submission.id)
    assert returned is not None and returned.status == "returned"
    assert json.loads(returned.fix_fields) == ["account_number"]
    return number


def _corrected_and_sent_again(served, open_page, artifacts, engine, number: str) -> None:
    page = open_page(served)
    sign_in(page, served, HANAKO)
    # The city's decision reached her as a notice of her own.
    page.goto(served.url.rstrip("/") + "/notices")
    enable_semantics(page)
    shows(page, "児童手当の認定請求が差戻し").wait_for(timeout=60_000)
    shows(page, JA("For you")).wait_for()
    open_procedures(page, served)
    shows(page, "口座番号が通帳の写真と一致しません。").wait_for(timeout=60_000)
    submission = submission_of(engine, "child-allowance")
    tap_id(page, f"application-{submission.id}")
    shows(page, JA("Returned for changes")).wait_for()
    tap_button(page, JA("Correct and apply again"))
    type_into(page, "口座番号（7桁）（必須）", "7654321")
    tap_button(page, JA("Send the corrected application"))
    deadline = time.monotonic() + 60
    while True:
        with Session(engine) as session:
            again = session.get(ProcedureSubmission, submission.id)
            events = session.scalars(select(ProcedureSubmissionEvent).where(
                ProcedureSubmissionEvent.submission_id == submission.id).order_by(
                ProcedureSubmissionEvent.id)).all()
        if again is not None and again.status == "received" and len(events) >= 3:
            break
        assert time.monotonic() < deadline, "the corrected application did not arrive"
        time.sleep(0.5)
    assert again.number == number
    assert json.loads(again.data)["account_number"] == "7654321"
    # The history keeps the first submission's data and the reason it came back.
    assert [e.to_status for e in events] == ["received", "returned", "received"]
    assert json.loads(events[0].data)["account_number"] == "1234567"
    assert events[1].reason == "口座番号が通帳の写真と一致しません。"
    shows(page, JA("Received")).wait_for(timeout=60_000)
    time.sleep(1)
    page.screenshot(path=str(artifacts / "procedures-resubmitted-ja.png"))


def _resident_record_at_the_counter(served, open_page, artifacts, engine, tmp_path) -> None:
    page = open_page(served)
    sign_in(page, served, HANAKO)
    open_procedures(page, served)
    type_into(page, JA("Search procedures (any spelling)"), "住民票")
    tap_id(page, "procedure-resident-record-copy")
    shows(page, JA("Application form")).wait_for()
    type_into(page, "必要な通数（必須）", "２")  # full-width digits are fine
    tap_id(page, "purpose-employment")
    tap_button(page, JA("Send application"))
    by_id(page, "application-number").wait_for(timeout=60_000)
    tap_id(page, "application-handoff")
    code_text = by_id(page, "handoff-code-text")
    code_text.wait_for(timeout=60_000)
    qr = by_id(page, "handoff-qr-image")
    in_middle_of_view(page, qr)
    time.sleep(1)
    picture = tmp_path / "counter-qr.png"
    qr.screenshot(path=str(picture))
    page.screenshot(path=str(artifacts / "procedures-handoff-qr-ja.png"))
    # The code's text is under the QR too, for a clerk to type when the camera fails.
    shown = shows(page, "TPH1.")
    shown.wait_for()
    readable = (shown.get_attribute("aria-label") or "") + " " + shown.inner_text()
    assert re.search(r"TPH1\.[A-Z0-9]+\.[0-9]+\.[A-Z0-9]+", readable), readable

    clerk = open_page(served)
    sign_in(clerk, served, SAKURA)
    open_staff_screen(clerk, served, "Counter without forms: Citizens Division")
    with clerk.expect_file_chooser() as chooser:
        tap_button(clerk, JA("Read the code from a picture"))
    chooser.value.set_files(str(picture))
    shows(clerk, JA("At the counter: {name}", name=HANAKO)).wait_for(timeout=30_000)
    submission = submission_of(engine, "resident-record-copy")
    shows(clerk, JA("Birthdate: {day}", day="1986年7月3日(木)")).wait_for()
    tap_id(clerk, f"document-{submission.id}-my_number_card")
    tap_button(clerk, JA("Identity confirmed"))
    shows(clerk, JA("Identity confirmed.")).wait_for()
    with clerk.expect_download() as download:
        tap_button(clerk, JA("Print the application form (PDF)"))
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages)
    (artifacts / "procedures-counter-form.txt").write_text(text, encoding="utf-8")

    def flat(value: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))

    with Session(engine) as session:
        hanako = session.scalars(select(Person).where(Person.name == HANAKO)).one()
    assert hanako.address
    for expected in (HANAKO, hanako.address, "住民票", "必要な通数", "就職・勤務先への提出",
                     "マイナンバーカード"):
        assert flat(expected) in flat(text), (expected, text)
    assert submission.number in text
    assert json.loads(submission.data)["copies"] == 2
    tap_button(clerk, JA("Complete the application"))
    shows(clerk, JA("Completed. The resident is notified.")).wait_for()
    time.sleep(1)
    clerk.screenshot(path=str(artifacts / "procedures-counter-done-ja.png"))
    with Session(engine) as session:
        done = session.get(ProcedureSubmission, submission.id)
    assert done is not None and done.status == "completed"
