"""Staff routes of the points tile (staff of 地域振興課, department "points", only; ADR 0023;
docs/points.md "Staff"):

- `GET/POST /staff/points/shops`, `PUT/DELETE /staff/points/shops/{id}/clerks/{person}`;
- `GET /staff/points/totals`: the city's figures (no resident data);
- `GET /staff/points/residents/{person_id}/history?purpose=`: a resident's history, with the
  reason stated (`purpose`), written to the resident's access log;
- `POST /staff/points/grants`, `POST /staff/points/earn-codes`,
  `POST /staff/points/corrections`, `GET /staff/points/districts?period=`,
  `PUT /staff/points/district-weights`,
  `POST /staff/points/expiry-runs`.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, NoReturn

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.api.dependencies import EngineDep
from backend.api.params import Offset, PathId, StaffPurpose
from backend.db import write_engine
from backend.identity.dependencies import StaffCaller, staff_of
from backend.models.access_log_entry import ACTOR_STAFF
from backend.models.person import Person
from backend.services.access_log import record_access
from backend.services.clock import city_today, utc_now
from backend.tiles.points import api, queries
from backend.tiles.points.claims import claim_json, grant_by_staff
from backend.tiles.points.code_issue import issue_code
from backend.tiles.points.districts import (
    check_period,
    period_of,
    record_weight,
    staff_overview,
)
from backend.tiles.points.earn_codes import MAX_LABEL, MAX_PLACE
from backend.tiles.points.errors import PointsError
from backend.tiles.points.expiry import run_expiry
from backend.tiles.points.models import PointsShop, PointsTransfer
from backend.tiles.points.payment_models import ShopClerk
from backend.tiles.points.rules import kg_to_grams
from backend.tiles.points.shops import add_clerk, clerk_shop_json

router = APIRouter(tags=["staff"])

PointsStaff = Annotated[StaffCaller, Depends(staff_of("points"))]
KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"
MAX_KG = Decimal(1_000_000)
TransferKind = Literal["earn", "pay", "refund", "expire", "correction"]


def refuse(exc: PointsError) -> NoReturn:
    raise HTTPException(exc.status, exc.detail()) from None


def _resident(session: Session, staff: StaffCaller, person_id: str) -> Person:
    person = session.exec(select(Person).where(
        col(Person.id) == person_id, col(Person.municipality_code) == staff.municipality_code,
        col(Person.deleted_at).is_(None))).first()
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no resident with that common ID")
    return person


def _shop(session: Session, staff: StaffCaller, shop_id: str) -> PointsShop:
    shop = session.get(PointsShop, shop_id)
    if shop is None or shop.municipality_code != staff.municipality_code:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such shop")
    return shop


# -- shops -------------------------------------------------------------------------------

def _staff_shop_json(session: Session, shop: PointsShop) -> dict[str, Any]:
    clerks = session.exec(select(ShopClerk.person_id).where(
        col(ShopClerk.shop_id) == shop.id).order_by(col(ShopClerk.person_id))).all()
    return {**clerk_shop_json(shop), "active": shop.active,
            "created_at": shop.created_at.isoformat(), "clerks": list(clerks)}


@router.get("/staff/points/shops")
def list_shops(staff: PointsStaff, engine: EngineDep) -> dict[str, Any]:
    with Session(engine) as session:
        shops = session.exec(select(PointsShop).where(
            col(PointsShop.municipality_code) == staff.municipality_code
        ).order_by(col(PointsShop.name), col(PointsShop.id))).all()
        return {"shops": [_staff_shop_json(session, shop) for shop in shops]}


def _postal_code(value: str) -> str:
    digits = value.replace("-", "")
    if not re.fullmatch(r"\d{7}", digits):
        raise ValueError("postal_code must be 7 digits, e.g. 708-0022")
    return f"{digits[:3]}-{digits[3:]}"


class ShopIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    merchant_id: str = Field(pattern=r"^\d{13}$",
                             description="the JPQR 統一店舗識別コード's first part: 13 digits")
    category: str = Field(min_length=1, max_length=32)
    postal_code: Annotated[str, Field(max_length=8), AfterValidator(_postal_code)]


@router.post("/staff/points/shops", status_code=status.HTTP_201_CREATED)
def register_shop(body: ShopIn, staff: PointsStaff, engine: EngineDep) -> dict[str, Any]:
    name, category = body.name.strip(), body.category.strip()
    if not name or not category:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "name and category must say something")
    taken = HTTPException(status.HTTP_409_CONFLICT, {
        "code": "merchant_id_taken", "message": "a shop with that merchant ID is registered",
        "merchant_id": body.merchant_id})
    with Session(write_engine(engine), expire_on_commit=False) as session:
        if session.exec(select(PointsShop).where(
                col(PointsShop.municipality_code) == staff.municipality_code,
                col(PointsShop.merchant_id) == body.merchant_id)).first() is not None:
            raise taken
        shop = PointsShop(id=str(uuid.uuid4()), municipality_code=staff.municipality_code,
                          name=name, merchant_id=body.merchant_id, category=category,
                          postal_code=body.postal_code, active=True, created_at=utc_now())
        session.add(shop)
        try:
            session.commit()
        except IntegrityError:  # registered at the same moment by someone else
            raise taken from None
        return _staff_shop_json(session, shop)


@router.put("/staff/points/shops/{shop_id}/clerks/{person_id}")
def make_clerk(shop_id: PathId, person_id: PathId, staff: PointsStaff,
               engine: EngineDep) -> dict[str, Any]:
    with Session(write_engine(engine), expire_on_commit=False) as session:
        shop = _shop(session, staff, shop_id)
        person = _resident(session, staff, person_id)
        added = add_clerk(session, shop, person.id, utc_now(), created_by=staff.id)
        session.commit()
        return {"shop_id": shop.id, "person_id": person.id, "added": added}


@router.delete("/staff/points/shops/{shop_id}/clerks/{person_id}",
               status_code=status.HTTP_204_NO_CONTENT)
def end_clerk(shop_id: PathId, person_id: PathId, staff: PointsStaff,
              engine: EngineDep) -> Response:
    with Session(write_engine(engine)) as session:
        shop = _shop(session, staff, shop_id)
        clerk = session.get(ShopClerk, (shop.id, person_id))
        if clerk is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "not a clerk of that shop")
        session.delete(clerk)
        session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- figures and residents ---------------------------------------------------------------

@router.get("/staff/points/totals")
def totals(staff: PointsStaff, engine: EngineDep) -> dict[str, int]:
    with Session(engine) as session:
        return queries.totals(session, staff.municipality_code)


@router.get("/staff/points/residents/{person_id}/history")
def resident_history(
    person_id: PathId, staff: PointsStaff, engine: EngineDep, purpose: StaffPurpose,
    kind: TransferKind | None = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = queries.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """A resident's history; `purpose` is why it is read, shown in the resident's log."""
    with Session(write_engine(engine), expire_on_commit=False) as session:  # read, then log
        resident = _resident(session, staff, person_id)
        try:
            page = queries.history(session, resident.id, kind, month, offset, limit)
        except PointsError as exc:
            refuse(exc)
        record_access(session, municipality_code=resident.municipality_code,
                      subject_person_id=resident.id, actor_person_id=staff.id,
                      actor_kind=ACTOR_STAFF, purpose=purpose, resource="points history")
        session.commit()
    return {**page.to_json(), "person_id": resident.id, "logged_purpose": purpose}


# -- grants, codes, corrections ----------------------------------------------------------

class GrantIn(BaseModel):
    person_id: str = Field(min_length=1, max_length=64)
    rule_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=3, max_length=500)
    idempotency_key: str = Field(pattern=KEY_PATTERN)


@router.post("/staff/points/grants", status_code=status.HTTP_201_CREATED)
def grant(body: GrantIn, staff: PointsStaff, engine: EngineDep) -> dict[str, Any]:
    """A staff grant by rule (a health check done); the rule's caps apply."""

    if body.person_id == staff.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, {
            "code": "own_account", "message": "staff cannot grant points to themselves"})

    def work(session: Session) -> dict[str, Any]:
        resident = _resident(session, staff, body.person_id)
        result = grant_by_staff(session, staff.id, resident, body.rule_id, body.reason.strip(),
                                body.idempotency_key, utc_now())
        found = queries.receipt(session, result.transfer.transfer_id)
        assert found is not None
        return {**claim_json(result, found.data), "person_id": resident.id}

    try:
        return api.in_write_transaction(engine, work)
    except PointsError as exc:
        refuse(exc)


