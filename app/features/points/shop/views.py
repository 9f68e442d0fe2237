"""The shop screen (お店の画面): the shop's JPQR codes, charging a customer's code, the day's
takings and refunds.

Renders `ShopState` only: its reads are started by the shell (`wiring.prepare`), its writes
by the handlers below through `ctx.run_task`; a refund is asked first (`ctx.confirm`). Lines
of the takings are keyed by their transfer id (ADR 0021)."""

from __future__ import annotations

import flet as ft

from app.account.qr_image import qr_png
from app.design.widgets import big_button, destructive_button, quiet_button
from app.features.points.qr_decode import decode_qr
from app.features.points.shop.routes import POINTS_ROUTE, SHOP_ROUTE
from app.features.points.shop.state import Load, Refusal, ShopCode, ShopState, ShopTransfer
from app.features.points.views.notes import note, points_text
from app.i18n.formatting import format_datetime_short, format_day_short
from app.shell.confirmation import Confirmation
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.view_actions import act as _act
from app.shell.views.common import line_card, section_heading

REFUSALS = {
    "offline": "The shop screen needs the network. The city's server cannot be reached now; "
               "please try again in a moment.",
    "no_token": "Scan the customer's code or paste its text first.",
    "invalid_amount": "Enter the amount as a whole number of points (1 or more).",
    "unreadable_image": "No QR code could be read in that picture. Try a sharper picture or "
                        "paste the code's text.",
    "no_reason": "Enter the reason for the refund.",
    "bad_token": "This is not a valid customer code. Ask the customer to show their code "
                 "again.",
    "token_expired": "The customer's code has expired (it is valid for 60 seconds). Ask for a "
                     "new one.",
    "token_used": "This customer code has already been used. Ask for a new one.",
    "insufficient_points": "The customer does not have enough points for this amount.",
    "refund_too_large": "The refund is larger than what is left of the payment.",
    "not_refundable": "This payment cannot be refunded.",
    "idempotency_key_reused": "This request was already sent with other details. Start again.",
    "not_a_clerk": "You are not a clerk of this shop.",
}


def refusal_text(ctx: ViewContext, refusal: Refusal) -> str:
    known = REFUSALS.get(refusal.code)
    if known is not None:
        return ctx.t(known)
    return ctx.t("The city did not accept this: {reason}", reason=refusal.detail)







def shop_entry_button(ctx: ViewContext, state: ShopState) -> list[ft.Control]:
    """「お店の画面」 on the points tile, for clerks only."""
    if not state.is_clerk:
        return []
    m, p = ctx.metrics, ctx.palette

    def open_(_: object) -> None:
        ctx.navigate(SHOP_ROUTE)

    return [ft.Container(big_button(ctx.t("Shop screen"), "STOREFRONT", m, p, open_,
                                    "points-shop-open"), key="points-shop-open")]


