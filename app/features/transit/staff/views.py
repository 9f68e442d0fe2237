"""The transit staff screen: renders `TransitStaffState` only; the upload's file picker is
the one control that asks the device for something (the picked zip's bytes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flet as ft

from app.design.widgets import big_button
from app.features.transit.staff.state import TransitStaffState
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.views.common import line_card, section_heading

OUTCOMES = {
    "imported": "Imported: residents' devices download the new timetable.",
    "unchanged": "This feed is the same as the current version: nothing changed.",
    "refused": "The feed was refused; the current version stays. The problems:",
    "unreachable": "The feed's address did not answer with a feed.",
    "offline": "The city's server cannot be reached. Please try again later.",
    "failed": "The upload failed:",
    "bad_feed_id": "A feed id is lower-case letters, digits and hyphens (for example awa-bus).",
}


def staff_body(ctx: ViewContext, state: TransitStaffState) -> list[ft.Control]:
    t, m = ctx.t, ctx.metrics
    out: list[ft.Control] = [section_heading(ctx, t("Timetable feeds"))]
    if state.loading and not state.feeds:
        out.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading…"), size=m.body_size)],
                          key="loading"))
    if state.offline:
        out.append(ft.Text(t(OUTCOMES["offline"]), size=m.body_size, key="offline"))
    if state.error:
        out.append(ft.Text(t("The city did not accept this: {reason}", reason=state.error),
                           size=m.body_size, key="error"))
    if state.feeds_file_error:
        out.append(ft.Text(t("The feeds file cannot be used: {reason}",
                             reason=state.feeds_file_error), size=m.body_size,
                           weight=ft.FontWeight.BOLD, key="feeds-file-error"))
    for feed in state.feeds:
        out.append(_feed_card(ctx, feed))
    out += _upload(ctx, state)
    return out


def _feed_card(ctx: ViewContext, feed: Mapping[str, Any]) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    current = feed.get("current") or {}
    lines: list[ft.Control] = [ft.Text(f"{feed.get('name')} ({feed.get('id')})",
                                       size=m.body_size, weight=ft.FontWeight.BOLD,
                                       color=p.on_surface)]
    if current:
        lines.append(ft.Text(t("Current: {start} to {end}, {stops} stops, {trips} trips, "
                               "imported {at}", start=current.get("service_start", ""),
                               end=current.get("service_end", ""),
                               stops=current.get("stops", 0), trips=current.get("trips", 0),
                               at=str(current.get("imported_at", ""))[:16]),
                             size=m.body_size * 0.9, color=p.on_surface))
    else:
        lines.append(ft.Text(t("No version is published yet."), size=m.body_size * 0.9,
                             color=p.on_surface))
    live = feed.get("realtime")
    if isinstance(live, Mapping):
        lines.append(ft.Text(t("Live data: {status}", status=live.get("status", "")),
                             size=m.body_size * 0.9, color=p.on_surface))
    for attempt in (feed.get("imports") or [])[:5]:
        report = attempt.get("report") or []
        lines.append(ft.Text(f"{str(attempt.get('at', ''))[:16]} {attempt.get('outcome')}"
                             + (f": {report[0]}" if report else ""),
                             size=m.body_size * 0.85, color=p.on_surface))
    return ft.Container(line_card(ctx, lines), key=f"feed-{feed.get('id')}")


def _upload(ctx: ViewContext, state: TransitStaffState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    async def pick() -> None:
        files = await ft.FilePicker().pick_files(
            dialog_title=t("GTFS-JP zip file"), allowed_extensions=["zip"], with_data=True)
        if files and files[0].bytes:
            await state.send(files[0].name, files[0].bytes)
            if not state.loaded:
                await state.load()
        ctx.refresh()

    out: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Upload a feed")), key="upload-heading"),
        ft.Row([
            controlled_text_field(ctx.fields, key="transit-staff-feed", revision=state.revision,
                                  text=state.target, on_text=state.set_target,
                                  label=t("Feed id"), width=m.body_size * 14,
                                  text_size=m.body_size),
            big_button(t("Choose a GTFS-JP zip and import it"), "UPLOAD_FILE", m, p,
                       lambda _: ctx.run_task(pick), "transit-staff-upload"),
        ], wrap=True, key="upload-row"),
    ]
    if state.uploading:
        out.append(ft.ProgressBar(key="uploading"))
    upload = state.upload
    if upload is not None:
        lines: list[ft.Control] = [ft.Text(t(OUTCOMES.get(upload.outcome, OUTCOMES["failed"])),
                                           size=m.body_size, weight=ft.FontWeight.BOLD,
                                           color=p.on_surface)]
        lines += [ft.Text(line, size=m.body_size * 0.85, color=p.on_surface)
                  for line in upload.report[:50]]
        out.append(ft.Semantics(live_region=True, container=True, key="upload-outcome",
                                content=line_card(ctx, lines)))
    return out
