"""The health tile's state for one session (plain Python; the views only render it): the
consent gate, the records of whoever the resident keeps them for, the meal being reviewed,
the day shown, sync and deletion. Every analysis checks the consent first, so withdrawing
it stops the next one at once and drops the photo under review."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.features.health.consent import (
    ConsentText,
    Decision,
    consent_text,
    granted_now,
    needs_child_screen,
)
from app.features.health.meal.draft import MealDraft
from app.features.health.nutrition.food_table import FoodTable, NutrientKey, default_table
from app.features.health.nutrition.recipes import Recipe, by_id, default_recipes
from app.features.health.nutrition.reference_intakes import Sex
from app.features.health.nutrition.search import NutritionSearch, SearchHit
from app.features.health.nutrition.totals import Totals
from app.features.health.photo.hints import DishMemory
from app.features.health.photo.intake import PhotoRefused
from app.features.health.photo.pipeline import analyse
from app.features.health.photo.portion import VesselSizes
from app.features.health.photo.regions import EditRefused
from app.features.health.ports import Child, HealthOnline, HealthRepository, StoredRecord
from app.features.health.records import (
    CITY_TZ,
    Record,
    RecordRefused,
    body_record,
    meal_of_hour,
    meal_record,
    read_records,
    totals_by_day,
)
from app.features.health.repository import decode_bytes, encode_bytes
from app.features.health.trends.advice import (
    Advice,
    advise,
    notification_for,
    notification_key,
)
from app.features.health.trends.series import week
from app.features.health.trends.targets import DayTargets, day_targets
from backend_client.errors import BackendError

log = logging.getLogger(__name__)

SETTINGS = "settings"
MEMORY = "dish_memory"
PHOTO_PREFIX = "photo:"
PHOTO_REFUSALS = {
    "empty": "The file is empty. Choose a photo of your meal.",
    "too_large": "The photo is too large. Choose one under 30 MB and 40 megapixels.",
    "not_an_image": "This is not a photo the app can read (JPEG, PNG or WebP). On an "
                    "iPhone, choose 'Most compatible' in the camera's formats.",
    "corrupt": "The photo is damaged and cannot be read.",
}


# Every text the state sets as `message` or `error` (English message ids; the views
# translate them): listed so the catalogue test finds them.
STATE_MESSAGES = (
    'A plate is 10 to 45 cm across, a bowl 6 to 25 cm.',
    'Add at least one dish.',
    'Agree to the analysis first.',
    'All health records on this device were deleted.',
    "Choose a dish or 'not food' for every numbered region.",
    'Consent withdrawn. Analysis has stopped; your records stay until you delete them.',
    'Deleted.',
    'Enter a weight between 2 and 400 kg or steps between 0 and 200,000.',
    'Enter grams between 1 and 5,000.',
    'Enter sizes in centimetres.',
    'Exported.',
    'Meal saved.',
    'No dishes were found in the photo. Tap the photo where a dish is, or add dishes by search.',
    'Saved.',
    'Sync is off. New records stay on this device.',
    'Sync is on.',
    'Sync is on. {count} records are being sent.',
    'Thank you. You can now record meals.',
    'That change cannot be made to this region.',
    'The child must read and accept first.',
    'The photo is too dark to find dishes. Add them by search below.',
    "Your consent could not be recorded in the city's consent ledger. Connect to the internet "
    "and try again.",
)


@dataclass(frozen=True)
class Subject:
    common_id: str
    name: str  # "" for the resident themselves
    age: int | None
    is_child: bool = False


class HealthState:
    def __init__(self, repo: HealthRepository, online: HealthOnline, me: Subject,
                 sex: str | None, now: Callable[[], datetime],
                 save_file: Callable[[str, bytes], Any] | None = None) -> None:
        self.repo = repo
        self.online = online
        self.me = me
        self.profile_sex = sex
        self._now = now
        self._save_file = save_file
        self.table: FoodTable = default_table()
        self.recipes: dict[str, Recipe] = by_id(default_recipes())
        self._search: NutritionSearch | None = None
        self.loading = False
        self.loaded_stamp: object = None
        self.settings: dict[str, Any] = {}
        self.stored: list[StoredRecord] = []
        self.records: list[Record] = []
        self.children: list[Child] = []
        self.subject_id = me.common_id
        self.memory: DishMemory | None = None
        self.draft: MealDraft | None = None
        self.meal_kind = "lunch"
        self.analysing = False
        self.busy = False
        self.message = ""  # English msgid of the last outcome (shown once)
        self.error = ""  # English msgid of the last refusal
        self.search_text = ""
        self.search_target: int | None = None  # the region a search result will name
        self.hits: list[SearchHit] = []
        self.day: date = self.today()
        self.week_nutrient = NutrientKey.FAT_G
        self.child_agreed = False  # the child's own screen was accepted (this visit)
        self.revision = 0
        self.sent_count = 0  # records sent when sync was last turned on (the message's count)
        self.shown_route = ""  # the screen the last message belongs to (the wiring's)

    # --- time ---------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._now().astimezone(CITY_TZ)

    def today(self) -> date:
        return self.now().date()

    # --- loading -----------------------------------------------------------------------------
    def claim_load(self) -> bool:
        if self.loading or (self.loaded_stamp is not None
                            and self.loaded_stamp == self.repo.stamp()):
            return False
        self.loading = True
        return True

    async def load(self) -> None:
        try:
            if not self.repo.available():
                return
            stamp = self.repo.stamp()
            raw = await self.repo.device_value(SETTINGS)
            self.settings = raw if isinstance(raw, dict) else {}
            self.stored = await self.repo.records()
            self.records = read_records(s.data for s in self.stored)
            memory = decode_bytes(await self.repo.device_value(MEMORY))
            try:
                self.memory = DishMemory.from_bytes(memory) if memory else DishMemory()
            except ValueError:
                log.warning("the dish memory could not be read; starting a new one")
                self.memory = DishMemory()
            self.loaded_stamp = stamp
            await self._send_pending_ledger()
        finally:
            self.loading = False
            self.revision += 1

    async def load_children(self) -> None:
        self.children = await self.online.children()
        self.revision += 1

    # --- whose record ------------------------------------------------------------------------
    @property
    def subject(self) -> Subject:
        if self.subject_id == self.me.common_id:
            return self.me
        child = next((c for c in self.children if c.common_id == self.subject_id), None)
        if child is None:
            return self.me
        return Subject(child.common_id, child.name, child.age, is_child=True)

    def choose_subject(self, common_id: str) -> None:
        if common_id != self.me.common_id and all(c.common_id != common_id
                                                  for c in self.children):
            raise ValueError("not someone whose record you may keep")
        self.subject_id = common_id
        self.draft = None
        self.child_agreed = False
        self._clear()

    @property
    def sex(self) -> str | None:
        chosen = self.settings.get("sex", {}).get(self.subject_id)
        if chosen in ("male", "female"):
            return str(chosen)
        return self.profile_sex if not self.subject.is_child else None

    @property
    def age(self) -> int | None:
        return self.subject.age

    async def set_sex(self, sex: str) -> None:
        if sex not in ("male", "female"):
            raise ValueError("male or female")
        self.settings.setdefault("sex", {})[self.subject_id] = sex
        await self._save_settings()

    # --- consent -----------------------------------------------------------------------------
    @property
    def text(self) -> ConsentText:
        return consent_text()

    def decision(self) -> Decision | None:
        return Decision.from_json(self.settings.get("consent", {}).get(self.subject_id))

    @property
    def consented(self) -> bool:
        decision = self.decision()
        return decision is not None and decision.current(self.text)

    @property
    def needs_child_screen(self) -> bool:
        """A child old enough reads and accepts the consent themselves first."""
        subject = self.subject
        return subject.is_child and needs_child_screen(subject.age) and not self.child_agreed

    def child_accepts(self) -> None:
        self.child_agreed = True
        self.revision += 1

    async def grant(self, language: str) -> bool:
        """Records the consent in the city's ledger (needs the network), then on the device."""
        self._clear()
        subject = self.subject
        if self.needs_child_screen:
            self.error = "The child must read and accept first."
            return False
        # A withdrawal still queued from offline goes first, so the ledger ends with this
        # consent, not with the older withdrawal sent after it.
        await self._send_pending_ledger()
        if any(item.get("subject") == subject.common_id
               for item in self.settings.get("ledger_pending", [])):
            self.error = ("Your consent could not be recorded in the city's consent ledger. "
                          "Connect to the internet and try again.")
            return False
        self.busy = True
        try:
            await self.online.record_consent(
                self.text.version, True, self.text.sha256(language),
                on_behalf_of=subject.common_id if subject.is_child else None)
        except BackendError as exc:
            log.info("consent not recorded: %s", exc)
            self.error = ("Your consent could not be recorded in the city's consent ledger. "
                          "Connect to the internet and try again.")
            return False
        finally:
            self.busy = False
        decision = Decision(self.text.version, granted_now(self.now()),
                            child_agreed=subject.is_child and self.child_agreed)
        self.settings.setdefault("consent", {})[subject.common_id] = decision.as_json()
        await self._save_settings()
        self.message = "Thank you. You can now record meals."
        return True

    async def revoke(self, language: str) -> None:
        """Stops at once on the device (the photo under review is dropped); the ledger
        records it now, or at the next load when offline."""
        self._clear()
        subject = self.subject
        self.settings.setdefault("consent", {}).pop(subject.common_id, None)
        self.draft = None
        pending = self.settings.setdefault("ledger_pending", [])
        pending.append({"subject": subject.common_id, "is_child": subject.is_child,
                        "version": self.text.version, "sha": self.text.sha256(language)})
        await self._save_settings()
        await self._send_pending_ledger()
        self.message = "Consent withdrawn. Analysis has stopped; your records stay until " \
                       "you delete them."

    async def _send_pending_ledger(self) -> None:
        pending = list(self.settings.get("ledger_pending", []))
        if not pending:
            return
        left = []
        for item in pending:
            try:
                await self.online.record_consent(
                    int(item["version"]), False, str(item["sha"]),
                    on_behalf_of=item["subject"] if item.get("is_child") else None)
            except BackendError:
                left.append(item)
            except (KeyError, TypeError, ValueError):
                continue  # a damaged entry is dropped
        if left != pending:
            self.settings["ledger_pending"] = left
            await self._save_settings()

    # --- photo to meal -----------------------------------------------------------------------
    async def analyse_photo(self, data: bytes) -> bool:
        self._clear()
        if not self.consented:
            self.error = "Agree to the analysis first."
            return False
        self.analysing = True
        self.revision += 1
        try:
            known = [*self.recipes, *(food.code for food in self.table)]
            analysis = await asyncio.to_thread(analyse, data, self.memory, known=known)
        except PhotoRefused as exc:
            self.error = PHOTO_REFUSALS.get(exc.code, PHOTO_REFUSALS["corrupt"])
            return False
        finally:
            self.analysing = False
            self.revision += 1
        if not self.consented:  # withdrawn while the photo was analysed
            return False
        self.draft = MealDraft.from_photo(analysis, self.table, self.recipes, self.memory,
                                          self.vessel_sizes)
        self.meal_kind = meal_of_hour(self.now().hour)
        if analysis.found.too_dark:
            self.error = "The photo is too dark to find dishes. Add them by search below."
        elif not analysis.found.regions:
            self.error = "No dishes were found in the photo. Tap the photo where a dish " \
                         "is, or add dishes by search."
        return True

    def start_without_photo(self) -> None:
        if not self.consented:
            self.error = "Agree to the analysis first."
            return
        self._clear()
        self.draft = MealDraft(self.table, self.recipes, memory=self.memory)
        self.meal_kind = meal_of_hour(self.now().hour)

    def cancel_meal(self) -> None:
        self.draft = None
        self._clear()

    def edit(self, change: Callable[[MealDraft], Any]) -> None:
        """One of the draft's edits; a refusal becomes the screen's message."""
        self._clear()
        if self.draft is None:
            return
        try:
            change(self.draft)
        except EditRefused as exc:
            log.info("edit refused: %s", exc)
            self.error = "That change cannot be made to this region."
        except ValueError as exc:
            log.info("edit refused: %s", exc)
            self.error = "Enter grams between 1 and 5,000." if "gram" in str(exc) \
                else "That change cannot be made to this region."
        self.revision += 1

    def search_for(self, region_id: int) -> None:
        self.search_target = region_id
        self.revision += 1

    def search(self, text: str, language: str) -> None:
        self.search_text = text
        if self._search is None:
            self._search = NutritionSearch(self.table, self.recipes.values())
        self.hits = self._search.search(text, limit=12, language=language) if text.strip() \
            else []
        self.revision += 1

    def recent_sources(self, limit: int = 8) -> list[str]:
        """The dishes of this person's latest meals, newest first, each once."""
        seen: list[str] = []
        for record in reversed(self.mine()):
            if record.kind != "meal":
                continue
            for item in record.data.get("items") or ():
                source = str(item.get("source"))
                if source not in seen:
                    seen.append(source)
        return seen[:limit]

    # --- quick entry: a meal again, in one tap -------------------------------------------
    @staticmethod
    def meal_key(items: Any) -> str:
        """The same dishes, whatever their grams or order: one entry in the quick lists."""
        return "|".join(sorted(str(i.get("source")) for i in items or ()
                               if isinstance(i, dict)))

    def favourites(self) -> list[dict[str, Any]]:
        found = self.settings.get("favourites", {}).get(self.subject_id, [])
        return [f for f in found if isinstance(f, dict) and f.get("items")]

    def is_favourite(self, record: Record) -> bool:
        key = self.meal_key(record.data.get("items"))
        return any(f.get("key") == key for f in self.favourites())

    async def toggle_favourite(self, record: Record) -> None:
        items = [dict(i) for i in record.data.get("items") or () if isinstance(i, dict)]
        key = self.meal_key(items)
        mine = [f for f in self.favourites() if f.get("key") != key]
        if len(mine) == len(self.favourites()):
            mine.insert(0, {"key": key, "items": [
                {"source": i.get("source"), "grams": i.get("grams"), "label": i.get("label")}
                for i in items]})
        self.settings.setdefault("favourites", {})[self.subject_id] = mine[:12]
        await self._save_settings()

    def recent_meals(self, limit: int = 4) -> list[dict[str, Any]]:
        """The latest meals, newest first, each set of dishes once (favourites apart)."""
        taken = {f.get("key") for f in self.favourites()}
        out: list[dict[str, Any]] = []
        for record in reversed(self.mine()):
            if record.kind != "meal":
                continue
            items = [dict(i) for i in record.data.get("items") or () if isinstance(i, dict)]
            key = self.meal_key(items)
            if key and key not in taken:
                taken.add(key)
                out.append({"key": key, "items": items})
            if len(out) >= limit:
                break
        return out

    def start_from_meal(self, items: list[dict[str, Any]]) -> None:
        """A meal eaten before, ready to check and save: its dishes with their grams."""
        self.start_without_photo()
        draft = self.draft
        if draft is None:
            return
        for item in items:
            try:
                draft.add_extra(str(item.get("source")), item.get("grams"))
            except (ValueError, ArithmeticError):
                log.info("a dish of a meal eaten before is no longer known; left out")
        self.revision += 1

    async def save_meal(self, language: str) -> bool:
        self._clear()
        draft = self.draft
        if draft is None:
            return False
        if not self.consented:
            self.error = "Agree to the analysis first."
            return False
        if draft.unchosen():
            self.error = "Choose a dish or 'not food' for every numbered region."
            return False
        items = draft.items(language)
        try:
            record = meal_record(self.subject_id, self.now(), self.meal_kind, items,
                                 self.table, self._now(), photo_kept=draft.keep_photo)
        except RecordRefused:
            self.error = "Add at least one dish."
            return False
        await self.repo.add_record(record, sync=self.sync_on)
        if draft.keep_photo and draft.analysis is not None:
            await self.repo.set_device_value(PHOTO_PREFIX + record["id"],
                                             encode_bytes(draft.analysis.photo.jpeg))
        learnt = draft.learnings()
        if self.memory is not None and learnt:
            for features, dish in learnt:
                self.memory.learn(features, dish)
            await self.repo.set_device_value(MEMORY, encode_bytes(self.memory.to_bytes()))
        self.draft = None  # the photo goes with it unless kept above
        self.day = self.today()
        self.message = "Meal saved."
        await self._reload()
        return True

    async def save_body(self, weight: str, steps: str) -> bool:
        self._clear()
        if not self.consented:
            self.error = "Agree to the analysis first."
            return False
        try:
            record = body_record(self.subject_id, self.day, self._now(), weight_kg=weight,
                                 steps=steps)
        except RecordRefused:
            self.error = "Enter a weight between 2 and 400 kg or steps between 0 and " \
                         "200,000."
            return False
        await self.repo.add_record(record, sync=self.sync_on)
        self.message = "Saved."
        await self._reload()
        return True

    async def add_record(self, record: dict[str, Any]) -> None:
        """A check-up, checklist or screening record built by its module."""
        await self.repo.add_record(record, sync=self.sync_on)
        self.message = "Saved."
        await self._reload()

    async def delete_record(self, record_id: str) -> None:
        await self.repo.delete_record(record_id)
        await self.repo.set_device_value(PHOTO_PREFIX + record_id, None)
        self.message = "Deleted."
        await self._reload()

    # --- days ---------------------------------------------------------------------------------
    def mine(self) -> list[Record]:
        return [r for r in self.records if r.subject == self.subject_id]

    def day_records(self, day: date | None = None) -> list[Record]:
        day = day or self.day
        return [r for r in self.mine() if r.day == day]

    def totals_by_day(self) -> dict[date, Totals]:
        return totals_by_day(self.mine(), self.table)

    def move_day(self, days: int) -> None:
        target = self.day + timedelta(days=days)
        if target <= self.today():
            self.day = target
            self.revision += 1

    # --- trends ---------------------------------------------------------------------------------
    def targets(self) -> DayTargets | None:
        if self.age is None or self.sex is None:
            return None
        return day_targets(self.age, Sex(self.sex))

    @property
    def notify_trends(self) -> bool:
        return bool(self.settings.get("notify_trends"))

    async def set_notify_trends(self, on: bool) -> None:
        self.settings["notify_trends"] = bool(on)
        await self._save_settings()

    async def notify_if_due(self, notifier: Callable[[str, str], None] | None,
                            translate: Callable[..., str]) -> Advice | None:
        """The optional notification when a trend runs high (once a week per rule, for
        today's week only, and only when the resident turned it on). The text says what
        the trend is, not any value."""
        if notifier is None or not self.notify_trends or not self.consented:
            return None
        today = self.today()
        targets = self.targets()
        if targets is None:
            return None
        sent = set(self.settings.get("notified", []))
        due = notification_for(advise(week(self.totals_by_day(), today), targets), sent, today)
        if due is None:
            return None
        notifier(translate("Health"), translate(due.message, **due.params))
        keep = sorted(sent | {notification_key(due.id, today)})[-60:]
        self.settings["notified"] = keep
        await self._save_settings()
        return due

    # --- sync, deletion, settings ----------------------------------------------------------
    @property
    def sync_on(self) -> bool:
        return bool(self.settings.get("sync"))

    async def set_sync(self, on: bool) -> None:
        self._clear()
        self.settings["sync"] = bool(on)
        await self._save_settings()
        if on:
            sent = await self.repo.send_unsent()
            self.message = "Sync is on. {count} records are being sent." if sent else \
                "Sync is on."
            self.sent_count = sent
        else:
            self.message = "Sync is off. New records stay on this device."
        await self._reload()

    async def delete_all(self) -> None:
        self._clear()
        await self.repo.delete_all()
        self.memory = DishMemory()
        self.draft = None
        self.message = "All health records on this device were deleted."
        await self._reload()

    @property
    def vessel_sizes(self) -> VesselSizes:
        raw = self.settings.get("vessels") or {}
        try:
            return VesselSizes(float(raw.get("plate_cm", 26)), float(raw.get("bowl_cm", 12)))
        except (TypeError, ValueError):
            return VesselSizes()

    async def set_vessel_sizes(self, plate_cm: str, bowl_cm: str) -> bool:
        self._clear()
        try:
            plate, bowl = Decimal(plate_cm.strip()), Decimal(bowl_cm.strip())
        except ArithmeticError:
            self.error = "Enter sizes in centimetres."
            return False
        if not (plate.is_finite() and bowl.is_finite()):
            self.error = "Enter sizes in centimetres."
            return False
        if not (Decimal(10) <= plate <= Decimal(45) and Decimal(6) <= bowl <= Decimal(25)):
            self.error = "A plate is 10 to 45 cm across, a bowl 6 to 25 cm."
            return False
        self.settings["vessels"] = {"plate_cm": float(plate), "bowl_cm": float(bowl)}
        await self._save_settings()
        self.message = "Saved."
        return True

    def export_records(self) -> list[dict[str, Any]]:
        return [dict(r.raw) for r in self.mine()]

    async def save_export(self, name: str, content: bytes) -> None:
        if self._save_file is not None:
            await _maybe_await(self._save_file(name, content))
        self.message = "Exported."
        self.revision += 1

    def clear_messages(self) -> None:
        self._clear()

    # --- internals -------------------------------------------------------------------------
    def _clear(self) -> None:
        self.message = ""
        self.error = ""
        self.revision += 1

    async def _save_settings(self) -> None:
        await self.repo.set_device_value(SETTINGS, self.settings)
        self.revision += 1

    async def _reload(self) -> None:
        self.stored = await self.repo.records()
        self.records = read_records(s.data for s in self.stored)
        self.loaded_stamp = self.repo.stamp()
        self.revision += 1


async def _maybe_await(value: Any) -> None:
    if asyncio.iscoroutine(value):
        await value
