"""Invitations to act for someone: the grantor makes a code, the other person enters it.

Why this way round (ADR 0031): only the person to be acted for can start it, having read
the "delegation" consent text, so nobody can ask for someone else's data by typing (or
guessing) their 36-character common ID. The code is short enough to read out or type
(8 characters from an alphabet without 0/O, 1/I/L), valid for 24 hours, used once, and
only its hash is stored. Entering it makes the delegation active at once: the grantor
agreed when they made the code, and may end it at any time. Every step is in the consent
ledger (purpose "delegation", with the delegation's id), like a request accepted.

Wrong codes are limited per person (`FailedCodes`): a code space of 31^8 cannot be searched
at 10 tries an hour.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import limits
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.models.access_log_entry import ACTOR_DELEGATE
from backend.models.consent_record import CHANNELS
from backend.models.delegation import (
    DELEGATION_SCOPES,
    STATUS_ACTIVE,
    STATUS_PENDING,
    Delegation,
)
from backend.models.delegation_invitation import DelegationInvitation
from backend.models.person import ASSURANCE_CARD, Person
from backend.services.access_log import record_access
from backend.services.clock import utc_now
from backend.services.consent_catalog import DELEGATION_PURPOSE
from backend.services.consents import append_record
from backend.services.delegation import DelegationRefused, check_delegation_consent

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out without doubt
CODE_LENGTH = 8
CODE_PATTERN = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
INVITATION_LIFETIME = timedelta(hours=24)
MAX_OPEN_INVITATIONS = 5  # per grantor: enough for a family, not a way to spray codes
FAILED_CODES_PER_PERSON = "10/hour"
INVITATIONS_PER_PERSON = "20/day"
_NAMESPACE = "tsuyama:delegation-invitation"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """What a person typed or scanned, as the code: upper case, without spaces and dashes
    (full-width characters become ASCII, so a Japanese keyboard's input works too)."""
    text = raw.translate({0x3000: " "})
    text = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in text)
    return re.sub(r"[\s\-‐－ー]", "", text).upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def format_code(code: str) -> str:
    """ABCD-EFGH: easier to read out and compare."""
    return f"{code[:4]}-{code[4:]}"


class InvitationLimits:
    """Per-person counters (moving windows, `limits`, the backend's rate-limit storage)."""

    def __init__(self, storage_uri: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._failed = limits.parse(FAILED_CODES_PER_PERSON)
        self._created = limits.parse(INVITATIONS_PER_PERSON)

    def _retry_after(self, item: limits.RateLimitItem, *keys: str) -> int:
        reset = self._limiter.get_window_stats(item, *keys).reset_time
        return max(1, math.ceil(reset - time.time()))

    def check_code_tries(self, person_id: str) -> None:
        keys = (_NAMESPACE, "failed", person_id)
        if not self._limiter.test(self._failed, *keys):
            raise InvitationLimited(self._retry_after(self._failed, *keys),
                                    "too many wrong invitation codes")

    def failed_code(self, person_id: str) -> None:
        self._limiter.hit(self._failed, _NAMESPACE, "failed", person_id)

    def count_creation(self, person_id: str) -> None:
        keys = (_NAMESPACE, "created", person_id)
        if not self._limiter.hit(self._created, *keys):
            raise InvitationLimited(self._retry_after(self._created, *keys),
                                    "too many invitations made")


class InvitationLimited(Exception):
    def __init__(self, retry_after_seconds: int, message: str) -> None:
        super().__init__(f"{message}; try again in {retry_after_seconds} seconds")
        self.retry_after_seconds = retry_after_seconds


def invitation_json(invitation: DelegationInvitation, code: str | None = None
                    ) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": invitation.id,
        "scope": invitation.scope,
        "created_at": invitation.created_at.isoformat(),
        "expires_at": invitation.expires_at.isoformat(),
        "used": invitation.used_at is not None,
        "cancelled": invitation.cancelled_at is not None,
    }
    if code is not None:  # only in the answer that created it: the code is not stored
        data["code"] = format_code(code)
    return data


def _open_invitations(session: Session, grantor: Person, now: datetime
                      ) -> list[DelegationInvitation]:
    return list(session.scalars(
        select(DelegationInvitation).where(
            col(DelegationInvitation.municipality_code) == grantor.municipality_code,
            col(DelegationInvitation.grantor_person_id) == grantor.id,
            col(DelegationInvitation.used_at).is_(None),
            col(DelegationInvitation.cancelled_at).is_(None),
            col(DelegationInvitation.expires_at) > now,
        ).order_by(col(DelegationInvitation.created_at).desc())
    ))


def open_invitations(session: Session, grantor: Person) -> list[DelegationInvitation]:
    return _open_invitations(session, grantor, utc_now())


