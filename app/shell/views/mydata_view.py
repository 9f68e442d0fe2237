"""My data (マイデータ): the profile, household, consents, who read my data, export, deletion.

Renders `MyDataState` only: the shell starts its read before a render (`shell/screens.py`)
and the download is saved by the state; optional lines and rows have keys."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import flet as ft

from app.account.mydata_state import MyDataState
from app.account.phone_handoff import mydata_url, qr_png
from app.design.widgets import big_button, destructive_button, quiet_button
from app.i18n.formatting import format_date_long, format_datetime_short
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_switch, controlled_text_field
from app.shell.state import HOME

ASSURANCE_LABELS = {
    "card": "Verified with My Number card",
    "email": "Email only (not verified)",
}
PURPOSE_TITLES = {
    "health_data_analysis": "Use of my health records for the city's health programmes",
    "health_record": "Meal photos analysed and health records kept on this device",
    "school_data_sharing": "Sharing my child's data with their school",
    "recycling_points": "Points for recycling",
    "transit_location": "Location for transit",
    "delegation": "Acting for another person",
}
RELATION_LABELS = {
    "self": "You",
    "spouse": "Spouse",
    "child": "Child",
    "parent": "Parent",
    "grandchild": "Grandchild",
    "other": "Other",
}
ACTOR_LABELS = {
    "staff": "City staff",
    "service": "City service",
    "delegate": "A person acting for you",
    "self": "You",
}
EXPORT_FILE_NAME = "tsuyama-portal-my-data.json"
LOGOUT_AFTER_DELETION = "deleted"  # the shell's logout choice (app/shell/app_shell.py)


def mydata_body(ctx: ViewContext, state: MyDataState | None) -> list[ft.Control]:
    """`state` is None when nobody is signed in."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    if state is None or not ctx.signed_in:
        return [
            ft.Text(t("Please log in to see your data."), size=m.body_size, color=p.on_surface),
            big_button(t("Back to home"), "HOME", m, p, lambda _: ctx.navigate(HOME)),
        ]

    def heading(text: str, key: str) -> ft.Control:
        return ft.Text(text, size=m.title_size, weight=ft.FontWeight.BOLD, color=p.on_surface,
                       key=f"heading-{key}")

    controls: list[ft.Control] = [heading(t("Your profile"), "profile"),
                                  ft.Column(_profile(ctx), key="profile")]
    if state.loading and not state.consents:
        controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading…"), size=m.body_size,
                                                           color=p.on_surface)], key="loading"))
    if state.error:
        controls.append(ft.Text(
            t("Some of your data could not be loaded while offline.") if state.offline
            else t("Something went wrong. Please try again later."),
            size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD, key="error"))
    if state.message == "saved":
        controls.append(ft.Text(t("Saved."), size=m.body_size, color=p.on_surface,
                                key="saved"))
    if state.message == "refused":
        controls.append(ft.Text(t("The city could not do this: {reason}", reason=state.error),
                                size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD,
                                key="refused"))
    if state.message == "not_here":
        controls.append(ft.Text(t("This is not possible on a shared kiosk. Use your own phone."),
                                size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD,
                                key="not-here"))
    if state.message == "need_id":
        controls.append(ft.Text(t("Please enter the common ID of the other person."),
                                size=m.body_size, color=p.on_surface, weight=ft.FontWeight.BOLD,
                                key="need-id"))

    members = state.household.get("members") if isinstance(state.household, dict) else None
    if members:
        controls.append(heading(t("Your household"), "household"))
        for i, member in enumerate(members):
            if isinstance(member, dict):
                row = _member_row(ctx, member)
                row.key = f"member-{member.get('common_id') or i}"
                controls.append(row)

    if state.consents:
        controls.append(heading(t("Your consents"), "consents"))
        controls.append(ft.Text(
            t("Nothing about you is used for these purposes unless you switch it on. "
              "You can switch it off at any time."), size=m.body_size, color=p.on_surface,
            key="consents-note"))
        for item in state.consents:
            if item.get("purpose") != "delegation":
                controls.append(_consent_row(ctx, state, item))

    controls.append(heading(t("Acting for each other"), "delegations"))
    controls.append(ft.Column(_delegation_area(ctx, state), key="delegation-area",
                              spacing=m.body_size))

    controls.append(heading(t("Who has seen your data"), "access-log"))
    controls.append(ft.Column(
        [_access_row(ctx, entry) for entry in state.access_log] or [
            ft.Text(t("Nobody else has read your data."), size=m.body_size,
                    color=p.on_surface)],
        key="access-rows"))

    controls.append(heading(t("Your data, your choice"), "your-choice"))
    if ctx.kiosk:
        # A shared machine: nothing personal goes into its downloads, and no account is
        # deleted here; the resident does both on their own phone (ADR 0026).
        controls.append(ft.Column(_send_to_phone(ctx), key="send-to-phone",
                                  spacing=m.body_size))
        controls.append(big_button(t("Log out"), "LOGOUT", m, p, lambda _: ctx.logout("ask"),
                                   identifier="mydata-logout"))
        return controls
    controls.append(ft.Row([
        big_button(t("Download all my data"), "DOWNLOAD", m, p,
                   lambda _: ctx.run_task(_download, ctx, state)),
        big_button(t("Log out"), "LOGOUT", m, p, lambda _: ctx.logout("ask")),
    ], wrap=True, spacing=m.body_size, key="export-logout"))
    controls.append(ft.Column(_delete_area(ctx, state), key="delete-area",
                              spacing=m.body_size))
    return controls


