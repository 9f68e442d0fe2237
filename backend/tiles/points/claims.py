"""Earning points by rule: a resident's scanned earn code, or a staff grant (ADR 0034).

Both run inside the caller's transaction (an HTTP route's `in_write_transaction`, or the
push engine's savepoint for the offline `points_claims.claim`), in this order:

1. the idempotency key: a claim already made with it answers again (the same request) or is
   refused `idempotency_key_reused` (another request), before anything else is checked;
2. the code's signature and time (`bad_signature`, `not_yet_valid`, `code_expired`; a
   claim synced from offline may arrive up to `earn_codes.OFFLINE_GRACE` after `exp`);
3. the rule (active, granted this way) and who may receive it (`not_eligible`);
4. one claim per code per person (`already_claimed`, the unique (person, nonce));
5. the caps: per person and rule, per day and per fiscal year (1 April) in Asia/Tokyo, each
   a tally row raised by one conditional UPDATE (`cap_reached`, `cap`: daily/yearly);
6. the ledger's earn with the same idempotency key, and the claim row.

Refusals are `PointsError`s: the transaction rolls back and leaves no trace. Two requests
racing on a key or a nonce: the loser's insert fails as a unique violation, its transaction
is retried and then finds the winner's row.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from backend.db_results import affected_rows
from backend.models.person import ASSURANCE_CARD, Person
from backend.services.clock import city_today
from backend.tiles.points import ledger
from backend.tiles.points.code_keys import secret_lookup
from backend.tiles.points.earn_codes import CodeRejected, EarnCode, read_code
from backend.tiles.points.earning_models import (
    CLAIM_BY_CODE,
    CLAIM_BY_STAFF,
    PointsClaim,
    PointsClaimTally,
)
from backend.tiles.points.errors import IdempotencyConflict, PointsError
from backend.tiles.points.idempotency import check_key, request_hash
from backend.tiles.points.models import PointsAccount, PointsPosting, PointsTransfer
from backend.tiles.points.results import TransferResult
from backend.tiles.points.rules import ELIGIBLE_RESIDENTS, HOW_CODE, HOW_STAFF, EarnRule
from backend.tiles.points.rules_store import active_rule
from backend.tiles.points.settings import PointsSettings


class BadCode(PointsError):
    """The code is not one the city made, or not valid now (422)."""

    status = 422

    def __init__(self, rejected: CodeRejected) -> None:
        super().__init__(rejected.message)
        self.code = rejected.code


class AlreadyClaimed(PointsError):
    code = "already_claimed"


class CapReached(PointsError):
    code = "cap_reached"


class NotEligible(PointsError):
    code = "not_eligible"


class UnknownRule(PointsError):
    code = "unknown_rule"
    status = 422


class NotByStaff(PointsError):
    """The rule is earned by a code only: staff cannot grant it."""

    code = "rule_not_granted_by_staff"
    status = 422


@dataclass(frozen=True)
class ClaimResult:
    claim_id: str
    person_id: str
    rule: EarnRule
    label: str | None
    transfer: TransferResult
    replayed: bool


def fiscal_year(day: date) -> int:
    """The Japanese fiscal year (年度) `day` is in: it starts on 1 April."""
    return day.year if day.month >= 4 else day.year - 1


def _eligible(session: Session, person: Person, rule: EarnRule, day: date) -> None:
    if not person.active:
        raise NotEligible("the account is closed")
    if rule.eligible == ELIGIBLE_RESIDENTS and person.assurance_level != ASSURANCE_CARD:
        raise NotEligible(f"{rule.name_en} is for residents logged in with the My Number card"
                          f"（「{rule.name_ja}」はマイナンバーカードでログインした住民の方が対象です）")
    if rule.min_age is not None:
        age = person.age_on(day)
        if age is None or age < rule.min_age:
            raise NotEligible(f"{rule.name_en} is for people aged {rule.min_age} or over"
                              f"（「{rule.name_ja}」は{rule.min_age}歳以上の方が対象です）",
                              min_age=rule.min_age)


def _take_cap(session: Session, person_id: str, rule_id: str, period: str, cap: int,
              which: str, rule: EarnRule) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(PointsClaimTally).values(
        person_id=person_id, rule_id=rule_id, period=period, count=0
    ).on_conflict_do_nothing(index_elements=["person_id", "rule_id", "period"]))
    taken = affected_rows(session.execute(
        update(PointsClaimTally).where(
            col(PointsClaimTally.person_id) == person_id,
            col(PointsClaimTally.rule_id) == rule_id,
            col(PointsClaimTally.period) == period,
            col(PointsClaimTally.count) < cap,
        ).values(count=PointsClaimTally.count + 1)))
    if not taken:
        span = ("today", "今日") if which == "daily" else ("this fiscal year", "今年度")
        raise CapReached(f"{rule.name_en} can be earned {cap} times {span[0]}"
                         f"（「{rule.name_ja}」は{span[1]}{cap}回までです）",
                         cap=which, limit=cap)


def take_caps(session: Session, person_id: str, rule: EarnRule, day: date) -> None:
    if rule.daily_cap is not None:
        _take_cap(session, person_id, rule.id, f"D{day.isoformat()}", rule.daily_cap,
                  "daily", rule)
    if rule.yearly_cap is not None:
        _take_cap(session, person_id, rule.id, f"FY{fiscal_year(day)}", rule.yearly_cap,
                  "yearly", rule)


def _existing(session: Session, scope: str, key: str, digest: str) -> PointsClaim | None:
    claim = session.exec(select(PointsClaim).where(
        col(PointsClaim.idem_scope) == scope, col(PointsClaim.idempotency_key) == key)).first()
    if claim is not None and claim.request_hash != digest:
        raise IdempotencyConflict("this idempotency_key was already used for a different "
                                  "request; use a new key for a new request",
                                  idempotency_key=key)
    return claim


def transfer_result(session: Session, transfer_id: str, person_id: str) -> TransferResult:
    """The earn `transfer_id` as its resident saw it when it was posted."""
    row = session.execute(
        select(PointsTransfer, PointsPosting.balance_after)
        .join(PointsPosting, col(PointsPosting.transfer_id) == col(PointsTransfer.id))
        .join(PointsAccount, col(PointsAccount.id) == col(PointsPosting.account_id))
        .where(col(PointsTransfer.id) == transfer_id, col(PointsAccount.person_id) == person_id)
    ).one()
    transfer, balance_after = row
    return TransferResult(
        transfer_id=transfer.id, kind=transfer.kind, purpose=transfer.purpose,
        amount=transfer.amount, balance_after=balance_after, created_at=transfer.created_at,
        reference=transfer.reference, person_id=person_id, replayed=True)


def _replayed(session: Session, claim: PointsClaim) -> ClaimResult:
    transfer = transfer_result(session, claim.transfer_id, claim.person_id)
    rule_row = active_rule(session, claim.municipality_code, claim.rule_id)
    rule = rule_row if rule_row is not None else _retired_rule(claim)
    return ClaimResult(claim.id, claim.person_id, rule, claim.label, transfer, replayed=True)


def _retired_rule(claim: PointsClaim) -> EarnRule:
    """A stand-in for a rule the city has since removed (a replay still answers)."""
    return EarnRule(id=claim.rule_id, purpose="", name_ja=claim.rule_id,
                    name_en=claim.rule_id, amount=claim.amount, daily_cap=None,
                    yearly_cap=None, how=(), eligible=ELIGIBLE_RESIDENTS)


def _expiry_days() -> int:
    return PointsSettings.from_env(os.environ).expiry_days


def _record(session: Session, *, person: Person, rule: EarnRule, source: str,
            nonce: str | None, label: str | None, scope: str, key: str, digest: str,
            day: date, now: datetime, actor_person_id: str | None = None,
            reason: str | None = None) -> ClaimResult:
    transfer = ledger.earn(
        session, person_id=person.id, amount=rule.amount, purpose=rule.purpose,
        idempotency_key=key, reference=rule.id, actor_person_id=actor_person_id,
        scope=scope, expiry_days=_expiry_days())
    claim = PointsClaim(
        id=str(uuid.uuid4()), municipality_code=person.municipality_code,
        person_id=person.id, rule_id=rule.id, source=source, nonce=nonce, label=label,
        idem_scope=scope, idempotency_key=key, request_hash=digest,
        transfer_id=transfer.transfer_id, amount=rule.amount, city_day=day,
        actor_person_id=actor_person_id, reason=reason, claimed_at=now)
    session.add(claim)
    session.flush()
    return ClaimResult(claim.id, person.id, rule, label, transfer, replayed=False)


def claim_code(session: Session, person: Person, code_text: str, idempotency_key: str,
               now: datetime, grace: timedelta = timedelta(0)) -> ClaimResult:
    """The resident `person` claims the points of a scanned earn code."""
    scope = f"person:{person.id}"
    check_key(scope, idempotency_key)
    digest = request_hash({"claim": code_text.strip()})
    existing = _existing(session, scope, idempotency_key, digest)
    if existing is not None:
        return _replayed(session, existing)
    try:
        code: EarnCode = read_code(code_text, secret_lookup(session))
        if code.municipality_code != person.municipality_code:
            raise CodeRejected("this code is another municipality's")
        code.check_time(now, grace)
    except CodeRejected as rejected:
        raise BadCode(rejected) from None
    rule = active_rule(session, person.municipality_code, code.rule_id)
    if rule is None or HOW_CODE not in rule.how:
        raise NotEligible("this code's rule is no longer offered"
                          "（このコードの対象は終了しました）", rule_id=code.rule_id)
    day = city_today(now)
    _eligible(session, person, rule, day)
    taken = session.exec(select(PointsClaim).where(
        col(PointsClaim.person_id) == person.id, col(PointsClaim.nonce) == code.nonce)).first()
    if taken is not None:
        raise AlreadyClaimed(f"you already earned the points of {code.label}"
                             f"（「{code.label}」のポイントは受け取り済みです）",
                             claimed_at=taken.claimed_at.isoformat())
    take_caps(session, person.id, rule, day)
    return _record(session, person=person, rule=rule, source=CLAIM_BY_CODE, nonce=code.nonce,
                   label=code.label, scope=scope, key=idempotency_key, digest=digest,
                   day=day, now=now)


def grant_by_staff(session: Session, staff_id: str, person: Person, rule_id: str, reason: str,
                   idempotency_key: str, now: datetime) -> ClaimResult:
    """Staff grant `person` the points of `rule_id` (a health check done); caps apply."""
    scope = f"staff:{staff_id}"
    check_key(scope, idempotency_key)
    digest = request_hash({"grant": {"person_id": person.id, "rule_id": rule_id,
                                     "reason": reason}})
    existing = _existing(session, scope, idempotency_key, digest)
    if existing is not None:
        return _replayed(session, existing)
    rule = active_rule(session, person.municipality_code, rule_id)
    if rule is None:
        raise UnknownRule(f"no earning rule {rule_id!r}", rule_id=rule_id)
    if HOW_STAFF not in rule.how:
        raise NotByStaff(f"{rule.name_en} is earned with a code, not granted by staff",
                         rule_id=rule_id)
    day = city_today(now)
    _eligible(session, person, rule, day)
    take_caps(session, person.id, rule, day)
    return _record(session, person=person, rule=rule, source=CLAIM_BY_STAFF, nonce=None,
                   label=None, scope=scope, key=idempotency_key, digest=digest, day=day,
                   now=now, actor_person_id=staff_id, reason=reason)


def claim_json(result: ClaimResult, receipt: dict[str, Any]) -> dict[str, Any]:
    """The answer of `POST /points/claims` and of the `claim` mutation."""
    return {"claim_id": result.claim_id, "transfer": receipt, "rule": result.rule.data(),
            "label": result.label, "replayed": result.replayed}
