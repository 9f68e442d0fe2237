"""The fee-with-points controls other tiles show under something that has a fee (a
procedure's application, a reservation): the refusal of the last try, 「ポイントで支払う」,
then the PIN field and 「支払う」. Other tiles reach it through `app.features.points.api`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft
from babel.numbers import format_decimal

from app.design.widgets import big_button
from app.i18n.formatting import format_yen
from app.shell.context import ViewContext
from app.shell.controlled_inputs import controlled_text_field
from app.shell.views.blocks import message, plain

if TYPE_CHECKING:
    from app.features.points.api import FeePayment


def fee_payment_controls(ctx: ViewContext, fees: FeePayment, key: str, amount: int,
                         ids: str) -> list[ft.Control]:
    """The controls to pay `amount` yen of the fee of `key` (a submission or booking id);
    `ids` prefixes the identifiers ("application", "booking")."""
    from app.features.points.api import FEE_REFUSALS

    t, m, p = ctx.t, ctx.metrics, ctx.palette
    controls: list[ft.Control] = []
    refusal = fees.refusals.get(key)
    if refusal is not None:
        text_id = FEE_REFUSALS.get(refusal.code)
        info = {name: str(value) for name, value in refusal.info.items()}
        info.setdefault("attempts_left", "?")
        info.setdefault("locked_until", "?")
        controls.append(message(ctx, t(text_id, **info) if text_id is not None else t(
            "The city did not accept this: {reason}", reason=refusal.detail or refusal.code),
            f"{ids}-fee-error", alert=True))
    if fees.open_for != key:
        def start(_: object) -> None:
            fees.start(key)
            ctx.refresh()

        controls.append(big_button(t("Pay with points"), "WALLET", m, p, start,
                                   f"{ids}-pay-points"))
        return controls
    pin = controlled_text_field(
        ctx.fields, key=f"{ids}-pin-{key}", revision=fees.revision,
        text=fees.pin_text.get(key, ""), on_text=lambda text: fees.set_pin(key, text),
        label=t("Points PIN (4 to 6 digits)"), password=True,
        keyboard_type=ft.KeyboardType.NUMBER, width=m.body_size * 12, text_size=m.body_size)

    async def pay() -> None:
        await fees.pay(key, online=not ctx.state.connection.offline)
        ctx.refresh()

    def send(_: object) -> None:
        fees.set_pin(key, pin.value or "")
        ctx.run_task(pay)

    controls.append(plain(ctx, t("Pay {amount} points for the fee of {yen}.",
                                 amount=format_decimal(amount, locale=ctx.locale),
                                 yen=format_yen(amount, ctx.locale))))
    controls.append(ft.Row([pin, big_button(t("Pay"), "CHECK", m, p, send,
                                            f"{ids}-pay-confirm")],
                           wrap=True, spacing=m.body_size))
    return controls
