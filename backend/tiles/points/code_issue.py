"""Staff issue an earn code (`POST /staff/points/earn-codes`): signed, and recorded in
`points_earn_code` (who issued what, valid when) for the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.tiles.points.claims import UnknownRule
from backend.tiles.points.code_keys import signing_key
from backend.tiles.points.earn_codes import MAX_VALIDITY, EarnCode, make_code, new_nonce
from backend.tiles.points.earning_models import PointsEarnCode
from backend.tiles.points.errors import InvalidRequest, PointsError
from backend.tiles.points.rules import HOW_CODE
from backend.tiles.points.rules_store import active_rule


class NotByCode(PointsError):
    """The rule is granted by staff only: no code can earn it."""

    code = "rule_not_earned_by_code"
    status = 422


def issue_code(session: Session, *, staff_id: str, municipality_code: str, rule_id: str,
               label: str, place: str, valid_from: datetime, valid_until: datetime,
               now: datetime) -> tuple[str, EarnCode]:
    """The QR text of a new code for `rule_id`, and what it says."""
    rule = active_rule(session, municipality_code, rule_id)
    if rule is None:
        raise UnknownRule(f"no earning rule {rule_id!r}", rule_id=rule_id)
    if HOW_CODE not in rule.how:
        raise NotByCode(f"{rule.name_en} is granted by staff, not earned with a code",
                        rule_id=rule_id)
    if valid_until <= valid_from:
        raise InvalidRequest("valid_until must be after valid_from", field="valid_until")
    if valid_until - valid_from > MAX_VALIDITY:
        raise InvalidRequest(f"a code is valid at most {MAX_VALIDITY.days} days",
                             field="valid_until")
    if valid_until <= now:
        raise InvalidRequest("valid_until is already past", field="valid_until")
    kid, secret = signing_key(session, municipality_code)
    code = EarnCode(municipality_code=municipality_code, kid=kid, rule_id=rule.id,
                    label=label, place=place, valid_from=valid_from.replace(microsecond=0),
                    valid_until=valid_until.replace(microsecond=0), nonce=new_nonce())
    session.add(PointsEarnCode(nonce=code.nonce, municipality_code=municipality_code,
                               rule_id=rule.id, label=label, valid_from=code.valid_from,
                               valid_until=code.valid_until, issued_by=staff_id,
                               issued_at=now))
    return make_code(code, secret), code
