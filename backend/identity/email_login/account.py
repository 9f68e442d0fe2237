"""The common ID of an email-only visitor: keyed on (`{issuer}/email`, the address)."""

from __future__ import annotations

from backend.identity.email_login.addresses import display_name_of
from backend.identity.upstream.profile import UpstreamProfile
from backend.models.person import ASSURANCE_EMAIL, ROLE_RESIDENT
from backend.settings import Settings


def email_profile(settings: Settings, address: str) -> UpstreamProfile:
    """What an email login proves: the (normalized) address, nothing else. Always a
    resident, never staff; no address, birthdate or household."""
    return UpstreamProfile(
        issuer=settings.email_issuer,
        subject=address,
        assurance_level=ASSURANCE_EMAIL,
        role=ROLE_RESIDENT,
        name=display_name_of(address),
        address=None,
        birthdate=None,
        gender=None,
        email=address,
    )
