"""My data (`GET /me/export`): the points a person earned by rule, and their household's
district goal participation and grants. Kept at account deletion with the ledger
(the tile's deletion policy): they explain transfers the city must account for."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from backend.models import Person, as_utc
from backend.tiles.points.earning_models import (
    PointsClaim,
    PointsDistrictGrant,
    PointsDistrictOptIn,
)


def earning_export(session: Session, person: Person) -> dict[str, Any]:
    claims = session.exec(select(PointsClaim).where(
        col(PointsClaim.person_id) == person.id).order_by(col(PointsClaim.claimed_at))).all()
    opt_ins = session.exec(select(PointsDistrictOptIn).where(
        col(PointsDistrictOptIn.person_id) == person.id)).all()
    grants = session.exec(select(PointsDistrictGrant).where(
        col(PointsDistrictGrant.person_id) == person.id).order_by(
        col(PointsDistrictGrant.period))).all()
    return {
        "claims": [{"id": c.id, "rule_id": c.rule_id, "source": c.source, "label": c.label,
                    "amount": c.amount, "transfer_id": c.transfer_id,
                    "day": c.city_day.isoformat(), "reason": c.reason,
                    "claimed_at": as_utc(c.claimed_at).isoformat()} for c in claims],
        "district_opt_ins": [{"household_id": o.household_id, "district_id": o.district_id,
                              "opted_in": o.opted_in,
                              "updated_at": as_utc(o.updated_at).isoformat()}
                             for o in opt_ins],
        "district_grants": [{"period": g.period, "district_id": g.district_id,
                             "transfer_id": g.transfer_id,
                             "granted_at": as_utc(g.granted_at).isoformat()} for g in grants],
    }
