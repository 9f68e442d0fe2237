"""Database tables of the backend."""

from sqlmodel import SQLModel

from backend.models.access_log_entry import ACTOR_KINDS, AccessLogEntry
from backend.models.auth_failure import AuthFailure
from backend.models.authorization_code import AuthorizationCode
from backend.models.bulky_waste import (
    BOOKING_STATUSES,
    BulkyBooking,
    BulkyNumberCounter,
    BulkySlot,
)
from backend.models.consent_record import CHANNELS, ConsentRecord
from backend.models.delegation import DELEGATION_SCOPES, DELEGATION_STATUSES, Delegation
from backend.models.household import RELATIONS, Household, HouseholdMember
from backend.models.login_request import LoginRequest
from backend.models.notice import NOTICE_AUDIENCES, NOTICE_CATEGORIES, Notice
from backend.models.person import Person
from backend.models.refresh_token import RefreshToken, RefreshTokenFamily
from backend.models.revoked_access_token import RevokedAccessToken
from backend.models.sync_data import HealthRecord, Preference
from backend.models.sync_log import SyncChange, SyncCounter, SyncReceipt
from backend.models.utc_datetime import UTCDateTime, as_utc
from backend.models.waste import WasteAreaRow, WasteItemRow, WasteRecordRow

metadata = SQLModel.metadata

__all__ = [
    "ACTOR_KINDS",
    "BOOKING_STATUSES",
    "CHANNELS",
    "DELEGATION_SCOPES",
    "DELEGATION_STATUSES",
    "NOTICE_AUDIENCES",
    "NOTICE_CATEGORIES",
    "RELATIONS",
    "AccessLogEntry",
    "AuthFailure",
    "AuthorizationCode",
    "BulkyBooking",
    "BulkyNumberCounter",
    "BulkySlot",
    "ConsentRecord",
    "Delegation",
    "HealthRecord",
    "Household",
    "HouseholdMember",
    "LoginRequest",
    "Notice",
    "Person",
    "Preference",
    "RefreshToken",
    "RefreshTokenFamily",
    "RevokedAccessToken",
    "SyncChange",
    "SyncCounter",
    "SyncReceipt",
    "UTCDateTime",
    "WasteAreaRow",
    "WasteItemRow",
    "WasteRecordRow",
    "as_utc",
    "metadata",
]