def _profile(ctx: ViewContext) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    account = ctx.account
    me = account.me if account is not None else None
    if me is None:
        return []
    raw = me.raw or {}

    def row(label: str, value: str) -> ft.Control:
        return ft.Column(
            [ft.Text(label, size=m.body_size * 0.85, color=p.on_surface),
             ft.Text(value or "—", size=m.body_size, weight=ft.FontWeight.BOLD,
                     color=p.on_surface)],
            spacing=2,
        )

    return [
        row(t("Name"), me.name),
        row(t("Common ID"), me.common_id),
        row(t("Identity check"), t(ASSURANCE_LABELS.get(me.assurance_level,
                                                        me.assurance_level))),
        row(t("Address"), str(raw.get("address") or "")),
        row(t("Date of birth"), _date_text(raw.get("birthdate"), ctx.locale)),
    ]


def _date_text(value: object, locale: str) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        return format_date_long(date.fromisoformat(value), locale)
    except ValueError:
        return value


def _member_row(ctx: ViewContext, member: dict) -> ft.Control:
    m, p = ctx.metrics, ctx.palette
    relation = str(member.get("relation") or "")
    parts = [str(member.get("name") or ""), ctx.t(RELATION_LABELS.get(relation, relation))]
    if member.get("school_name"):
        parts.append(f"{member['school_name']} {member.get('school_class') or ''}".strip())
    return ft.Text(" · ".join(x for x in parts if x), size=m.body_size, color=p.on_surface)


def _consent_row(ctx: ViewContext, state: MyDataState, item: dict) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    purpose = str(item.get("purpose"))
    raw_texts = item.get("text")
    texts: dict[str, str] = raw_texts if isinstance(raw_texts, dict) else {}
    lang = ctx.state.settings.language
    text = texts.get(lang) or texts.get("en") or ""
    return ft.Container(
        key=f"consent-{purpose}",
        border=ft.Border.all(1, p.outline),
        border_radius=ft.BorderRadius.all(12),
        padding=ft.Padding.all(m.body_size * 0.75),
        content=ft.Column([
            controlled_switch(
                ctx.fields,
                key=f"consent-switch-{purpose}",
                value=bool(item.get("granted")),
                on_value=lambda on: ctx.run_task(_set_consent, ctx, state, purpose, on),
                label=t(PURPOSE_TITLES.get(purpose, purpose)),
                active_color=p.primary,
                label_text_style=ft.TextStyle(size=m.body_size, color=p.on_surface),
            ),
            ft.Text(text, size=m.body_size * 0.9, color=p.on_surface),
        ], spacing=4),
    )