def shop_body(ctx: ViewContext, state: ShopState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    def close(_: object) -> None:
        ctx.navigate(POINTS_ROUTE)

    controls: list[ft.Control] = [ft.Row([
        quiet_button(t("Back to my points"), m, p, close, "shop-close", "ARROW_BACK"),
    ], key="shop-top")]
    shop = state.shop
    if shop is None:
        controls.append(ft.Text(t("You are not a clerk of any shop."), size=m.body_size,
                                color=p.on_surface, key="shop-none"))
        return controls
    controls.append(ft.Text(shop.name, size=m.title_size, weight=ft.FontWeight.BOLD,
                            color=p.on_surface, key="shop-name"))
    if len(state.shops) > 1:
        controls.append(_shop_picker(ctx, state))
    controls.append(ft.Text(t("Payments with points need the network."),
                            size=m.body_size * 0.9, color=p.on_surface, key="shop-online"))
    controls += _codes(ctx, state)
    controls += _charge(ctx, state)
    controls += _takings(ctx, state)
    return controls


def _shop_picker(ctx: ViewContext, state: ShopState) -> ft.Control:
    def chosen(e: ft.Event[ft.Dropdown]) -> None:
        state.choose_shop(e.control.value or "")
        ctx.refresh()

    return ft.Dropdown(key="shop-picker", label=ctx.t("Shop"), value=state.shop_id,
                       options=[ft.DropdownOption(key=s.id, text=s.name) for s in state.shops],
                       on_select=chosen, text_size=ctx.metrics.body_size,
                       width=ctx.metrics.body_size * 18)


def _qr(ctx: ViewContext, code: ShopCode, identifier: str, label: str) -> ft.Control:
    size = ctx.metrics.body_size * 13
    return ft.Column([
        ft.Semantics(identifier=identifier, label=label, image=True, container=True,
                     exclude_semantics=True,
                     content=ft.Image(src=qr_png(code.payload), width=size, height=size)),
        # The app's font, not a monospace one: the payload carries the shop's name in
        # Japanese, which a monospace font drew as empty boxes.
        ft.Text(code.payload, size=ctx.metrics.body_size * 0.7, color=ctx.palette.on_surface,
                selectable=True),
    ], key=identifier)


def _codes(ctx: ViewContext, state: ShopState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("The shop's QR code")), key="shop-codes"),
        ft.Text(t("Customers scan this code with the points screen of the Tsuyama Portal and "
                  "enter the amount."), size=m.body_size * 0.9, color=p.on_surface,
                key="shop-codes-note"),
    ]
    if state.static_code is not None:
        controls.append(_qr(ctx, state.static_code, "shop-jpqr",
                            t("The shop's QR code (JPQR) for any amount")))
    elif state.code_refusal is None:
        controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading…"), size=m.body_size)],
                               key="shop-jpqr-loading"))
    field = controlled_text_field(
        ctx.fields, key="shop-dynamic-amount", revision=state.revision,
        text=state.dynamic_amount_text, on_text=state.set_dynamic_amount,
        label=t("Amount for a one-time code (points)"), keyboard_type=ft.KeyboardType.NUMBER,
        width=m.body_size * 16, text_size=m.body_size)
    controls.append(ft.Row([field, big_button(
        t("Make a code for this amount"), "QR_CODE", m, p,
        _act(ctx, state.make_dynamic_code,
             lambda: state.set_dynamic_amount(field.value or "")), "shop-jpqr-make")],
        wrap=True, spacing=m.body_size, key="shop-dynamic"))
    if state.code_refusal is not None:
        controls.append(note(ctx, refusal_text(ctx, state.code_refusal), "shop-code-error",
                                 warning=True))
    dynamic = state.dynamic_code
    if dynamic is not None and dynamic.amount is not None:
        amount = points_text(ctx, dynamic.amount)
        controls.append(ft.Text(t("One-time code for {amount}", amount=amount),
                                size=m.body_size, weight=ft.FontWeight.BOLD,
                                color=p.on_surface, key="shop-jpqr-dynamic-amount"))
        controls.append(_qr(ctx, dynamic, "shop-jpqr-dynamic",
                            t("One-time QR code for {amount}", amount=amount)))
    return controls


def _charge(ctx: ViewContext, state: ShopState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    token = controlled_text_field(
        ctx.fields, key="shop-token", revision=state.revision, text=state.token_text,
        on_text=state.set_token_text, label=t("Customer's code (paste the text)"),
        text_size=m.body_size * 0.9, multiline=True, min_lines=1, max_lines=3)
    amount = controlled_text_field(
        ctx.fields, key="shop-charge-amount", revision=state.revision,
        text=state.charge_amount_text, on_text=state.set_charge_amount,
        label=t("Amount to charge (points)"), keyboard_type=ft.KeyboardType.NUMBER,
        width=m.body_size * 14, text_size=m.body_size)

    async def pick() -> None:
        files = await ft.FilePicker().pick_files(
            dialog_title=t("Picture of the customer's code"),
            file_type=ft.FilePickerFileType.IMAGE, with_data=True)
        if files and files[0].bytes:
            state.scanned_image(files[0].bytes)
        ctx.refresh()

    async def camera() -> None:
        text = await ctx.scan_code(decode_qr)
        if text is not None:
            state.scanned_text(text)
        ctx.refresh()

    def typed() -> None:
        state.set_token_text(token.value or "")
        state.set_charge_amount(amount.value or "")

    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Charge a customer's code")), key="shop-charge-h"),
        ft.Text(t("The customer shows the code of their points screen (マイコード). Scan it "
                  "with the camera (or a picture of it, or paste its text), enter the amount "
                  "and charge."),
                size=m.body_size * 0.9, color=p.on_surface, key="shop-charge-note"),
        ft.Row([big_button(t("Scan with the camera"), "QR_CODE_SCANNER", m, p,
                           lambda _: ctx.run_task(camera), "shop-scan-camera"),
                big_button(t("Scan a picture of the code"), "IMAGE_SEARCH", m, p,
                           lambda _: ctx.run_task(pick), "shop-scan-image")],
               wrap=True, spacing=m.body_size * 0.5, key="shop-scan"),
        ft.Container(token, key="shop-token-box"),
        ft.Row([amount, big_button(t("Charge"), "POINT_OF_SALE", m, p,
                                   _act(ctx, state.charge, typed), "shop-charge")],
               wrap=True, spacing=m.body_size, key="shop-charge-row"),
    ]
    if state.charging:
        controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Charging…"), size=m.body_size)],
                               key="shop-charging"))
    if state.charge_refusal is not None:
        controls.append(note(ctx, refusal_text(ctx, state.charge_refusal),
                                 "shop-charge-error", warning=True))
    elif state.receipt is not None:
        receipt = state.receipt
        when = (format_datetime_short(receipt.created_at, ctx.locale)
                if receipt.created_at else "")
        controls.append(note(
            ctx, t("Charged {amount}. Receipt {id} ({when})",
                   amount=points_text(ctx, receipt.amount), id=receipt.id[:8], when=when),
            "shop-receipt"))
    return controls


