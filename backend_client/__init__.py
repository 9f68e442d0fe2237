"""Client of the Tsuyama Portal backend, used by the Flet app."""

from backend_client.client import BackendClient
from backend_client.clock import ServerClock
from backend_client.dto import Health, Me, Notice, StaffBooking, StaffBookingPage, StaffSlot
from backend_client.errors import (
    AccessRevoked,
    BackendError,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
)
from backend_client.oauth import (
    APP_CLIENT_ID,
    LoginRequest,
    TokenSet,
    new_device_id,
    verify_id_token,
)

__all__ = [
    "APP_CLIENT_ID",
    "AccessRevoked",
    "BackendClient",
    "BackendError",
    "BackendProtocolError",
    "BackendRejected",
    "BackendUnavailable",
    "Health",
    "LoginRequest",
    "Me",
    "Notice",
    "ServerClock",
    "StaffBooking",
    "StaffBookingPage",
    "StaffSlot",
    "TokenSet",
    "new_device_id",
    "verify_id_token",
]