def _delegation_area(ctx: ViewContext, state: MyDataState) -> list[ft.Control]:
    """Delegations both ways, the grantor's decision with the consent text, and a request."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    lang = ctx.state.settings.language
    controls: list[ft.Control] = [ft.Text(
        t("Parents act for their children under 18 without asking. Anyone else may act for "
          "you only with a code you make here."), size=m.body_size, color=p.on_surface)]
    def decide(delegation_id: str, decision: str) -> Callable[[Any], None]:
        return lambda _: ctx.run_task(_decide, ctx, state, delegation_id, decision)

    for item in state.delegations:
        status, mine = item.get("status"), item.get("direction") == "granted_by_me"
        name = item.get("other_name") or t("someone")
        if status == "pending" and mine:
            text = state.delegation_text(lang)
            controls.append(ft.Text(t("{name} asks to act for you.", name=name),
                                    size=m.body_size, color=p.on_surface,
                                    weight=ft.FontWeight.BOLD))
            if text:
                controls.append(ft.Text(text[1], size=m.body_size * 0.9, color=p.on_surface))
            controls.append(ft.Row([
                big_button(t("Accept"), "CHECK", m, p, decide(str(item["id"]), "accept")),
                big_button(t("Decline"), "CLOSE", m, p, decide(str(item["id"]), "decline")),
            ], wrap=True, spacing=m.body_size))
        elif status == "pending":
            controls.append(ft.Text(t("Your request is waiting for the other person's answer."),
                                    size=m.body_size, color=p.on_surface))
        elif status == "active":
            line = (t("{name} may act for you.", name=name) if mine
                    else t("You may act for {name}.", name=name))
            controls.append(ft.Row([
                ft.Text(line, size=m.body_size, color=p.on_surface),
                big_button(t("End this"), "LINK_OFF", m, p, decide(str(item["id"]), "revoke")),
            ], wrap=True, spacing=m.body_size))

    controls.extend(_invitation_area(ctx, state))
    return controls


# Why a code was refused (MyDataState.CODE_PROBLEMS), in words.
CODE_PROBLEM_TEXTS = {
    "malformed": "An invitation code has 8 letters and digits, like ABCD-EFGH.",
    "unknown": "No invitation has this code. Please check it with the person who gave it.",
    "used": "This code was already used. Please ask for a new one.",
    "expired": "This code has expired or was cancelled. Please ask for a new one.",
    "own": "This is your own code. Give it to the person who will act for you.",
    "too_many": "Too many wrong codes. Please wait an hour and try again.",
    "not_verified": "Only residents verified with their My Number card can do this.",
    "refused": "The city could not accept this code.",
}


def _invitation_area(ctx: ViewContext, state: MyDataState) -> list[ft.Control]:
    """Delegation by invitation (ADR 0031): the person to be acted for makes a code (text
    and QR code, one use, 24 hours); the other person enters it."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    lang = ctx.state.settings.language
    controls: list[ft.Control] = [ft.Text(
        t("Let someone act for you"), size=m.body_size * 1.15, weight=ft.FontWeight.BOLD,
        color=p.on_surface, key="invite-heading")]
    invitation = state.invitation
    if invitation is None:
        text = state.delegation_text(lang)
        controls.append(ft.Text(
            t("Make a code and give it to the person who will act for you. It works once, "
              "for 24 hours. By making it you agree to this:"),
            size=m.body_size, color=p.on_surface, key="invite-note"))
        if text:
            controls.append(ft.Text(text[1], size=m.body_size * 0.9, color=p.on_surface,
                                    key="invite-consent"))
        controls.append(ft.Container(big_button(
            t("Agree and make a code"), "QR_CODE", m, p,
            lambda _: ctx.run_task(_make_invitation, ctx, state), identifier="invite-make"),
            key="invite-make"))
    else:
        code = str(invitation.get("code") or "")
        until = ""
        with contextlib.suppress(ValueError):
            until = format_datetime_short(
                datetime.fromisoformat(str(invitation.get("expires_at"))), ctx.locale)
        controls.append(ft.Column(key="invite-shown", spacing=m.body_size * 0.5, controls=[
            ft.Text(t("Give this code to the person who will act for you:"),
                    size=m.body_size, color=p.on_surface),
            ft.Semantics(
                identifier="invitation-code", label=t("Invitation code {code}", code=code),
                container=True, exclude_semantics=True,
                content=ft.Text(code, size=m.title_size * 1.3, weight=ft.FontWeight.BOLD,
                                color=p.on_surface, selectable=True,
                                font_family="monospace"),
            ),
            ft.Semantics(
                identifier="invitation-qr", label=t("QR code of the invitation code"),
                image=True, container=True, exclude_semantics=True,
                content=ft.Image(src=state.invitation_qr, width=m.tile_extent * 1.1,
                                 height=m.tile_extent * 1.1),
            ),
            ft.Text(t("Valid until {time}, for one use.", time=until), size=m.body_size,
                    color=p.on_surface),
            quiet_button(t("Cancel this code"), m, p,
                         lambda _: ctx.run_task(_cancel_invitation, ctx, state),
                         identifier="invite-cancel", icon_name="CLOSE"),
        ]))

    controls.append(ft.Text(
        t("Act for someone"), size=m.body_size * 1.15, weight=ft.FontWeight.BOLD,
        color=p.on_surface, key="code-heading"))
    controls.append(ft.Text(
        t("Enter the code the other person made for you (or scan their QR code)."),
        size=m.body_size, color=p.on_surface, key="code-note"))
    if state.message == "code_refused":
        controls.append(ft.Semantics(
            key="code-problem", live_region=True, container=True,
            content=ft.Text(t(CODE_PROBLEM_TEXTS.get(state.code_problem,
                                                     CODE_PROBLEM_TEXTS["refused"])),
                            size=m.body_size, color=p.on_surface,
                            weight=ft.FontWeight.BOLD)))
    if state.message == "accepted":
        controls.append(ft.Semantics(
            key="code-accepted", live_region=True, container=True,
            content=ft.Text(t("Done. You may now act for this person."), size=m.body_size,
                            color=p.on_surface, weight=ft.FontWeight.BOLD)))
    controls.append(ft.Row(key="code-entry", wrap=True, spacing=m.body_size,
                           vertical_alignment=ft.CrossAxisAlignment.CENTER, controls=[
        controlled_text_field(
            ctx.fields, key="invitation-code-input", text=state.code_input,
            revision=state.code_revision, on_text=state.set_code_input,
            label=t("Invitation code"), text_size=m.body_size,
            capitalization=ft.TextCapitalization.CHARACTERS,
            width=min(420, m.body_size * 16),
        ),
        big_button(t("Use this code"), "LOGIN", m, p,
                   lambda _: ctx.run_task(_use_code, ctx, state), identifier="code-use"),
    ]))
    return controls


