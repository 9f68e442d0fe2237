"""Who may act for whom (代理).

- Everyone may act for themselves.
- A parent may act for their minor (under 18) child in the same household without a record:
  parental authority (親権) comes from the registry, not from the child's consent.
- Anyone else needs a delegation the grantor (the person acted for) accepted: the grantee
  asks, only the grantor accepts or declines, either may revoke. Every decision is also a
  row in the consent ledger (purpose "delegation").
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from backend.models.consent_record import CHANNELS
from backend.models.delegation import (
    DELEGATION_SCOPES,
    STATUS_ACTIVE,
    STATUS_DECLINED,
    STATUS_PENDING,
    STATUS_REVOKED,
    Delegation,
)
from backend.models.person import ASSURANCE_CARD, Person
from backend.services.clock import age_on, city_today, utc_now
from backend.services.consent_catalog import DELEGATION_PURPOSE, LANGUAGES, catalog
from backend.services.consents import ConsentRefused, append_record, check_decision
from backend.services.home_profile import is_parent_relation
from backend.services.households import ADULT_AGE, member_of


class DelegationRefused(Exception):
    """`status`: 403 (wrong party), 404 (not yours or no such row), 409 (wrong state), 422."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_delegation_consent(version: int, sha: str, channel: str) -> None:
    """The grantor was shown the current "delegation" text (its version and hash), as a
    `DelegationRefused` with the consent check's status and message when not."""
    try:
        check_decision(DELEGATION_PURPOSE, version, sha, channel)
    except ConsentRefused as exc:
        raise DelegationRefused(exc.status, exc.message) from exc


def is_parent_of_minor(
    session: Session, actor: Person, subject: Person, today: date | None = None
) -> bool:
    """Is `actor` a parent of `subject`, a minor, in the same household?"""
    if actor.municipality_code != subject.municipality_code or actor.id == subject.id:
        return False
    actor_member = member_of(session, actor.municipality_code, actor.id)
    subject_member = member_of(session, subject.municipality_code, subject.id)
    if actor_member is None or subject_member is None:
        return False
    if actor_member.household_id != subject_member.household_id:
        return False
    if not is_parent_relation(actor_member.relation, subject_member.relation):
        return False
    age = age_on(subject.birthdate or subject_member.birthdate, today or city_today())
    return age is not None and age < ADULT_AGE


def active_delegation(
    session: Session, actor: Person, subject: Person, scope: str = "all"
) -> Delegation | None:
    """An active delegation from `subject` to `actor` covering `scope` ("all" covers any)."""
    scopes = ("all",) if scope == "all" else ("all", scope)
    return session.scalars(
        select(Delegation).where(
            col(Delegation.municipality_code) == subject.municipality_code,
            col(Delegation.grantor_person_id) == subject.id,
            col(Delegation.grantee_person_id) == actor.id,
            col(Delegation.status) == STATUS_ACTIVE,
            col(Delegation.scope).in_(scopes),
        )
    ).first()


def may_act_for(
    session: Session,
    actor: Person,
    subject: Person,
    scope: str = "all",
    today: date | None = None,
) -> bool:
    """May `actor` act for (and see the data of) `subject` within `scope`?

    Self; a parent for their minor child in the same household; or an active delegation.
    Deleted accounts and other municipalities never match.
    """
    if not actor.active or not subject.active:
        return False
    if actor.municipality_code != subject.municipality_code:
        return False
    if actor.id == subject.id:
        return True
    if is_parent_of_minor(session, actor, subject, today):
        return True
    return active_delegation(session, actor, subject, scope) is not None


def delegation_json(delegation: Delegation, viewer_id: str) -> dict[str, Any]:
    return {
        "id": delegation.id,
        "grantor_common_id": delegation.grantor_person_id,
        "grantee_common_id": delegation.grantee_person_id,
        "direction": "granted_by_me" if delegation.grantor_person_id == viewer_id else "for_me",
        "scope": delegation.scope,
        "status": delegation.status,
        "requested_at": delegation.requested_at.isoformat(),
        "decided_at": delegation.decided_at.isoformat() if delegation.decided_at else None,
        "consent_text_version": delegation.consent_text_version,
    }


def delegations_of(session: Session, person: Person) -> list[Delegation]:
    """Delegations in both directions, newest first."""
    return list(
        session.scalars(
            select(Delegation)
            .where(
                col(Delegation.municipality_code) == person.municipality_code,
                or_(
                    col(Delegation.grantor_person_id) == person.id,
                    col(Delegation.grantee_person_id) == person.id,
                ),
            )
            .order_by(col(Delegation.requested_at).desc(), col(Delegation.id).desc())
        )
    )


