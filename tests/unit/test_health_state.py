"""The health tile's state (app/features/health/state.py) over fakes of its ports: the consent
gate (nothing analysed without it; granting needs the city's ledger; withdrawing stops at
once and reaches the ledger later when offline; a child of 12 or more accepts first), the
meal saved as food codes and grams, the dish memory, the photo forgotten unless kept, sync,
deletion, vessel sizes, recent dishes and the photo's refusals."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.features.health import state as state_module
from app.features.health.consent import consent_text
from app.features.health.meal.draft import NOT_FOOD
from app.features.health.photo.hints import DishMemory
from app.features.health.photo.pipeline import MealAnalysis, analyse
from app.features.health.photo.portion import VesselSizes
from app.features.health.ports import Child, StoredRecord
from app.features.health.repository import decode_bytes, encode_bytes
from app.features.health.state import MEMORY, PHOTO_REFUSALS, SETTINGS, HealthState, Subject
from backend_client.errors import BackendUnavailable
from tests.health_meals.generate import draw_meal

pytestmark = pytest.mark.anyio

ME = Subject("common-0001-resident", "", 40)
NOW = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)  # 12:30 in Tokyo: lunch
LEDGER_ERROR = ("Your consent could not be recorded in the city's consent ledger. Connect to "
                "the internet and try again.")


class FakeRepo:
    """The device's store: records (synced or not) and device values, in memory."""

    def __init__(self) -> None:
        self.rows: dict[str, StoredRecord] = {}
        self.values: dict[str, Any] = {}
        self.adds: list[tuple[str, bool]] = []
        self.deleted: list[str] = []
        self.sent_calls = 0
        self.delete_all_calls = 0
        self.version = 0

    def available(self) -> bool:
        return True

    def stamp(self) -> object:
        return self.version

    async def records(self) -> list[StoredRecord]:
        return list(self.rows.values())

    async def add_record(self, record: dict[str, Any], *, sync: bool) -> None:
        self.rows[record["id"]] = StoredRecord(record, sync)
        self.adds.append((record["id"], sync))
        self.version += 1

    async def delete_record(self, record_id: str) -> None:
        self.rows.pop(record_id, None)
        self.deleted.append(record_id)
        self.version += 1

    async def send_unsent(self) -> int:
        self.sent_calls += 1
        unsent = [key for key, row in self.rows.items() if not row.synced]
        for key in unsent:
            self.rows[key] = StoredRecord(self.rows[key].data, True)
        return len(unsent)

    async def delete_all(self) -> int:
        self.delete_all_calls += 1
        count = len(self.rows)
        self.rows.clear()
        self.values = {k: v for k, v in self.values.items() if k == SETTINGS}
        return count

    async def device_value(self, key: str) -> Any:
        return self.values.get(key)

    async def set_device_value(self, key: str, value: Any) -> None:
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value


class FakeOnline:
    """The consent ledger (offline when `offline`) and the household."""

    def __init__(self, children: list[Child] | None = None) -> None:
        self.offline = False
        self.ledger: list[tuple[int, bool, str, str | None]] = []
        self._children = children or []

    async def record_consent(self, version: int, granted: bool, text_sha256: str,
                             on_behalf_of: str | None = None) -> None:
        if self.offline:
            raise BackendUnavailable("no network")
        self.ledger.append((version, granted, text_sha256, on_behalf_of))

    async def children(self) -> list[Child]:
        return list(self._children)


def make_state(repo: FakeRepo | None = None, online: FakeOnline | None = None) -> HealthState:
    return HealthState(repo or FakeRepo(), online or FakeOnline(), ME, "female", lambda: NOW)


async def consented_state(repo: FakeRepo | None = None,
                          online: FakeOnline | None = None) -> HealthState:
    health = make_state(repo, online)
    await health.load()
    assert await health.grant("ja")
    return health


@pytest.fixture(scope="module")
def meal_jpeg() -> bytes:
    """Meal 0 of the drawn meals: miso soup, rice, salmon and tamagoyaki."""
    return draw_meal(0).jpeg()


VERSION = consent_text().version
SHA_JA = consent_text().sha256("ja")


# --- consent ---------------------------------------------------------------------------------

