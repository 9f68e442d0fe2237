"""Database tables of the backend's own records (people, identity, consent, sync).

Each tile's tables live in its folder (`backend/tiles/<id>/`) and are named by its spec
(`TileSpec.models`); `all_metadata()` imports them too, for Alembic and the schema tests.
"""

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from backend.models.access_log_entry import ACTOR_KINDS, AccessLogEntry
from backend.models.auth_failure import AuthFailure
from backend.models.authorization_code import AuthorizationCode
from backend.models.consent_record import CHANNELS, ConsentRecord
from backend.models.delegation import DELEGATION_SCOPES, DELEGATION_STATUSES, Delegation
from backend.models.delegation_invitation import DelegationInvitation
from backend.models.household import RELATIONS, Household, HouseholdMember
from backend.models.login_request import LoginRequest
from backend.models.person import Person
from backend.models.refresh_token import RefreshToken, RefreshTokenFamily
from backend.models.revoked_access_token import RevokedAccessToken
from backend.models.staff_membership import StaffMembership
from backend.models.sync_data import HealthRecord, Preference
from backend.models.sync_log import SyncChange, SyncCounter, SyncReceipt
from backend.models.utc_datetime import UTCDateTime, as_utc

metadata = SQLModel.metadata


def all_metadata() -> MetaData:
    """`metadata` with every tile's tables in it (the tiles import this package, so they are
    loaded on demand rather than at import)."""
    from backend.tiles.registry import load_models

    load_models()
    return metadata


__all__ = [
    "ACTOR_KINDS",
    "CHANNELS",
    "DELEGATION_SCOPES",
    "DELEGATION_STATUSES",
    "RELATIONS",
    "AccessLogEntry",
    "AuthFailure",
    "AuthorizationCode",
    "ConsentRecord",
    "Delegation",
    "DelegationInvitation",
    "HealthRecord",
    "Household",
    "HouseholdMember",
    "LoginRequest",
    "Person",
    "Preference",
    "RefreshToken",
    "RefreshTokenFamily",
    "RevokedAccessToken",
    "StaffMembership",
    "SyncChange",
    "SyncCounter",
    "SyncReceipt",
    "UTCDateTime",
    "all_metadata",
    "as_utc",
    "metadata",
]
