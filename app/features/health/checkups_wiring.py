"""/health/checkups: the check-ups and screenings due (with 予約 links to the reservations
tile), check-up results against the 特定健診 thresholds and, from 65, the 基本チェックリスト
with the city's 介護予防 classes (app/features/health/checkups/)."""

from __future__ import annotations

from datetime import date
from typing import Any

import flet as ft

from app.features.health.checkups.state import CheckupsState
from app.features.health.checkups.views import (
    BODY,
    checklist_section,
    checkup_form_section,
    screenings_section,
)
from app.features.health.state import HealthState
from app.shell.context import ViewContext
from app.shell.views.blocks import message, plain


def checkups_state(ctx: ViewContext, health: HealthState) -> CheckupsState:
    services = ctx.services
    if services is None:
        raise RuntimeError("the health tile needs the session's services")
    me = services.account.me
    raw = (me.raw or {}) if me is not None else {}
    birthdate: date | None = None
    try:
        birthdate = date.fromisoformat(str(raw.get("birthdate"))) if raw.get("birthdate") \
            else None
    except ValueError:
        birthdate = None
    return services.feature_state(f"health-checkups:{health.me.common_id}",
                                  lambda: CheckupsState(health, birthdate))


def checkups_view(ctx: ViewContext, health: HealthState) -> list[Any]:
    t = ctx.t
    state = checkups_state(ctx, health)
    language = ctx.state.settings.language
    out: list[ft.Control] = []
    if health.message:
        out.append(message(ctx, t(health.message, count=health.sent_count), "health-message"))
    if health.error:
        out.append(message(ctx, t(health.error), "health-error", alert=True))
    if health.sex is None or health.age is None:
        out.append(plain(ctx, t("Targets need your age and sex.")))
        return out

    def book(resource: str) -> None:
        ctx.navigate(f"/reservations/{resource}")

    def done(screening: str) -> None:
        ctx.run_task(_run, ctx, state.mark_done(screening))

    def save(typed: dict[str, str]) -> None:
        ctx.run_task(_run, ctx, state.save_checkup(typed))

    factor = ctx.metrics.body_size / BODY
    out.append(_scaled(screenings_section(t, state.dues(), book, done, language=language),
                       factor))
    out.append(_scaled(checkup_form_section(t, state.shown_evaluation(), state.checkup_errors,
                                            save, values=state.checkup_typed,
                                            language=language), factor))
    if state.checklist_offered:
        def answer(number: int, yes: bool) -> None:
            state.answer(number, yes)
            ctx.refresh()

        def submit() -> None:
            ctx.run_task(_run, ctx, state.submit_checklist())

        out.append(_scaled(checklist_section(
            t, state.answers, state.checklist_result or state.latest_checklist(), answer,
            submit, height_cm=state.height_cm, weight_kg=state.weight_kg,
            on_measure=state.measure, on_book=book, missing=state.missing,
            language=language), factor))
    return out


def _scaled(control: ft.Control, factor: float) -> ft.Control:
    """The sections are drawn at the phone's body size (`views.BODY`); on a kiosk or with a
    larger text setting every text, field and button grows by the same factor."""
    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 40 or obj is None:
            return
        if isinstance(obj, list | tuple):
            for item in obj:
                walk(item, depth + 1)
            return
        if not isinstance(obj, ft.BaseControl):
            return
        if isinstance(obj, ft.Text) and obj.size:
            obj.size = obj.size * factor
        if isinstance(obj, ft.TextField) and obj.text_size:
            obj.text_size = obj.text_size * factor
        if isinstance(obj, ft.FilledButton | ft.OutlinedButton) and obj.height:
            obj.height = obj.height * factor
        for attr in ("content", "controls"):
            walk(getattr(obj, attr, None), depth + 1)

    if abs(factor - 1) > 0.01:
        walk(control)
    return control


async def _run(ctx: ViewContext, work: Any) -> None:
    await work
    ctx.refresh()
