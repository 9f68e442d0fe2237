"""What the points screens' buttons start: a state action, then a re-render. No I/O here
but the state's own (and the picture picker, a device dialog)."""

from __future__ import annotations

from app.features.points.picture_scan import NoCodeFound, pick_qr_text
from app.features.points.qr_decode import decode_qr
from app.features.points.state import FamilyMember, PointsState, PointsTransfer, Screen
from app.shell.context import ViewContext

NO_CODE_IN_PICTURE = "No code could be read from this picture. Try a sharper, closer picture."


def go(ctx: ViewContext, state: PointsState, screen: Screen) -> None:
    state.open(screen)
    ctx.refresh()


async def reload(ctx: ViewContext, state: PointsState) -> None:
    if state.acting_for is not None:
        await state.load_other()
    else:
        await state.load()
    ctx.refresh()


async def act_for(ctx: ViewContext, state: PointsState, member: FamilyMember | None) -> None:
    if state.act_for(member):
        ctx.refresh()
        await state.load_other()
    ctx.refresh()


async def toggle_receipt(ctx: ViewContext, state: PointsState, line: PointsTransfer) -> None:
    if state.receipt_of is not None and state.receipt_of.id == line.id:
        state.close_receipt()
    else:
        state.receipt_of = line
        ctx.refresh()
        await state.open_receipt(line)
    ctx.refresh()


async def picture_for_payment(ctx: ViewContext, state: PointsState) -> None:
    text = await _picked(ctx)
    if text is not None:
        state.payment.scanned(text)
        ctx.refresh()
        await read_payment_code(ctx, state)


async def picture_for_claim(ctx: ViewContext, state: PointsState) -> None:
    text = await _picked(ctx)
    if text is not None:
        state.earn.scanned(text)
        ctx.refresh()
        await claim(ctx, state)


async def camera_for_payment(ctx: ViewContext, state: PointsState) -> None:
    text = await ctx.scan_code(decode_qr)
    if text is not None:
        state.payment.scanned(text)
        ctx.refresh()
        await read_payment_code(ctx, state)


async def camera_for_claim(ctx: ViewContext, state: PointsState) -> None:
    text = await ctx.scan_code(decode_qr)
    if text is not None:
        state.earn.scanned(text)
        ctx.refresh()
        await claim(ctx, state)


async def _picked(ctx: ViewContext) -> str | None:
    try:
        return await pick_qr_text()
    except NoCodeFound:
        ctx.notify(ctx.t(NO_CODE_IN_PICTURE))
        return None


async def read_payment_code(ctx: ViewContext, state: PointsState) -> None:
    await state.payment.read_code()
    ctx.refresh()


async def pay(ctx: ViewContext, state: PointsState) -> None:
    if await state.payment.pay():
        ctx.notify(ctx.t("Payment complete."))
    ctx.refresh()


async def make_code(ctx: ViewContext, state: PointsState) -> None:
    await state.code.make()
    ctx.refresh()


async def claim(ctx: ViewContext, state: PointsState) -> None:
    if await state.earn.claim():
        await state.load()
    ctx.refresh()


async def save_pin(ctx: ViewContext, state: PointsState, changing: bool) -> None:
    if await state.pin.save(changing):
        state.pin_set = True
        ctx.notify(ctx.t("Your PIN is saved."))
    ctx.refresh()
