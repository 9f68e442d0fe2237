"""Helpers of the points payment tests: a shop with a clerk, points to spend, a PIN."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from sqlmodel import Session

from backend.models import Person
from backend.tiles.points import api
from backend.tiles.points.emv_qr import build_jpqr
from backend.tiles.points.models import PointsShop
from backend.tiles.points.shops import add_clerk, jpqr_merchant
from tests.backend.people import bearer, make_person

PIN = "2580"


def make_shop(app: FastAPI, name: str = "テスト商店", merchant_id: str = "9990000000017",
              clerk: Person | None = None) -> PointsShop:
    now = datetime.now(UTC)
    shop = PointsShop(id=str(uuid.uuid4()), municipality_code=app.state.settings.municipality_code,
                      name=name, merchant_id=merchant_id, category="和菓子・土産",
                      postal_code="708-0841", active=True, created_at=now)
    with Session(app.state.engine, expire_on_commit=False) as session:
        session.add(shop)
        session.flush()
        if clerk is not None:
            add_clerk(session, shop, clerk.id, now)
        session.commit()
    return shop


def static_code(shop: PointsShop) -> str:
    return build_jpqr(jpqr_merchant(shop))


def give_points(app: FastAPI, person: Person, amount: int) -> None:
    api.earn(app.state.engine, person_id=person.id, amount=amount, purpose="staff_grant",
             idempotency_key=f"test-{uuid.uuid4().hex[:16]}")


def points_of(app: FastAPI, person: Person) -> int:
    return api.balance(app.state.engine, person.id).points


async def with_pin(client: httpx.AsyncClient, app: FastAPI, person: Person,
                   pin: str = PIN) -> None:
    answer = await client.put("/points/pin", json={"pin": pin}, headers=bearer(app, person))
    assert answer.status_code == 204, answer.text


def resident(app: FastAPI, name: str = "支払 太郎") -> Person:
    return make_person(app, name=name)


def new_key() -> str:
    return f"key-{uuid.uuid4().hex}"
