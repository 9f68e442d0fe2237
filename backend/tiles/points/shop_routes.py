"""Shop clerk routes (docs/points.md, "Shop clerk"; ADR 0033): the shop screen shows the
shop's JPQR, charges a customer's code, lists the day's takings and refunds a payment.

Every `{shop_id}` route needs a clerk of that shop: any other shop id, or a shop that does
not exist, is the same 404 (a caller learns nothing about other shops). Each write's
idempotency key is the shop's (`shop:<id>` scope): a lost answer is asked again with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import AfterValidator, BaseModel, Field
from sqlmodel import Session

from backend.api.dependencies import EngineDep, SettingsDep
from backend.api.params import PathId, calendar_day, optional_calendar_day
from backend.identity.dependencies import CardVerifiedPerson, SigningKeyDep
from backend.models import Person
from backend.services.clock import city_today, utc_now
from backend.tiles.points.customer_codes import MAX_TOKEN_LENGTH, code_key
from backend.tiles.points.demo_shop import attach_demo_clerk
from backend.tiles.points.models import PointsShop
from backend.tiles.points.payment_routes import KEY_PATTERN, REFUSALS, refuse
from backend.tiles.points.payments import (
    MAX_AMOUNT,
    charge,
    refund_for_shop,
    shop_payload,
    takings,
)
from backend.tiles.points.shops import clerk_shop, clerk_shop_json, shops_of

router = APIRouter(tags=["points shop"])

NOT_YOUR_SHOP = {"code": "unknown_shop", "message": "no such shop among yours"}


@dataclass(frozen=True)
class ClerkAtShop:
    person: Person
    shop: PointsShop


def clerk_at_shop(shop_id: PathId, person: CardVerifiedPerson,
                  engine: EngineDep) -> ClerkAtShop:
    with Session(engine) as session:
        shop = clerk_shop(session, person.id, shop_id)
    if shop is None or shop.municipality_code != person.municipality_code:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_YOUR_SHOP)
    return ClerkAtShop(person, shop)


Clerk = Annotated[ClerkAtShop, Depends(clerk_at_shop)]
Amount = Annotated[int, Field(ge=1, le=MAX_AMOUNT)]


class ChargeIn(BaseModel):
    customer_token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH)
    amount: Amount
    idempotency_key: str = Field(pattern=KEY_PATTERN)


class RefundIn(BaseModel):
    transfer_id: str = Field(min_length=1, max_length=36)
    amount: Amount | None = None
    reason: str = Field(min_length=1, max_length=200)
    idempotency_key: str = Field(pattern=KEY_PATTERN)


@router.get("/points/shops/mine")
def my_shops(person: CardVerifiedPerson, engine: EngineDep,
             settings: SettingsDep) -> dict[str, Any]:
    attach_demo_clerk(engine, settings, person)  # development demo only; else nothing
    with Session(engine) as session:
        shops = shops_of(session, person.id)
    return {"shops": [clerk_shop_json(shop) for shop in shops
                      if shop.municipality_code == person.municipality_code]}


@router.get("/points/shops/{shop_id}/jpqr")
def shop_jpqr(clerk: Clerk, engine: EngineDep,
              amount: Annotated[int | None, Query(ge=1, le=MAX_AMOUNT)] = None
              ) -> dict[str, Any]:
    return shop_payload(engine, clerk.shop, clerk.person.id, amount, utc_now())


@router.post("/points/shops/{shop_id}/charges", status_code=status.HTTP_201_CREATED)
def charge_customer(body: ChargeIn, clerk: Clerk, engine: EngineDep,
                    signing_key: SigningKeyDep) -> dict[str, Any]:
    try:
        return charge(engine, clerk.shop, key=code_key(signing_key), token=body.customer_token,
                      amount=body.amount, idempotency_key=body.idempotency_key, now=utc_now())
    except REFUSALS as exc:
        refuse(exc)


@router.get("/points/shops/{shop_id}/takings")
def shop_takings(clerk: Clerk, engine: EngineDep,
                 day: Annotated[date | None, Query(description="City day YYYY-MM-DD"),
                                AfterValidator(optional_calendar_day)] = None
                 ) -> dict[str, Any]:
    return takings(engine, clerk.shop, calendar_day(day or city_today()))


@router.post("/points/shops/{shop_id}/refunds", status_code=status.HTTP_201_CREATED)
def refund_payment(body: RefundIn, clerk: Clerk, engine: EngineDep) -> dict[str, Any]:
    try:
        return refund_for_shop(engine, clerk.shop, clerk.person.id,
                               transfer_id=body.transfer_id, amount=body.amount,
                               reason=body.reason.strip() or "refund",
                               idempotency_key=body.idempotency_key)
    except REFUSALS as exc:
        refuse(exc)
