"""Resident routes of the wallet and of earning (docs/points.md, "Resident"; ADR 0034):

- `GET /points/wallet`, `GET /points/history`: the balance and the transfers, also of a
  minor child or of someone who delegated to the caller (`person_id`, `may_act_for`; each
  such read goes to that person's access log);
- `GET /points/transfers/{id}/receipt`: the receipt of one of the caller's transfers;
- `POST /points/claims`: claim the points of a scanned earn code;
- `GET /points/rules` (public): how points are earned;
- `GET /points/district-progress`, `PUT /points/district-optin`: the district recycling goal.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NoReturn

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field, StrictBool
from sqlmodel import Session

from backend.api.dependencies import EngineDep, SettingsDep
from backend.api.params import MAX_ID_LENGTH, Offset, PathId
from backend.db import write_engine
from backend.identity.dependencies import CurrentPerson
from backend.models.person import Person
from backend.services.access_log import record_delegate_read
from backend.services.clock import city_today, utc_now
from backend.services.delegation import may_act_for
from backend.tiles.points import api, queries
from backend.tiles.points.claim_handlers import write_claim_row
from backend.tiles.points.claims import claim_code, claim_json
from backend.tiles.points.districts import (
    check_period,
    default_periods,
    progress,
    set_opt_in,
)
from backend.tiles.points.earn_codes import MAX_CODE_LENGTH
from backend.tiles.points.errors import PointsError
from backend.tiles.points.pin import pin_state
from backend.tiles.points.rules_store import active_rules

router = APIRouter(tags=["points"])

KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"
MONTH_PATTERN = r"^\d{4}-\d{2}$"
TransferKind = Literal["earn", "pay", "refund", "expire", "correction"]
PersonParam = Annotated[str | None, Query(min_length=1, max_length=MAX_ID_LENGTH,
                                          description="A minor child's or a delegator's "
                                                      "common ID (default: the caller)")]


def refuse(exc: PointsError) -> NoReturn:
    raise HTTPException(exc.status, exc.detail()) from None


def _subject(session: Session, caller: Person, person_id: str | None, resource: str) -> Person:
    """The caller, or the person they may act for (the read is logged in that person's
    access log); 404 for anyone else, so another person's id reveals nothing."""
    if person_id is None or person_id == caller.id:
        return caller
    subject = session.get(Person, person_id)
    if subject is None or not may_act_for(session, caller, subject):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such person you may act for")
    record_delegate_read(session, caller, subject, "ポイントの確認（points on their behalf）",
                         resource)
    return subject


@router.get("/points/wallet")
def wallet(person: CurrentPerson, engine: EngineDep,
           person_id: PersonParam = None) -> dict[str, Any]:
    with Session(write_engine(engine), expire_on_commit=False) as session:
        subject = _subject(session, person, person_id, "points wallet")
    balance = api.balance(engine, subject.id)
    return {**balance.to_json(), **pin_state(engine, subject.id, utc_now()).to_json()}


@router.get("/points/history")
def history(person: CurrentPerson, engine: EngineDep, person_id: PersonParam = None,
            kind: TransferKind | None = None,
            month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
            offset: Offset = 0,
            limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = queries.DEFAULT_LIMIT,
            ) -> dict[str, Any]:
    with Session(write_engine(engine), expire_on_commit=False) as session:
        subject = _subject(session, person, person_id, "points history")
        try:
            return queries.history(session, subject.id, kind, month, offset, limit).to_json()
        except PointsError as exc:
            refuse(exc)


@router.get("/points/transfers/{transfer_id}/receipt")
def receipt(transfer_id: PathId, person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    with Session(engine) as session:
        found = queries.receipt(session, transfer_id)
    if found is None or found.person_id != person.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such transfer of yours")
    return found.data


class ClaimIn(BaseModel):
    code: str = Field(min_length=1, max_length=MAX_CODE_LENGTH)
    idempotency_key: str = Field(pattern=KEY_PATTERN)


@router.post("/points/claims", status_code=status.HTTP_201_CREATED)
def claim(body: ClaimIn, person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    """Claim a scanned earn code (online; offline the app queues `points_claims.claim`)."""

    def work(session: Session) -> dict[str, Any]:
        now = utc_now()
        result = claim_code(session, person, body.code, body.idempotency_key, now)
        write_claim_row(session, person, body.idempotency_key, result, now)
        found = queries.receipt(session, result.transfer.transfer_id)
        assert found is not None
        return claim_json(result, found.data)

    try:
        return api.in_write_transaction(engine, work)
    except PointsError as exc:
        refuse(exc)


@router.get("/points/rules")
def rules(engine: EngineDep, settings: SettingsDep) -> dict[str, Any]:
    """Public: how points are earned (from the city's `rules.json`)."""
    with Session(engine) as session:
        found = active_rules(session, settings.municipality_code)
    return {"rules": [rule.data() for rule in found]}


@router.get("/points/district-progress")
def district_progress(person: CurrentPerson, engine: EngineDep,
                      period: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
                      ) -> dict[str, Any]:
    now = utc_now()
    if period is not None:
        try:
            check_period(period, city_today(now))
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    with Session(engine) as session:
        return progress(session, person, [period] if period else default_periods(now))


class OptIn(BaseModel):
    opted_in: StrictBool  # true or false, not 0 / "yes"


@router.put("/points/district-optin")
def district_optin(body: OptIn, person: CurrentPerson, engine: EngineDep) -> dict[str, Any]:
    now = utc_now()

    def work(session: Session) -> dict[str, Any]:
        set_opt_in(session, person, body.opted_in, now)
        session.flush()
        return progress(session, person, default_periods(now))

    try:
        return api.in_write_transaction(engine, work)
    except PointsError as exc:
        refuse(exc)