async def _make_invitation(ctx: ViewContext, state: MyDataState) -> None:
    await state.create_invitation(ctx.state.settings.language)
    ctx.refresh()


async def _cancel_invitation(ctx: ViewContext, state: MyDataState) -> None:
    await state.cancel_invitation()
    ctx.refresh()


async def _use_code(ctx: ViewContext, state: MyDataState) -> None:
    await state.accept_invitation_code()
    ctx.refresh()


async def _decide(ctx: ViewContext, state: MyDataState, delegation_id: str,
                  decision: str) -> None:
    await state.decide_delegation(delegation_id, decision, ctx.state.settings.language)
    ctx.refresh()


def _access_row(ctx: ViewContext, entry: dict) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    when = ""
    with contextlib.suppress(ValueError):
        when = format_datetime_short(datetime.fromisoformat(str(entry.get("at"))), ctx.locale)
    who = t(ACTOR_LABELS.get(str(entry.get("actor_kind")), "City service"))
    return ft.Text(f"{when}  {who}: {entry.get('purpose', '')} ({entry.get('resource', '')})",
                   size=m.body_size, color=p.on_surface)


def _send_to_phone(ctx: ViewContext) -> list[ft.Control]:
    """「スマートフォンに送る」: a QR code of the My data page of the app on the resident's
    own phone (the address only: nothing personal is in it)."""
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    app_url = (ctx.services.public_app_url if ctx.services is not None else "") or ""
    controls: list[ft.Control] = [
        ft.Text(t("Send to my phone"), size=m.title_size * 0.85, weight=ft.FontWeight.BOLD,
                color=p.on_surface),
        ft.Text(t("This kiosk is shared, so it does not save your data or delete your "
                  "account. Scan this code with your phone: it opens the My data page of the "
                  "app. Log in there to download your data or to delete your account. The "
                  "code holds no personal information."),
                size=m.body_size, color=p.on_surface),
    ]
    try:
        url = mydata_url(app_url)
    except ValueError:
        controls.append(ft.Text(t("Ask the staff for the address of the app."),
                                size=m.body_size, color=p.on_surface))
        return controls
    controls.append(ft.Semantics(
        identifier="send-to-phone-qr",
        label=t("QR code of the My data page: {url}", url=url),
        image=True,
        content=ft.Image(src=qr_png(url), width=m.body_size * 12, height=m.body_size * 12),
    ))
    controls.append(ft.Text(url, size=m.body_size * 0.9, color=p.on_surface, selectable=True))
    return controls


def _delete_area(ctx: ViewContext, state: MyDataState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    return [destructive_button(t("Delete my account"), m, p, lambda _: _ask_delete(ctx, state),
                               identifier="delete-account", icon_name="DELETE_FOREVER")]


def _ask_delete(ctx: ViewContext, state: MyDataState) -> None:
    """The question in a modal dialog in the middle of the screen (not at the bottom of the
    page, out of view), the safe answer first."""
    t = ctx.t
    ctx.confirm(Confirmation(
        title=t("Delete your account?"),
        message=t("Your profile, consents and records are erased and you are logged out. "
                  "This cannot be undone."),
        confirm_label=t("Delete my account"),
        on_confirm=lambda: _delete(ctx, state),
        identifier="delete-account-confirm",
    ))


async def _download(ctx: ViewContext, state: MyDataState) -> None:
    if await state.download_all(EXPORT_FILE_NAME):
        ctx.notify(ctx.t("Your data was saved as {file}.", file=EXPORT_FILE_NAME))
    ctx.refresh()


async def _set_consent(ctx: ViewContext, state: MyDataState, purpose: str, on: bool) -> None:
    await state.set_consent(purpose, on, ctx.state.settings.language)
    ctx.refresh()


async def _delete(ctx: ViewContext, state: MyDataState) -> None:
    if await state.delete_account():
        # The account is gone: so is everything kept on this device; the shell says so.
        ctx.logout(LOGOUT_AFTER_DELETION)
    ctx.refresh()

