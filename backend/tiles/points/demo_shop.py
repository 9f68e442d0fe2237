"""The demo shop (made up): ごんご商店, a Japanese-sweets and souvenir shop, whose clerk is
the development persona `dev-gongo` (店員 ごんご). Only with the demo data
(`TSUYAMA_DEMO_DATA`) and the development identity provider.

The shop is added at start-up. The clerk's common ID exists only from their first login
(nothing makes people ahead of it), so the membership is added when that person first asks
for their shops: like the demo households, keyed by the persona's subject at the
development provider. Idempotent: a restart or a second call adds nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.db import write_engine
from backend.identity.dev_idp.personas import GONGO, Persona
from backend.models import Person
from backend.services.clock import utc_now
from backend.settings import Settings
from backend.tiles.points.emv_qr import JpqrMerchant
from backend.tiles.points.models import PointsShop
from backend.tiles.points.shops import add_clerk, jpqr_merchant

logger = logging.getLogger(__name__)

DEMO_SHOP_NAME = "ごんご商店"
DEMO_CATEGORY = "和菓子・土産"
DEMO_MERCHANT_ID = "9990332038001"  # made up: no real 統一店舗識別コード starts with 999
DEMO_POSTAL_CODE = "708-0022"
DEMO_CLERK: Persona = GONGO


def demo_shop_id(municipality_code: str) -> str:
    """The demo shop's id: the same on every start (and in every test of one city)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL,
                          f"tsuyama-portal:points:demo-shop:{municipality_code}:gongo"))


def demo_shop_row(municipality_code: str, now: datetime) -> PointsShop:
    return PointsShop(id=demo_shop_id(municipality_code), municipality_code=municipality_code,
                      name=DEMO_SHOP_NAME, merchant_id=DEMO_MERCHANT_ID, category=DEMO_CATEGORY,
                      postal_code=DEMO_POSTAL_CODE, active=True, created_at=now)


def demo_merchant() -> JpqrMerchant:
    """What the demo shop's JPQR says (scripts/make_demo_jpqr.py draws it)."""
    return jpqr_merchant(demo_shop_row("332038", utc_now()))


def _ensure_shop(engine: Engine, municipality_code: str, now: datetime) -> PointsShop:
    shop_id = demo_shop_id(municipality_code)
    with Session(write_engine(engine), expire_on_commit=False) as session:
        shop = session.get(PointsShop, shop_id)
        if shop is None:
            shop = demo_shop_row(municipality_code, now)
            session.add(shop)
            try:
                session.commit()
            except IntegrityError:  # another worker started at the same moment
                session.rollback()
                shop = session.get(PointsShop, shop_id)
                if shop is None:
                    raise
        return shop


def demo_enabled(settings: Settings) -> bool:
    return settings.load_demo_data and settings.upstream_is_dev_idp


def load_demo_shop(engine: Engine, settings: Settings) -> bool:
    """Start-up loader: the demo shop; True if it was added."""
    if not demo_enabled(settings):
        return False
    shop_id = demo_shop_id(settings.municipality_code)
    with Session(engine) as session:
        if session.get(PointsShop, shop_id) is not None:
            return False
    _ensure_shop(engine, settings.municipality_code, utc_now())
    logger.info("Points demo: shop %s", DEMO_SHOP_NAME)
    return True


def is_demo_clerk(settings: Settings, person: Person) -> bool:
    """Whether `person` is the demo shop's clerk persona (demo and dev provider only)."""
    return (demo_enabled(settings) and person.upstream_issuer == settings.dev_idp_issuer
            and person.upstream_subject == DEMO_CLERK.sub)


def attach_demo_clerk(engine: Engine, settings: Settings, person: Person) -> bool:
    """Make the demo clerk persona a clerk of the demo shop; True if added now."""
    if not is_demo_clerk(settings, person):
        return False
    now = utc_now()
    shop = _ensure_shop(engine, settings.municipality_code, now)
    with Session(write_engine(engine)) as session:
        added = add_clerk(session, shop, person.id, now, created_by="demo")
        try:
            session.commit()
        except IntegrityError:  # added by a parallel request
            return False
    if added:
        logger.info("Points demo: %s is a clerk of %s", DEMO_CLERK.sub, DEMO_SHOP_NAME)
    return added
