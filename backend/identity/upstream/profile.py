"""From the upstream ID token's claims to what the common ID (Person) keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.identity.staff_departments import Scope, scopes_from_claim
from backend.models.person import ASSURANCE_CARD, ASSURANCE_EMAIL, ROLE_RESIDENT, ROLE_STAFF
from backend.settings import Settings

# A role claim only the development identity provider may set (see `profile_from_claims`).
DEV_ROLE_CLAIM = "tsuyama_role"
# The staff member's departments (ADR 0023), likewise only from the development provider.
DEV_DEPARTMENTS_CLAIM = "tsuyama_departments"


@dataclass(frozen=True)
class UpstreamProfile:
    issuer: str
    subject: str
    assurance_level: str
    role: str
    name: str
    address: str | None
    birthdate: date | None
    gender: str | None
    email: str | None
    # The provider's staff scopes; None when it says nothing about them (the national
    # provider): the stored memberships, granted with the staff CLI, are kept then.
    scopes: tuple[Scope, ...] | None = None


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]


def _address(value: Any) -> str | None:
    """OIDC `address` is an object (`formatted`, or its parts); a plain string is accepted."""
    if isinstance(value, dict):
        formatted = _text(value.get("formatted"), 500)
        if formatted:
            return formatted
        parts = [value.get(k) for k in ("region", "locality", "street_address")]
        return _text("".join(p for p in parts if isinstance(p, str)), 500)
    return _text(value, 500)


def _birthdate(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def profile_from_claims(claims: dict[str, Any], settings: Settings) -> UpstreamProfile:
    """Map a validated upstream ID token to a profile.

    The staff role and the email-only assurance level are honoured from the claims only
    when the upstream is this backend's development identity provider; with the national
    provider every login is card-verified and staff are listed in `settings.staff_subjects`.
    """
    subject = str(claims["sub"])
    from_dev_idp = settings.upstream_is_dev_idp
    if from_dev_idp:
        role = ROLE_STAFF if claims.get(DEV_ROLE_CLAIM) == ROLE_STAFF else ROLE_RESIDENT
        assurance = ASSURANCE_EMAIL if claims.get("acr") == ASSURANCE_EMAIL else ASSURANCE_CARD
        scopes: tuple[Scope, ...] | None = (
            scopes_from_claim(claims.get(DEV_DEPARTMENTS_CLAIM)) if role == ROLE_STAFF else ())
    else:
        scopes = None
        role = ROLE_STAFF if subject in settings.staff_subjects else ROLE_RESIDENT
        assurance = ASSURANCE_CARD
    return UpstreamProfile(
        issuer=str(claims["iss"]),
        subject=subject,
        assurance_level=assurance,
        role=role,
        name=_text(claims.get("name"), 200) or "",
        address=_address(claims.get("address")),
        birthdate=_birthdate(claims.get("birthdate")),
        gender=_text(claims.get("gender"), 16),
        email=_text(claims.get("email"), 320),
        scopes=scopes,
    )
