"""Client of the Tsuyama Portal backend, used by the Flet app."""

from backend_client.client import BackendClient
from backend_client.dto import Health, Notice
from backend_client.errors import (
    BackendError,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
)

__all__ = [
    "BackendClient",
    "BackendError",
    "BackendProtocolError",
    "BackendRejected",
    "BackendUnavailable",
    "Health",
    "Notice",
]