def request_delegation(
    session: Session, grantee: Person, grantor_common_id: str, scope: str
) -> Delegation:
    """The grantee asks to act for the grantor: a pending delegation (caller commits)."""
    if scope not in DELEGATION_SCOPES:
        raise DelegationRefused(422, f"scope must be one of {', '.join(DELEGATION_SCOPES)}")
    if grantor_common_id == grantee.id:
        raise DelegationRefused(422, "you cannot ask to act for yourself")
    grantor = session.get(Person, grantor_common_id)
    if grantor is None or not grantor.active or (
        grantor.municipality_code != grantee.municipality_code
    ) or grantor.assurance_level != ASSURANCE_CARD:
        # Email-only accounts cannot delegate: to the asker they do not exist as residents.
        raise DelegationRefused(404, "no resident with that common ID")
    open_one = session.scalars(
        select(Delegation).where(
            col(Delegation.municipality_code) == grantee.municipality_code,
            col(Delegation.grantor_person_id) == grantor.id,
            col(Delegation.grantee_person_id) == grantee.id,
            col(Delegation.scope) == scope,
            col(Delegation.status).in_((STATUS_PENDING, STATUS_ACTIVE)),
        )
    ).first()
    if open_one is not None:
        raise DelegationRefused(
            409, f"a {open_one.status} delegation with this scope already exists: {open_one.id}"
        )
    delegation = Delegation(
        id=str(uuid.uuid4()),
        municipality_code=grantee.municipality_code,
        grantor_person_id=grantor.id,
        grantee_person_id=grantee.id,
        scope=scope,
        status=STATUS_PENDING,
        requested_at=utc_now(),
    )
    session.add(delegation)
    return delegation


def _visible(session: Session, person: Person, delegation_id: str) -> Delegation:
    """The delegation if `person` is a party to it; 404 otherwise (no hint it exists)."""
    delegation = session.scalars(
        select(Delegation).where(
            col(Delegation.municipality_code) == person.municipality_code,
            col(Delegation.id) == delegation_id,
        )
    ).first()
    if delegation is None or person.id not in (
        delegation.grantor_person_id,
        delegation.grantee_person_id,
    ):
        raise DelegationRefused(404, "no such delegation")
    return delegation


def _withdrawal_text(accepted_version: int | None) -> tuple[int, str]:
    """Version and Japanese hash recorded for a decline or revoke.

    No text is agreed to when withdrawing: the row names the version that was accepted (or
    the current one for a request never accepted).
    """
    purpose = catalog()[DELEGATION_PURPOSE]
    text = (purpose.version(accepted_version) if accepted_version else None) or purpose.current
    return text.version, text.sha256(LANGUAGES[0])


def accept_delegation(
    session: Session,
    grantor: Person,
    delegation_id: str,
    version: int,
    sha: str,
    channel: str = "app",
    now: datetime | None = None,
) -> Delegation:
    """Only the grantor accepts, having been shown the current "delegation" text."""
    delegation = _visible(session, grantor, delegation_id)
    if delegation.grantor_person_id != grantor.id:
        raise DelegationRefused(403, "only the person to be acted for can accept")
    if delegation.status != STATUS_PENDING:
        raise DelegationRefused(409, f"the delegation is {delegation.status}, not pending")
    check_delegation_consent(version, sha, channel)
    moment = now or utc_now()
    delegation.status = STATUS_ACTIVE
    delegation.decided_at = moment
    delegation.consent_text_version = version
    append_record(
        session,
        municipality_code=grantor.municipality_code,
        person_id=grantor.id,
        actor_person_id=grantor.id,
        purpose=DELEGATION_PURPOSE,
        version=version,
        text_sha256=sha,
        granted=True,
        channel=channel,
        delegation_id=delegation.id,
        now=moment,
    )
    return delegation


def decline_delegation(
    session: Session, grantor: Person, delegation_id: str, channel: str = "app"
) -> Delegation:
    delegation = _visible(session, grantor, delegation_id)
    if delegation.grantor_person_id != grantor.id:
        raise DelegationRefused(403, "only the person to be acted for can decline")
    if delegation.status != STATUS_PENDING:
        raise DelegationRefused(409, f"the delegation is {delegation.status}, not pending")
    return _close(session, delegation, grantor, STATUS_DECLINED, channel)


def revoke_delegation(
    session: Session, person: Person, delegation_id: str, channel: str = "app"
) -> Delegation:
    """Either party ends a pending or active delegation."""
    delegation = _visible(session, person, delegation_id)
    if delegation.status not in (STATUS_PENDING, STATUS_ACTIVE):
        raise DelegationRefused(409, f"the delegation is already {delegation.status}")
    return _close(session, delegation, person, STATUS_REVOKED, channel)


def _close(
    session: Session, delegation: Delegation, actor: Person, status: str, channel: str
) -> Delegation:
    if channel not in CHANNELS:
        raise DelegationRefused(422, f"channel must be one of {', '.join(CHANNELS)}")
    moment = utc_now()
    delegation.status = status
    delegation.decided_at = moment
    version, sha = _withdrawal_text(delegation.consent_text_version)
    append_record(
        session,
        municipality_code=delegation.municipality_code,
        person_id=delegation.grantor_person_id,
        actor_person_id=actor.id,
        purpose=DELEGATION_PURPOSE,
        version=version,
        text_sha256=sha,
        granted=False,
        channel=channel,
        delegation_id=delegation.id,
        now=moment,
    )
    return delegation
