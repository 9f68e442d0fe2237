"""Resident routes of points payments (docs/points.md, "Resident"; ADR 0033):

- `PUT /points/pin`: set or change the payment PIN;
- `POST /points/payments/preview`: what a scanned shop JPQR would pay;
- `POST /points/payments`: pay it, confirmed with the PIN;
- `POST /points/customer-codes`: a 60-second code for the shop to scan.

Payments need a card-verified account and the network (nothing here is queued offline).
"""

from __future__ import annotations

from typing import Any, NoReturn

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field

from backend.api.dependencies import EngineDep
from backend.identity.dependencies import CardVerifiedPerson, SigningKeyDep
from backend.services.clock import utc_now
from backend.tiles.points import api
from backend.tiles.points.customer_codes import CustomerCodeRefused, code_key, issue_code
from backend.tiles.points.emv_qr import QrRefused
from backend.tiles.points.payments import MAX_AMOUNT, PaymentRefused, pay_by_qr, preview
from backend.tiles.points.pin import PinProblem, set_pin, verify_pin

router = APIRouter(tags=["points"])

PIN_PATTERN = r"^[0-9]{4,6}$"
KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"
MAX_PAYLOAD_CHARS = 1024  # EMV's own limit (512) is checked with the other QR rules


def refuse(exc: Exception) -> NoReturn:
    """The project's 4xx for a refusal of payments, the PIN, codes or the ledger."""
    if isinstance(exc, (PaymentRefused, PinProblem, CustomerCodeRefused, api.PointsError)):
        raise HTTPException(exc.status, exc.detail()) from None
    if isinstance(exc, QrRefused):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            {"code": exc.code, "message": exc.message}) from None
    raise exc


REFUSALS = (PaymentRefused, PinProblem, CustomerCodeRefused, QrRefused, api.PointsError)


class PinIn(BaseModel):
    pin: str = Field(min_length=1, max_length=16)
    current_pin: str | None = Field(default=None, pattern=PIN_PATTERN)


class PreviewIn(BaseModel):
    qr_payload: str = Field(min_length=1, max_length=MAX_PAYLOAD_CHARS)


class PaymentIn(PreviewIn):
    amount: int | None = Field(default=None, ge=1, le=MAX_AMOUNT)
    pin: str = Field(pattern=PIN_PATTERN)
    idempotency_key: str = Field(pattern=KEY_PATTERN)


class CustomerCodeIn(BaseModel):
    pin: str = Field(pattern=PIN_PATTERN)


@router.put("/points/pin", status_code=status.HTTP_204_NO_CONTENT)
def put_pin(body: PinIn, person: CardVerifiedPerson, engine: EngineDep) -> Response:
    try:
        set_pin(engine, person.id, person.municipality_code, body.pin, body.current_pin,
                utc_now())
    except REFUSALS as exc:
        refuse(exc)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/points/payments/preview")
def preview_payment(body: PreviewIn, person: CardVerifiedPerson,
                    engine: EngineDep) -> dict[str, Any]:
    try:
        return preview(engine, person.municipality_code, body.qr_payload).to_json()
    except REFUSALS as exc:
        refuse(exc)


@router.post("/points/payments", status_code=status.HTTP_201_CREATED)
def pay(body: PaymentIn, person: CardVerifiedPerson, engine: EngineDep) -> dict[str, Any]:
    try:
        return pay_by_qr(engine, person, payload=body.qr_payload, amount=body.amount,
                         pin=body.pin, idempotency_key=body.idempotency_key, now=utc_now())
    except REFUSALS as exc:
        refuse(exc)


@router.post("/points/customer-codes", status_code=status.HTTP_201_CREATED)
def customer_code(body: CustomerCodeIn, person: CardVerifiedPerson, engine: EngineDep,
                  signing_key: SigningKeyDep) -> dict[str, Any]:
    now = utc_now()
    try:
        verify_pin(engine, person.id, body.pin, now)
    except REFUSALS as exc:
        refuse(exc)
    return issue_code(engine, code_key(signing_key), person.id, person.municipality_code,
                      now).to_json()
