"""The waste tile's state and reminder delivery in plain Python, with a fake repository."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from app.features.waste.reminder_delivery import ReminderDelivery
from app.features.waste.repository import (
    WasteChoice,
    WasteContent,
    describe_change,
    district_for_address,
    holidays_from,
)
from app.features.waste.state import Section, Status, WasteState
from app.shell.settings import MemorySettingsStore
from offline_store import OutboxEntry, StoreCorrupted

pytestmark = pytest.mark.anyio

# Tuesday 2026-11-24, 20:00 in Tsuyama (11:00 UTC)
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)

AREAS = [
    {"id": "a-hayashida", "name": "林田", "center": "clean-center", "towns": ["林田町"],
     "schedules": [{"kind": "燃やせるごみ", "weekly": [2, 5], "nth": [], "months": [],
                    "dates": []},
                   {"kind": "資源ごみ", "weekly": [], "nth": [[3, 4]], "months": [],
                    "dates": []}]},
    {"id": "a-center", "name": "津山中央", "center": "clean-center", "towns": ["山北"],
     "schedules": [{"kind": "燃やせるごみ", "weekly": [0, 3], "nth": [], "months": [],
                    "dates": []}]},
]
ITEMS = [
    {"id": "1", "name": "電子レンジ", "reading": "でんしれんじ", "category": "粗大ごみ",
     "notes": "", "fee_kind": "粗大ごみ処理券", "fee": 500, "fee_notes": "", "remarks": "",
     "synonyms": ["レンジ"], "source": "demo", "is_demo": True},
    {"id": "2", "name": "ペットボトル", "reading": "ぺっとぼとる", "category": "資源ごみ",
     "notes": "キャップとラベルを外す", "fee_kind": None, "fee": None, "fee_notes": "",
     "remarks": "", "synonyms": [], "source": "demo", "is_demo": True},
]
KINDS = [{"label": "燃やせるごみ", "order": 1, "color": "#ea3b13"},
         {"label": "資源ごみ", "order": 2, "color": "#77ae1f"}]


class FakeRepository:
    def __init__(self) -> None:
        self.version = 0
        self.saved: list[tuple[WasteChoice, WasteChoice]] = []
        self.stored = WasteChoice()
        self.fail: Exception | None = None

    def stamp(self) -> object:
        return self.version

    async def content(self, language: str) -> WasteContent:
        if self.fail:
            raise self.fail
        return WasteContent(ITEMS, AREAS, KINDS, [], {}, NOW)

    async def choice(self) -> WasteChoice:
        return self.stored

    async def save_choice(self, choice: WasteChoice, before: WasteChoice) -> None:
        self.saved.append((choice, before))
        self.stored = choice


def make_state(address: str | None = None,
               clock: list[datetime] | None = None) -> tuple[WasteState, FakeRepository]:
    repo = FakeRepository()
    now = clock or [NOW]
    return WasteState(repo, lambda: address, lambda: now[0]), repo  # type: ignore[arg-type]


async def test_search_finds_by_synonym_and_shows_fee():
    state, _ = make_state()
    assert state.claim_load("ja") and not state.claim_load("ja")
    await state.load("ja")
    state.set_query("レンジ")
    assert state.hits[0].item["name"] == "電子レンジ" and state.hits[0].item["fee"] == 500
    state.set_query("  ")
    assert state.hits == []


async def test_district_is_guessed_from_the_household_address_until_confirmed():
    state, repo = make_state("岡山県津山市林田町1-2")
    await state.load("ja")
    assert state.choice.district == "a-hayashida" and state.district_guessed
    assert repo.saved == []  # a guess is not a choice
    await state.confirm_guessed_district()
    assert not state.district_guessed
    assert repo.saved[-1][0].district == "a-hayashida"
    assert repo.saved[-1][1].district is None  # so the store writes it


async def test_choosing_a_district_shows_its_next_collections_and_month():
    state, repo = make_state()
    await state.load("ja")
    assert state.area is None and state.next_collections() == []
    await state.choose_district("a-hayashida")
    assert repo.stored.district == "a-hayashida"
    nxt = dict(state.next_collections())
    assert nxt["燃やせるごみ"] == date(2026, 11, 25)  # Wednesday
    assert nxt["資源ごみ"] == date(2026, 11, 26)  # the 4th Thursday of November
    cells = state.month_cells()
    assert len(cells) % 7 == 0 and cells[0].date.weekday() == 0
    state.shift_month(2)
    assert state.month == (2027, 1)
    state.shift_month(-14)
    assert state.month == (2025, 11)
    with pytest.raises(ValueError):
        await state.choose_district("nowhere")


async def test_a_reread_happens_when_the_stores_change_and_failures_say_so():
    state, repo = make_state()
    await state.load("ja")
    assert not state.claim_load("ja")
    repo.version += 1
    assert state.claim_load("ja")
    repo.fail = StoreCorrupted("disk I/O error")
    await state.load("ja")
    assert state.status is Status.FAILED and "disk" in state.error
    assert state.section is Section.SEARCH


async def test_reminders_the_evening_before_are_notified_once_and_noted_on_home():
    clock = [NOW]
    state, _ = make_state(clock=clock)
    await state.load("ja")
    await state.choose_district("a-hayashida")
    await state.set_reminder("資源ごみ", False)
    assert not state.reminder_on("資源ごみ") and state.reminder_on("燃やせるごみ")
    sent: list[tuple[str, str]] = []
    store = MemorySettingsStore()
    delivery = ReminderDelivery(state, store, lambda t, m: sent.append((t, m)),
                                lambda: clock[0], lambda msg, **kw: msg.format(**kw))
    due = await delivery.tick("ja")  # 20:00 on the 24th: Wednesday's collection is due
    assert [(r.kind, r.collection_day) for r in due] == [("燃やせるごみ", date(2026, 11, 25))]
    assert len(sent) == 1 and "燃やせるごみ" in sent[0][1]
    assert [r.kind for r in delivery.notes] == ["燃やせるごみ"]
    assert await delivery.tick("ja") == []  # not twice
    assert json.loads(store.raw or "[]") == ["waste:2026-11-25:燃やせるごみ"]

    again = ReminderDelivery(state, store, lambda t, m: sent.append((t, m)),
                             lambda: clock[0], lambda msg, **kw: msg.format(**kw))
    assert await again.tick("ja") == []  # a restart does not notify again
    clock[0] = NOW + timedelta(hours=13)  # 9:00 on the 25th: collected
    await again.tick("ja")
    assert again.notes == []


def test_address_matching_prefers_the_longest_name():
    areas = [{"id": "x", "name": "林田"}, {"id": "y", "name": "林田北", "towns": []}]
    assert district_for_address("岡山県津山市林田北1", areas) == "y"
    assert district_for_address("岡山県津山市林田", areas) == "x"
    assert district_for_address("岡山県岡山市北区", areas) is None
    assert district_for_address(None, areas) is None


def test_holidays_and_change_names():
    found = holidays_from([{"date": "2026-11-23", "name_ja": "勤労感謝の日",
                            "name_en": "Labour Thanksgiving Day"}, {"date": "bad"}], "en")
    assert found == {date(2026, 11, 23): "Labour Thanksgiving Day"}
    entry = OutboxEntry(1, "m", "preferences", "waste.district", "set", {}, NOW, "pending")
    assert describe_change(entry) == ("Your district for waste collection was changed", {})
