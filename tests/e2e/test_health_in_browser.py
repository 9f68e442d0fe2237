"""Health (健康) in Chromium (issue 17): 津山 花子 (a woman of 40) on her own app with its
embedded development backend.

1. 健康 from home: the consent screen, nothing else; 「同意する」 records the consent in the
   city's ledger (its row is read from the backend's database).
2. She picks a meal photo (a drawn meal: ご飯, 味噌汁, 焼き鮭, 卵焼き on the table): the photo
   comes back with its numbered regions and their dishes; she removes two regions (she did
   not eat the salmon and the egg), adds 10 g to the rice and saves: two dishes with
   portions.
3. The day's totals and the week's chart are on the day screen; the meal says 「この端末のみ」.
4. 「マイ健康データ」: the JSON export downloads with the meal's food codes and grams.
5. She withdraws her consent: the tile is back to the consent screen (analysis stopped),
   and the ledger has the withdrawal.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from app.i18n.translator import load_translator
from backend.db import make_engine
from backend.models import HealthRecord
from backend.models.consent_record import ConsentRecord
from tests.e2e.conftest import ServedApp, start_app
from tests.e2e.interact import in_middle_of_view, scroll_until_built, tap, type_over
from tests.e2e.test_login_in_browser import keyring_env, log_in_as, shows
from tests.e2e.test_procedures_kiosk_and_english_in_browser import english_only, to_english
from tests.health_meals.generate import draw_meal

pytestmark = pytest.mark.e2e

JA = load_translator("ja")
HANAKO = "津山 花子"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    root = tmp_path_factory.mktemp("health")
    app = start_app(root / "hanako", env=keyring_env(root / "keyring.json"))
    try:
        yield app
    finally:
        if app.process.poll() is not None:
            print(app.log()[-4000:])
        app.stop()


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]').first


def consent_rows(served: ServedApp) -> list[ConsentRecord]:
    engine = make_engine(f"sqlite:///{served.data_dir / 'backend.sqlite3'}")
    try:
        with Session(engine) as session:
            return list(session.scalars(select(ConsentRecord).where(
                col(ConsentRecord.purpose) == "health_record")
                .order_by(col(ConsentRecord.recorded_at))).all())
    finally:
        engine.dispose()


def press(page, locator) -> None:
    """A tap through the accessibility tree: the portion sliders keep empty full-window
    semantics nodes (their value indicators' overlays) above the page, which catch a click
    by position, so the tap is sent to the control's own node (as a screen reader does)."""
    in_middle_of_view(page, locator)
    locator.click()


def grams_shown(page, identifier: str) -> int:
    """The grams a portion line says (「123 グラム（1.0人前）…」)."""
    node = by_id(page, identifier)
    in_middle_of_view(page, node)
    text = (node.get_attribute("aria-label") or "") + (node.text_content() or "")
    found = re.search(r"(\d+) グラム", text)
    assert found, f"no grams in {text!r}"
    return int(found.group(1))


def wait_for(check, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def test_consent_photo_review_totals_export_and_withdrawal(served, open_page, artifacts,
                                                           tmp_path: Path) -> None:
    page = open_page(served, 430, 900)
    log_in_as(page, HANAKO)
    tap(page, by_id(page, "tile-health"))
    # 1. Consent first: nothing but the text and the choice.
    shows(page, JA("Before you start")).wait_for()
    assert by_id(page, "health-photo-pick").count() == 0
    tap(page, by_id(page, "health-agree"))
    by_id(page, "health-photo-pick").wait_for()
    wait_for(lambda: [r.granted for r in consent_rows(served)] == [True],
             "the consent is in the city's ledger")

    # 2. A meal photo: four dishes found and named.
    photo = tmp_path / "meal.jpg"
    photo.write_bytes(draw_meal(0).jpeg())
    with page.expect_file_chooser() as chooser:
        tap(page, by_id(page, "health-photo-pick"))
    chooser.value.set_files(str(photo))
    by_id(page, "health-photo").wait_for(timeout=60_000)
    for number in (1, 2, 3, 4):
        scroll_until_built(page, by_id(page, f"health-region-{number}-remove"))
    page.screenshot(path=str(artifacts / "health-review.png"))
    # Adjust: the salmon (3) and the egg (4) were not eaten; more rice.
    press(page, by_id(page, "health-region-4-remove"))
    by_id(page, "health-region-4-remove").wait_for(state="detached")
    press(page, by_id(page, "health-region-3-remove"))
    by_id(page, "health-region-3-remove").wait_for(state="detached")
    rice = grams_shown(page, "health-region-2-grams")
    press(page, by_id(page, "health-region-2-more"))
    wait_for(lambda: grams_shown(page, "health-region-2-grams") == rice + 10,
             "10 g more rice")
    page.screenshot(path=str(artifacts / "health-adjusted.png"))
    press(page, by_id(page, "health-save-meal"))
    shows(page, JA("Meal saved.")).wait_for()

    # 3. The day's totals and the week's chart.
    shows(page, JA("On this device only")).wait_for()
    scroll_until_built(page, shows(page, JA("This day's totals")))
    scroll_until_built(page, shows(page, JA("The week")))
    page.screenshot(path=str(artifacts / "health-day.png"))

    # The check-ups due for a woman of 40: 特定健診 and the cancer screenings, with 予約.
    scroll_until_built(page, by_id(page, "health-open-checkups"))
    tap(page, by_id(page, "health-open-checkups"))
    shows(page, JA("Health checks and cancer screenings")).wait_for()
    scroll_until_built(page, by_id(page, "screening-book-tokutei-kenshin"))
    page.screenshot(path=str(artifacts / "health-checkups.png"))
    page.go_back()

    # 4. Export as JSON.
    scroll_until_built(page, by_id(page, "health-open-data"))
    tap(page, by_id(page, "health-open-data"))
    by_id(page, "health-export-json").wait_for()
    with page.expect_download() as download:
        tap(page, by_id(page, "health-export-json"))
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    meals = [r for r in exported["records"] if r["kind"] == "meal"]
    assert len(meals) == 1
    items = {item["source"]: item for item in meals[0]["data"]["items"]}
    assert sorted(items) == ["recipe:miso_soup", "recipe:rice"]
    assert items["recipe:rice"]["grams"] == rice + 10
    assert sum(float(line["grams"]) for line in items["recipe:rice"]["lines"]) == rice + 10
    assert all(line["code"].isdigit() for item in meals[0]["data"]["items"]
               for line in item["lines"])

    # 5. Withdraw: analysis stops (the consent screen again), the ledger has it.
    scroll_until_built(page, by_id(page, "health-revoke"))
    tap(page, by_id(page, "health-revoke"))
    tap(page, by_id(page, "confirm-yes"))
    shows(page, JA("Before you start")).wait_for()
    assert by_id(page, "health-photo-pick").count() == 0
    wait_for(lambda: [r.granted for r in consent_rows(served)] == [True, False],
             "the withdrawal is in the city's ledger")


# --- English, without a photo, sync on and off ---------------------------------------------
def health_rows(served: ServedApp) -> list[HealthRecord]:
    engine = make_engine(f"sqlite:///{served.data_dir / 'backend.sqlite3'}")
    try:
        with Session(engine) as session:
            return list(session.scalars(select(HealthRecord).order_by(
                col(HealthRecord.created_at))).all())
    finally:
        engine.dispose()


def test_in_english_a_meal_by_search_synced_then_deleted(served, open_page, artifacts) -> None:
    """津山 太郎, in English on a phone: the consent in English; a meal without a photo (「rice」
    found by search, 1 serving); nothing reaches the city until he turns sync on, then the
    record does; 「Delete all」 leaves the city a tombstone only."""
    page = open_page(served, 412, 860)
    log_in_as(page, "津山 太郎")
    to_english(page)
    tap(page, by_id(page, "tile-health"))
    shows(page, "Before you start").wait_for()
    english_only(page, ())
    tap(page, by_id(page, "health-agree"))
    tap(page, by_id(page, "health-no-photo"))
    field = by_id(page, "health-search-field")
    type_over(page, field, "rice")
    tap(page, by_id(page, "health-search-go"))
    tap(page, by_id(page, "health-hit-rice"))
    shows(page, "150 g (servings: 1)").wait_for()
    english_only(page, ())
    press(page, by_id(page, "health-save-meal"))
    shows(page, "Meal saved.").wait_for()
    scroll_until_built(page, shows(page, "This day's totals"))
    english_only(page, ())
    page.screenshot(path=str(artifacts / "health-day-en.png"))
    time.sleep(3)
    assert health_rows(served) == []  # sync is off: nothing left the device

    scroll_until_built(page, by_id(page, "health-open-data"))
    tap(page, by_id(page, "health-open-data"))
    tap(page, by_id(page, "health-sync"))
    shows(page, "Sync is on. 1 records are being sent.").wait_for()
    wait_for(lambda: len(health_rows(served)) == 1, "the record reached the city", 60)
    row = health_rows(served)[0]
    assert row.kind == "meal" and row.deleted_at is None
    assert "01088" in row.body  # the food code of 精白米 めし, with its grams

    scroll_until_built(page, by_id(page, "health-delete-all"))
    tap(page, by_id(page, "health-delete-all"))
    tap(page, by_id(page, "confirm-yes"))
    shows(page, "All health records on this device were deleted.").wait_for()
    wait_for(lambda: health_rows(served)[0].deleted_at is not None,
             "the city's copy became a tombstone", 60)
    assert health_rows(served)[0].body == "{}"