def _takings(ctx: ViewContext, state: ShopState) -> list[ft.Control]:
    t, m, p = ctx.t, ctx.metrics, ctx.palette

    def reload(_: object) -> None:
        state.reload_takings()
        ctx.refresh()

    controls: list[ft.Control] = [
        ft.Container(section_heading(ctx, t("Today's takings")), key="shop-takings-h")]
    takings = state.takings
    if state.takings_refusal is not None:
        controls.append(note(ctx, refusal_text(ctx, state.takings_refusal),
                                 "shop-takings-error", warning=True))
    if takings is None:
        if state.takings_load is Load.LOADING:
            controls.append(ft.Row([ft.ProgressRing(), ft.Text(t("Loading…"),
                                                               size=m.body_size)],
                                   key="shop-takings-loading"))
    else:
        controls.append(ft.Semantics(identifier="shop-takings", container=True,
                                     key="shop-takings", content=ft.Text(
            t("{day}: {total} in {count} payments",
              day=format_day_short(takings.day, ctx.locale),
              total=points_text(ctx, takings.total), count=takings.count),
            size=m.body_size * 1.1, weight=ft.FontWeight.BOLD, color=p.on_surface)))
        if not takings.items:
            controls.append(ft.Text(t("No payments yet today."), size=m.body_size,
                                    color=p.on_surface, key="shop-takings-none"))
        else:
            controls.append(controlled_text_field(
                ctx.fields, key="shop-refund-reason", text=state.refund_reason,
                on_text=state.set_refund_reason, label=t("Reason for a refund"),
                text_size=m.body_size))
        if state.refund_refusal is not None:
            controls.append(note(ctx, refusal_text(ctx, state.refund_refusal),
                                     "shop-refund-error", warning=True))
        elif state.refunded_last is not None:
            controls.append(note(ctx, t("Refunded {amount}.", amount=points_text(
                ctx, state.refunded_last.amount)), "shop-refund-done"))
        controls += [_taking_line(ctx, state, item) for item in takings.items]
    controls.append(ft.Row([quiet_button(t("Read the takings again"), m, p, reload,
                                         "shop-takings-reload", "REFRESH")],
                           key="shop-takings-actions"))
    return controls


def _taking_line(ctx: ViewContext, state: ShopState, item: ShopTransfer) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    when = format_datetime_short(item.created_at, ctx.locale) if item.created_at else ""
    kind = t("Payment") if item.kind == "pay" else t("Refund")
    lines: list[ft.Control] = [
        ft.Text(f"{when}　{kind}　{points_text(ctx, item.amount)}", size=m.body_size,
                weight=ft.FontWeight.BOLD, color=p.on_surface),
    ]
    if item.kind == "pay" and item.refunded:
        lines.append(ft.Text(t("{amount} refunded", amount=points_text(ctx, item.refunded)),
                             size=m.body_size * 0.9, color=p.on_surface))
    if item.refundable:
        lines.append(destructive_button(
            t("Refund {amount}", amount=points_text(ctx, item.refundable)), m, p,
            lambda _: ctx.confirm(refund_confirmation(ctx, state, item)),
            f"shop-refund-{item.id}", "UNDO"))
    return ft.Container(line_card(ctx, lines), key=f"taking-{item.id}")


def refund_confirmation(ctx: ViewContext, state: ShopState, item: ShopTransfer
                        ) -> Confirmation:
    t = ctx.t
    amount = points_text(ctx, item.refundable)

    async def refund() -> None:
        await state.refund(item)
        ctx.refresh()

    return Confirmation(
        title=t("Refund {amount}?", amount=amount),
        message=t("{amount} go back to the customer's points. A refund cannot be undone.",
                  amount=amount),
        confirm_label=t("Refund"),
        cancel_label=t("Do not refund"),
        on_confirm=refund,
        destructive=True,
        identifier="shop-refund",
    )