def create_invitation(session: Session, grantor: Person, version: int, sha: str,
                      channel: str, scope: str, now: datetime | None = None
                      ) -> tuple[DelegationInvitation, str]:
    """A new code from the grantor, who agrees to the current "delegation" text (version and
    hash of what they were shown). The caller commits."""
    if scope not in DELEGATION_SCOPES:
        raise DelegationRefused(422, f"scope must be one of {', '.join(DELEGATION_SCOPES)}")
    check_delegation_consent(version, sha, channel)
    moment = now or utc_now()
    if len(_open_invitations(session, grantor, moment)) >= MAX_OPEN_INVITATIONS:
        raise DelegationRefused(
            409, f"you already have {MAX_OPEN_INVITATIONS} open invitations: cancel one first")
    code = new_code()
    while session.scalars(select(func.count()).select_from(DelegationInvitation).where(
            col(DelegationInvitation.code_sha256) == code_hash(code))).one():
        code = new_code()  # astronomically rare; the column is unique anyway
    invitation = DelegationInvitation(
        id=str(uuid.uuid4()),
        municipality_code=grantor.municipality_code,
        code_sha256=code_hash(code),
        grantor_person_id=grantor.id,
        scope=scope,
        consent_text_version=version,
        consent_text_sha256=sha.lower(),
        channel=channel,
        created_at=moment,
        expires_at=moment + INVITATION_LIFETIME,
    )
    session.add(invitation)
    return invitation, code


def cancel_invitation(session: Session, grantor: Person, invitation_id: str
                      ) -> DelegationInvitation:
    invitation = session.get(DelegationInvitation, invitation_id)
    if (invitation is None or invitation.grantor_person_id != grantor.id
            or invitation.municipality_code != grantor.municipality_code):
        raise DelegationRefused(404, "no such invitation")
    if invitation.used_at is not None:
        raise DelegationRefused(409, "the invitation was already used")
    if invitation.cancelled_at is None:
        invitation.cancelled_at = utc_now()
    return invitation


class CodeRefused(DelegationRefused):
    """A code that does not open anything: counts as a wrong try (404/410/409)."""


def accept_invitation(session: Session, grantee: Person, raw_code: str,
                      now: datetime | None = None) -> Delegation:
    """The grantee enters the code: an active delegation from the invitation's grantor, the
    grantor's consent recorded in the ledger and the grantee's sight of the grantor's name in
    the grantor's access log. The caller commits."""
    code = normalize_code(raw_code)
    if not CODE_PATTERN.match(code):
        raise CodeRefused(422, f"an invitation code is {CODE_LENGTH} letters and digits "
                               "(without 0, O, 1, I or L)")
    moment = now or utc_now()
    invitation = session.scalars(
        select(DelegationInvitation).where(
            col(DelegationInvitation.code_sha256) == code_hash(code))
    ).first()
    if invitation is None or invitation.municipality_code != grantee.municipality_code:
        raise CodeRefused(404, "no invitation with this code")
    if invitation.grantor_person_id == grantee.id:
        raise DelegationRefused(422, "this is your own invitation: give it to the person "
                                     "who will act for you")
    if invitation.cancelled_at is not None:
        raise CodeRefused(410, "this invitation was cancelled")
    if invitation.used_at is not None:
        raise CodeRefused(409, "this invitation was already used")
    if invitation.expires_at <= moment:
        raise CodeRefused(410, "this invitation has expired: ask for a new code")
    grantor = session.get(Person, invitation.grantor_person_id)
    if grantor is None or not grantor.active or grantor.assurance_level != ASSURANCE_CARD:
        raise CodeRefused(404, "no invitation with this code")
    open_one = session.scalars(
        select(Delegation).where(
            col(Delegation.municipality_code) == grantor.municipality_code,
            col(Delegation.grantor_person_id) == grantor.id,
            col(Delegation.grantee_person_id) == grantee.id,
            col(Delegation.scope) == invitation.scope,
            col(Delegation.status).in_((STATUS_PENDING, STATUS_ACTIVE)),
        )
    ).first()
    if open_one is not None:
        raise DelegationRefused(
            409, f"a {open_one.status} delegation with this scope already exists: {open_one.id}")
    if invitation.channel not in CHANNELS:  # stored from a checked request; never expected
        raise DelegationRefused(422, "invalid channel")
    delegation = Delegation(
        id=str(uuid.uuid4()),
        municipality_code=grantor.municipality_code,
        grantor_person_id=grantor.id,
        grantee_person_id=grantee.id,
        scope=invitation.scope,
        status=STATUS_ACTIVE,
        requested_at=invitation.created_at,
        decided_at=moment,
        consent_text_version=invitation.consent_text_version,
    )
    session.add(delegation)
    session.flush()  # the ledger row and the invitation refer to it
    invitation.used_at = moment
    invitation.used_by_person_id = grantee.id
    invitation.delegation_id = delegation.id
    append_record(
        session,
        municipality_code=grantor.municipality_code,
        person_id=grantor.id,
        actor_person_id=grantor.id,
        purpose=DELEGATION_PURPOSE,
        version=invitation.consent_text_version,
        text_sha256=invitation.consent_text_sha256,
        granted=True,
        channel=invitation.channel,
        delegation_id=delegation.id,
        now=moment,
    )
    record_access(session, municipality_code=grantor.municipality_code,
                  subject_person_id=grantor.id, actor_person_id=grantee.id,
                  actor_kind=ACTOR_DELEGATE, purpose="accept an invitation to act for them",
                  resource="name", at=moment)
    return delegation
