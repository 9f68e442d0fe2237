"""Registered shops as payments see them: found by their JPQR merchant id, used by their
clerks (`points_shop_clerk`), and described in the codes they show (docs/points.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from backend.tiles.points.emv_qr import JpqrMerchant
from backend.tiles.points.models import PointsShop
from backend.tiles.points.payment_models import ShopClerk

# Merchant category codes (ISO 18245) by the shop's category; 5999 otherwise.
_MCC_BY_CATEGORY = {
    "和菓子・土産": "5441",  # candy, nut and confectionery stores
    "食料品": "5411",
    "飲食店": "5812",
    "書店": "5942",
    "衣料品": "5651",
}
DEFAULT_MCC = "5999"
JPQR_CITY = "TSUYAMA"


def shop_by_merchant(session: Session, municipality_code: str,
                     merchant_id: str) -> PointsShop | None:
    """The active shop of the municipality with this JPQR merchant id."""
    return session.scalars(select(PointsShop).where(
        col(PointsShop.municipality_code) == municipality_code,
        col(PointsShop.merchant_id) == merchant_id,
        col(PointsShop.active).is_(True))).first()


def clerk_shop(session: Session, person_id: str, shop_id: str) -> PointsShop | None:
    """The active shop if `person_id` is one of its clerks; None otherwise (whether the
    shop exists or not: a caller learns nothing about other shops)."""
    return session.scalars(
        select(PointsShop)
        .join(ShopClerk, col(ShopClerk.shop_id) == col(PointsShop.id))
        .where(col(ShopClerk.person_id) == person_id, col(PointsShop.id) == shop_id,
               col(PointsShop.active).is_(True))).first()


def shops_of(session: Session, person_id: str) -> list[PointsShop]:
    """The active shops `person_id` is a clerk of, by name."""
    return list(session.scalars(
        select(PointsShop)
        .join(ShopClerk, col(ShopClerk.shop_id) == col(PointsShop.id))
        .where(col(ShopClerk.person_id) == person_id, col(PointsShop.active).is_(True))
        .order_by(col(PointsShop.name), col(PointsShop.id))))


def add_clerk(session: Session, shop: PointsShop, person_id: str, now: datetime,
              created_by: str | None = None) -> bool:
    """Make `person_id` a clerk of `shop` (the caller commits); False if already one."""
    if session.get(ShopClerk, (shop.id, person_id)) is not None:
        return False
    session.add(ShopClerk(shop_id=shop.id, person_id=person_id,
                          municipality_code=shop.municipality_code, created_at=now,
                          created_by=created_by))
    return True


def jpqr_merchant(shop: PointsShop) -> JpqrMerchant:
    """What the shop's JPQR says about it. Object 59 wants Latin letters: the merchant id
    stands in for a romanised name; the Japanese name is in 64-01."""
    return JpqrMerchant(
        merchant_id=shop.merchant_id,
        name_ja=shop.name,
        name=f"SHOP {shop.merchant_id}",
        city=JPQR_CITY,
        postal_code=shop.postal_code,
        mcc=_MCC_BY_CATEGORY.get(shop.category, DEFAULT_MCC),
    )


def shop_json(shop: PointsShop) -> dict[str, Any]:
    return {"id": shop.id, "name": shop.name, "category": shop.category}


def clerk_shop_json(shop: PointsShop) -> dict[str, Any]:
    """A shop as its clerk sees it (GET /points/shops/mine)."""
    return {**shop_json(shop), "merchant_id": shop.merchant_id,
            "postal_code": shop.postal_code}
