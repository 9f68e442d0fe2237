"""Puts the health tile together for one session: its state over the device's encrypted
store and the consent ledger, the reads the shell starts before a render (`prepare`), the
photo from the file picker or the camera, the export, and the screens by route:
/health (the day), /health/meal (the meal under review), /health/data (export, sync,
delete, consent) and /health/checkups."""

from __future__ import annotations

import logging
from typing import Any

from app.device.files import PictureTooLarge, pick_image_bytes, save_bytes
from app.features.health import export as exporting
from app.features.health.repository import BackendHealth, LocalHealth
from app.features.health.state import PHOTO_REFUSALS, HealthState, Subject
from app.features.health.views.camera import take_photo
from app.features.health.views.home import consent_body, data_body, day_body
from app.features.health.views.meal import meal_body
from app.i18n.translator import load_translator
from app.services import AppServices
from app.shell.context import ViewContext
from app.shell.views.blocks import plain

log = logging.getLogger(__name__)

ROUTE = "/health"
MAX_PHOTO_BYTES = 30 * 1024 * 1024


def _services(ctx: ViewContext) -> AppServices:
    if ctx.services is None:
        raise RuntimeError("the health tile needs the session's services")
    return ctx.services


def _sex(raw: Any) -> str | None:
    text = str(raw or "").strip().lower()
    if text in ("male", "m", "1", "男", "男性"):
        return "male"
    if text in ("female", "f", "2", "女", "女性"):
        return "female"
    return None


def health_state(ctx: ViewContext) -> HealthState:
    services = _services(ctx)
    account = services.account
    me = account.me
    owner = me.common_id if me is not None else ""
    raw = (me.raw or {}) if me is not None else {}

    def create() -> HealthState:
        return HealthState(
            LocalHealth(services.device), BackendHealth(services.backend, account.access_token),
            Subject(owner, "", me.age if me is not None else None), _sex(raw.get("gender")),
            services.backend.server_clock.now, save_file=save_bytes)

    return services.feature_state(f"health:{owner}", create)


def prepare(ctx: ViewContext) -> None:
    if not ctx.signed_in:
        return
    state = health_state(ctx)
    if state.shown_route != ctx.state.route:  # another screen: the last outcome is old news
        state.shown_route = ctx.state.route
        state.clear_messages()
    if state.claim_load():
        ctx.run_task(_load, ctx, state)


async def _load(ctx: ViewContext, state: HealthState) -> None:
    await state.load()
    ctx.refresh()
    await _notify(ctx, state)
    if not state.children:
        await state.load_children()
        if state.children:
            ctx.refresh()


def build_view(ctx: ViewContext) -> list[Any]:
    state = health_state(ctx)
    language = ctx.state.settings.language
    route = ctx.state.route
    if state.loaded_stamp is None:
        if not state.repo.available():
            return [plain(ctx, ctx.t("This device cannot keep health records right now. "
                                     "Log in again or restart the app."))]
        return [plain(ctx, ctx.t("Loading…"), key="health-loading")]
    if not state.consented:
        return consent_body(ctx, state, language)
    if route.startswith(f"{ROUTE}/data"):
        return data_body(ctx, state, language, lambda fmt: _export(ctx, state, fmt))
    if route.startswith(f"{ROUTE}/checkups"):
        from app.features.health.checkups_wiring import checkups_view

        return checkups_view(ctx, state)
    if state.draft is not None:
        draft = state.draft
        return meal_body(ctx, state, draft, lambda: _save(ctx, state, language))
    return day_body(ctx, state, on_photo=lambda: _pick(ctx, state),
                    on_camera=None if ctx.kiosk else (lambda: _camera(ctx, state)),
                    language=language)


async def _save(ctx: ViewContext, state: HealthState, language: str) -> None:
    if await state.save_meal(language):
        await _notify(ctx, state)
    ctx.refresh()


async def _notify(ctx: ViewContext, state: HealthState) -> None:
    """The optional trend notification (phones and desktop; a browser shows the advice on
    the day screen only)."""
    services = _services(ctx)
    try:
        await state.notify_if_due(services.notifier,
                                  load_translator(ctx.state.settings.language))
    except Exception:  # a notification that fails must not break the tile
        log.warning("the trend notification could not be shown", exc_info=True)


async def _pick(ctx: ViewContext, state: HealthState) -> None:
    try:
        data = await pick_image_bytes(MAX_PHOTO_BYTES)
    except PictureTooLarge:
        state.error = PHOTO_REFUSALS["too_large"]
        ctx.refresh()
        return
    if data is not None:
        await _analyse(ctx, state, data)


async def _camera(ctx: ViewContext, state: HealthState) -> None:
    data = await take_photo(ctx)
    if data:
        await _analyse(ctx, state, data)


async def _analyse(ctx: ViewContext, state: HealthState, data: bytes) -> None:
    state.analysing = True
    ctx.refresh()
    await state.analyse_photo(data)
    ctx.refresh()


async def _export(ctx: ViewContext, state: HealthState, fmt: str) -> None:
    subject = state.subject
    records = state.export_records()
    who = exporting.Subject(subject.common_id, sex=state.sex)
    stamp = state.now().strftime("%Y%m%d")
    if fmt == "json":
        name, content = f"health-{stamp}.json", exporting.export_json(records, who, state.now())
    elif fmt == "csv":
        name, content = f"health-{stamp}.csv", exporting.export_csv(records, who, state.table)
    else:
        name = f"health-{stamp}.fhir.json"
        content = exporting.fhir_bytes(records, who, state.table, exported_at=state.now())
    await state.save_export(name, content)
    ctx.refresh()