class EarnCodeIn(BaseModel):
    rule_id: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=MAX_LABEL)
    place: str = Field(default="", max_length=MAX_PLACE)
    valid_from: AwareDatetime
    valid_until: AwareDatetime


@router.post("/staff/points/earn-codes", status_code=status.HTTP_201_CREATED)
def earn_code(body: EarnCodeIn, staff: PointsStaff, engine: EngineDep) -> dict[str, Any]:
    """A signed QR payload for an event check-in or a collection point (print it)."""
    label = body.label.strip()
    if not label:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "label must say something")

    def work(session: Session) -> dict[str, Any]:
        text, code = issue_code(session, staff_id=staff.id,
                                municipality_code=staff.municipality_code,
                                rule_id=body.rule_id, label=label, place=body.place.strip(),
                                valid_from=body.valid_from, valid_until=body.valid_until,
                                now=utc_now())
        return {"code": text, "rule_id": code.rule_id, "label": code.label,
                "place": code.place, "valid_from": code.valid_from.isoformat(),
                "valid_until": code.valid_until.isoformat()}

    try:
        return api.in_write_transaction(engine, work)
    except PointsError as exc:
        refuse(exc)


class CorrectionIn(BaseModel):
    transfer_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=3, max_length=500)
    idempotency_key: str = Field(pattern=KEY_PATTERN)