async def test_nothing_is_analysed_without_consent(meal_jpeg: bytes,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []

    def spy(data: bytes, *args: Any, **kwargs: Any) -> MealAnalysis:
        calls.append(data)
        return analyse(data, *args, **kwargs)

    monkeypatch.setattr(state_module, "analyse", spy)
    health = make_state()
    await health.load()
    assert not health.consented
    assert await health.analyse_photo(meal_jpeg) is False
    assert health.error == "Agree to the analysis first."
    assert health.draft is None
    assert calls == []
    health.start_without_photo()
    assert health.draft is None
    assert health.error == "Agree to the analysis first."


async def test_grant_records_in_the_ledger_then_on_the_device() -> None:
    repo, online = FakeRepo(), FakeOnline()
    health = make_state(repo, online)
    await health.load()
    assert await health.grant("ja") is True
    assert online.ledger == [(VERSION, True, SHA_JA, None)]
    assert health.consented
    assert health.message == "Thank you. You can now record meals."
    kept = repo.values[SETTINGS]["consent"][ME.common_id]
    assert kept["version"] == VERSION
    assert kept["granted_at"] == "2026-12-05T12:30:00+09:00"
    assert kept["child_agreed"] is False
    # a new session reads it back from the device
    again = make_state(repo, online)
    await again.load()
    assert again.consented


async def test_grant_offline_keeps_no_consent() -> None:
    repo, online = FakeRepo(), FakeOnline()
    online.offline = True
    health = make_state(repo, online)
    await health.load()
    assert await health.grant("en") is False
    assert health.error == LEDGER_ERROR
    assert not health.consented
    assert not health.busy
    assert "consent" not in (repo.values.get(SETTINGS) or {})
    assert online.ledger == []


async def test_revoke_drops_the_draft_and_tells_the_ledger(meal_jpeg: bytes) -> None:
    repo, online = FakeRepo(), FakeOnline()
    health = await consented_state(repo, online)
    assert await health.analyse_photo(meal_jpeg)
    assert health.draft is not None
    await health.revoke("ja")
    assert health.draft is None
    assert not health.consented
    assert online.ledger[-1] == (VERSION, False, SHA_JA, None)
    assert repo.values[SETTINGS]["ledger_pending"] == []
    assert ME.common_id not in repo.values[SETTINGS]["consent"]
    assert health.message.startswith("Consent withdrawn.")
    assert await health.analyse_photo(meal_jpeg) is False
    assert health.error == "Agree to the analysis first."


async def test_revoke_offline_is_queued_and_sent_at_the_next_load() -> None:
    repo, online = FakeRepo(), FakeOnline()
    health = await consented_state(repo, online)
    online.offline = True
    await health.revoke("en")
    assert not health.consented  # stops on the device at once
    pending = repo.values[SETTINGS]["ledger_pending"]
    assert pending == [{"subject": ME.common_id, "is_child": False, "version": VERSION,
                        "sha": consent_text().sha256("en")}]
    assert [granted for _v, granted, _s, _b in online.ledger] == [True]
    # still offline: the next load keeps it queued
    await make_state(repo, online).load()
    assert len(repo.values[SETTINGS]["ledger_pending"]) == 1
    online.offline = False
    later = make_state(repo, online)
    await later.load()
    assert online.ledger[-1] == (VERSION, False, consent_text().sha256("en"), None)
    assert repo.values[SETTINGS]["ledger_pending"] == []
    assert not later.consented


async def test_consent_withdrawn_while_the_photo_is_analysed_stops_it(
        meal_jpeg: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    health = await consented_state()

    def withdrawn_meanwhile(data: bytes, *args: Any, **kwargs: Any) -> MealAnalysis:
        health.settings["consent"].pop(ME.common_id)  # what revoke() does first
        return analyse(data, *args, **kwargs)

    monkeypatch.setattr(state_module, "analyse", withdrawn_meanwhile)
    assert await health.analyse_photo(meal_jpeg) is False
    assert health.draft is None
    assert not health.analysing


async def test_a_child_of_12_accepts_first() -> None:
    child = Child("common-0002-child", "津山 太郎", 12)
    online = FakeOnline([child])
    repo = FakeRepo()
    health = await consented_state(repo, online)
    await health.load_children()
    health.choose_subject(child.common_id)
    assert health.subject.is_child
    assert not health.consented  # the parent's consent is not the child's
    assert health.needs_child_screen
    assert await health.grant("ja") is False
    assert health.error == "The child must read and accept first."
    assert len(online.ledger) == 1  # only the parent's own
    health.child_accepts()
    assert not health.needs_child_screen
    assert await health.grant("ja") is True
    assert online.ledger[-1] == (VERSION, True, SHA_JA, child.common_id)
    assert repo.values[SETTINGS]["consent"][child.common_id]["child_agreed"] is True
    assert health.consented
    # the acceptance is this visit's only; the consent kept on the device stays
    health.choose_subject(ME.common_id)
    health.choose_subject(child.common_id)
    assert health.child_agreed is False
    assert health.consented
    await health.revoke("ja")
    assert online.ledger[-1] == (VERSION, False, SHA_JA, child.common_id)
    assert not health.consented
    health.choose_subject(ME.common_id)
    assert health.consented  # the parent's own consent is untouched


async def test_a_child_under_12_needs_only_the_parent() -> None:
    child = Child("common-0003-child", "津山 花", 11)
    online = FakeOnline([child])
    health = await consented_state(online=online)
    await health.load_children()
    health.choose_subject(child.common_id)
    assert not health.needs_child_screen
    assert await health.grant("en") is True
    assert online.ledger[-1] == (VERSION, True, consent_text().sha256("en"), child.common_id)
    decision = health.decision()
    assert decision is not None
    assert decision.child_agreed is False


async def test_only_the_resident_or_their_children_may_be_chosen() -> None:
    health = await consented_state(online=FakeOnline([Child("c1", "子", 5)]))
    await health.load_children()
    with pytest.raises(ValueError):
        health.choose_subject("someone-else")
    health.choose_subject("c1")
    assert health.subject_id == "c1"


# --- the meal ----------------------------------------------------------------------------------

def _only_rice(health: HealthState, grams: int = 150) -> None:
    draft = health.draft
    assert draft is not None
    rice = next(rid for rid, c in draft.choices.items() if c.source == "recipe:rice")
    for region in draft.regions:
        if region.id != rice:
            draft.choose(region.id, NOT_FOOD)
    draft.set_grams(rice, grams)


async def test_save_meal_writes_codes_and_grams_learns_and_forgets_the_photo(
        meal_jpeg: bytes) -> None:
    repo = FakeRepo()
    health = await consented_state(repo)
    assert await health.analyse_photo(meal_jpeg)
    assert health.meal_kind == "lunch"
    _only_rice(health)
    assert await health.save_meal("ja") is True
    assert health.message == "Meal saved."
    assert health.draft is None
    [(record_id, sync)] = repo.adds
    assert sync is False  # sync is off until the resident turns it on
    record = repo.rows[record_id].data
    assert record["kind"] == "meal"
    assert record["subject"] == ME.common_id
    assert record["recorded_at"] == "2026-12-05T12:30:00+09:00"
    assert record["data"]["meal"] == "lunch"
    assert record["data"]["photo_kept"] is False
    assert record["data"]["items"] == [{"label": "ご飯", "source": "recipe:rice", "grams": 150,
                                        "estimate": True,
                                        "lines": [{"code": "01088", "grams": "150"}]}]
    assert record["data"]["totals"]["energy_kcal"] == "234"  # 01088: 156 kcal/100 g × 1.5
    assert record["data"]["totals"]["protein_g"] == "3.8"  # 2.5 × 1.5 = 3.75
    assert not any(key.startswith("photo:") for key in repo.values)
    memory_bytes = decode_bytes(repo.values[MEMORY])
    assert memory_bytes is not None
    memory = DishMemory.from_bytes(memory_bytes)
    assert len(memory) == 1  # only the dish confirmed ("not food" is not learned)
    assert [r.id for r in health.records] == [record_id]
    assert health.day_records()[0].id == record_id


async def test_a_kept_photo_is_stored_under_the_record(meal_jpeg: bytes) -> None:
    repo = FakeRepo()
    health = await consented_state(repo)
    assert await health.analyse_photo(meal_jpeg)
    assert health.draft is not None and health.draft.analysis is not None
    jpeg = health.draft.analysis.photo.jpeg
    health.draft.keep_photo = True
    _only_rice(health)
    assert await health.save_meal("ja")
    [(record_id, _sync)] = repo.adds
    assert repo.rows[record_id].data["data"]["photo_kept"] is True
    assert repo.values["photo:" + record_id] == encode_bytes(jpeg)
    await health.delete_record(record_id)
    assert "photo:" + record_id not in repo.values
    assert repo.deleted == [record_id]


async def test_save_meal_refusals(meal_jpeg: bytes) -> None:
    repo = FakeRepo()
    health = await consented_state(repo)
    assert await health.analyse_photo(meal_jpeg)
    draft = health.draft
    assert draft is not None and draft.analysis is not None
    width, height = draft.analysis.photo.size
    health.edit(lambda d: d.add_at(width - 20, height - 20))
    assert draft.unchosen() == [5]
    assert await health.save_meal("ja") is False
    assert health.error == "Choose a dish or 'not food' for every numbered region."
    for region in draft.regions:
        draft.choose(region.id, NOT_FOOD)
    assert await health.save_meal("ja") is False
    assert health.error == "Add at least one dish."
    assert repo.adds == []
    health.edit(lambda d: d.set_grams(d.regions[0].id, 10))  # "not food" has no grams
    assert health.error == "That change cannot be made to this region."
    draft.choose(draft.regions[0].id, "recipe:rice")
    health.edit(lambda d: d.set_grams(d.regions[0].id, 6000))
    assert health.error == "Enter grams between 1 and 5,000."
    health.edit(lambda d: d.merge_with_next(d.regions[-1].id))
    assert health.error == "That change cannot be made to this region."


async def test_a_meal_without_a_photo(monkeypatch: pytest.MonkeyPatch) -> None:
    repo = FakeRepo()
    health = await consented_state(repo)
    health.start_without_photo()
    assert health.draft is not None and not health.draft.has_photo
    assert await health.save_meal("en") is False
    assert health.error == "Add at least one dish."
    health.draft.add_extra("food:01088", Decimal(200))
    assert await health.save_meal("en")
    [(record_id, _sync)] = repo.adds
    data = repo.rows[record_id].data["data"]
    assert data["items"][0]["estimate"] is False
    assert data["totals"]["energy_kcal"] == "312"  # 156 × 2
    assert MEMORY not in repo.values  # nothing from a photo to learn


# --- sync, deletion, settings --------------------------------------------------------------

async def test_sync_off_keeps_records_on_the_device_and_on_sends_them() -> None:
    repo = FakeRepo()
    health = await consented_state(repo)
    assert not health.sync_on
    assert await health.save_body("62.5", "")
    assert await health.save_body("", "8000")
    assert [sync for _id, sync in repo.adds] == [False, False]
    await health.set_sync(True)
    assert repo.sent_calls == 1
    assert health.sent_count == 2
    assert health.message == "Sync is on. {count} records are being sent."
    assert repo.values[SETTINGS]["sync"] is True
    assert all(row.synced for row in repo.rows.values())
    assert await health.save_body("63", "")
    assert repo.adds[-1][1] is True
    await health.set_sync(True)
    assert health.message == "Sync is on."  # nothing left to send
    await health.set_sync(False)
    assert health.message == "Sync is off. New records stay on this device."
    assert repo.sent_calls == 2
    assert await health.save_body("64", "")
    assert repo.adds[-1][1] is False


async def test_save_body_refuses_impossible_values() -> None:
    repo = FakeRepo()
    health = await consented_state(repo)
    assert await health.save_body("401", "") is False
    assert health.error.startswith("Enter a weight between 2 and 400 kg")
    assert await health.save_body("", "") is False
    assert repo.adds == []


async def test_delete_all_forgets_records_memory_and_draft(meal_jpeg: bytes) -> None:
    repo = FakeRepo()
    health = await consented_state(repo)
    assert await health.analyse_photo(meal_jpeg)
    _only_rice(health)
    assert await health.save_meal("ja")
    assert await health.analyse_photo(meal_jpeg)
    await health.delete_all()
    assert repo.delete_all_calls == 1
    assert health.draft is None
    assert health.memory is not None and len(health.memory) == 0
    assert health.records == []
    assert health.message == "All health records on this device were deleted."
    assert health.consented  # the consent stays (withdrawing is its own step)


async def test_vessel_sizes_are_checked() -> None:
    repo = FakeRepo()
    health = await consented_state(repo)
    assert health.vessel_sizes == VesselSizes(26.0, 12.0)
    assert await health.set_vessel_sizes("30", "15") is True
    assert health.vessel_sizes == VesselSizes(30.0, 15.0)
    assert repo.values[SETTINGS]["vessels"] == {"plate_cm": 30.0, "bowl_cm": 15.0}
    for plate, bowl in (("abc", "12"), ("26", ""), ("", ""), ("Infinity", "12")):
        assert await health.set_vessel_sizes(plate, bowl) is False
        assert health.error == "Enter sizes in centimetres."
    for plate, bowl in (("9.9", "12"), ("45.1", "12"), ("26", "5.9"), ("26", "25.5")):
        assert await health.set_vessel_sizes(plate, bowl) is False
        assert health.error == "A plate is 10 to 45 cm across, a bowl 6 to 25 cm."
    assert health.vessel_sizes == VesselSizes(30.0, 15.0)
    assert await health.set_vessel_sizes("10", "6")
    assert await health.set_vessel_sizes("45", "25")


async def test_vessel_sizes_refuse_not_a_number() -> None:
    health = await consented_state()
    assert await health.set_vessel_sizes("NaN", "12") is False
    assert health.error == "Enter sizes in centimetres."


async def test_recent_sources_are_this_persons_latest_dishes_newest_first() -> None:
    repo = FakeRepo()

    def meal(record_id: str, at: str, sources: list[str], subject: str = ME.common_id
             ) -> dict[str, Any]:
        items = [{"label": s, "source": s, "grams": 100, "estimate": False,
                  "lines": [{"code": "01088", "grams": "100"}]} for s in sources]
        return {"id": record_id * 32, "kind": "meal", "subject": subject, "recorded_at": at,
                "created_at": at, "data": {"meal": "lunch", "items": items, "totals": {},
                                           "photo_kept": False}}

    for raw in (meal("a", "2026-12-01T12:00:00+09:00", ["recipe:rice", "recipe:miso_soup"]),
                meal("b", "2026-12-03T12:00:00+09:00", ["recipe:curry_rice", "recipe:rice"]),
                meal("c", "2026-12-04T12:00:00+09:00", ["recipe:gyudon"], subject="other"),
                meal("d", "2026-12-02T08:00:00+09:00", ["food:12004"])):
        await repo.add_record(raw, sync=False)
    health = make_state(repo)
    await health.load()
    assert health.recent_sources() == ["recipe:curry_rice", "recipe:rice", "food:12004",
                                       "recipe:miso_soup"]
    assert health.recent_sources(limit=2) == ["recipe:curry_rice", "recipe:rice"]


# --- the photo's refusals -----------------------------------------------------------------

def _png_claiming(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + \
        struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0) + b"\x00" * 4


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"),
    (b"not an image", "not_an_image"),
    (_png_claiming(50_000, 50_000), "too_large"),  # a decompression bomb's header
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "corrupt"),
])
async def test_photo_refusals_become_messages(data: bytes, code: str) -> None:
    health = await consented_state()
    assert await health.analyse_photo(data) is False
    assert health.error == PHOTO_REFUSALS[code]
    assert health.draft is None
    assert not health.analysing


def test_the_refusal_texts() -> None:
    assert PHOTO_REFUSALS["empty"] == "The file is empty. Choose a photo of your meal."
    assert PHOTO_REFUSALS["too_large"].startswith("The photo is too large.")
    assert set(PHOTO_REFUSALS) == {"empty", "too_large", "not_an_image", "corrupt"}


async def test_a_queued_withdrawal_never_lands_after_a_later_consent() -> None:
    repo, online = FakeRepo(), FakeOnline()
    health = await consented_state(repo, online)
    online.offline = True
    await health.revoke("ja")
    online.offline = False
    assert await health.grant("ja")  # agreed again, online, before any reload
    await make_state(repo, online).load()
    assert [granted for _v, granted, _s, _b in online.ledger][-1] is True
    assert repo.values[SETTINGS].get("ledger_pending", []) == []