@router.post("/staff/points/corrections", status_code=status.HTTP_201_CREATED)
def correction(body: CorrectionIn, staff: PointsStaff, engine: EngineDep) -> dict[str, Any]:
    """A correction transfer that reverses `transfer_id` (of this municipality)."""
    with Session(engine) as session:
        original = session.get(PointsTransfer, body.transfer_id)
    if original is None or original.municipality_code != staff.municipality_code:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such transfer")
    try:
        result = api.correct(engine, transfer_id=original.id, reason=body.reason.strip(),
                             actor_person_id=staff.id, idempotency_key=body.idempotency_key,
                             scope=f"staff:{staff.id}")
    except PointsError as exc:
        refuse(exc)
    with Session(engine) as session:
        found = queries.receipt(session, result.transfer_id)
    assert found is not None
    return {**found.data, "replayed": result.replayed}


# -- district goals and expiry -----------------------------------------------------------

class WeightIn(BaseModel):
    district_id: str = Field(min_length=1, max_length=64)
    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="the month, YYYY-MM")
    kg: Decimal = Field(ge=0, le=MAX_KG, description="sorted recyclables, kg (3 decimals)")


@router.get("/staff/points/districts")
def districts(staff: PointsStaff, engine: EngineDep,
              period: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$",
                                                  description="the month, YYYY-MM")] = None,
              ) -> dict[str, Any]:
    """The city's recycling districts with their goals and what was recorded for `period`
    (this month when not given): what the weight form chooses from."""
    today = city_today(utc_now())
    month = period or period_of(today)
    try:
        check_period(month, today)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    with Session(engine) as session:
        return staff_overview(session, staff.municipality_code, month)


@router.put("/staff/points/district-weights")
def district_weight(body: WeightIn, staff: PointsStaff, engine: EngineDep) -> dict[str, Any]:
    """Record a district's weight for a month; reaching the goal grants every taking-part
    household once for that month."""
    now = utc_now()
    grams = kg_to_grams(str(body.kg))
    if grams is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "kg must be a weight with at most 3 decimals")
    try:
        check_period(body.period, city_today(now))
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    try:
        return api.in_write_transaction(engine, lambda session: record_weight(
            session, staff_id=staff.id, municipality_code=staff.municipality_code,
            district_id=body.district_id, period=body.period, grams=grams, now=now)).to_json()
    except PointsError as exc:
        refuse(exc)


@router.post("/staff/points/expiry-runs")
def expiry_run(staff: PointsStaff, engine: EngineDep) -> dict[str, Any]:
    """Expire the points past their expiry now (the job also runs daily)."""
    started: datetime = utc_now()
    return {**run_expiry(engine, started).to_json(), "ran_at": started.isoformat()}
