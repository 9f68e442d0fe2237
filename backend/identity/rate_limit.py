"""Sliding-window limit on failed logins, per client IP and per device seen from that IP,
kept in the database so every backend worker counts the same failures.

Only failures are recorded; a caller over the limit is refused (429) before any work is done,
and that refusal is not counted, so the window drains on its own.

A device id is no secret (it travels in URLs and forms), so failures naming a device are
counted per (device id, client IP): someone who learns a device id can fill only their own
counters, never lock the device out of refreshing from where it is. The client IP is the
peer's address unless the peer is a trusted proxy (`Settings.trusted_proxies`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.responses import JSONResponse
from sqlalchemy import Engine, delete, func, insert, select
from sqlmodel import col

from backend.identity.oauth_errors import NO_STORE
from backend.models.auth_failure import FAILURE_KEY_DEVICE_AT_IP, FAILURE_KEY_IP, AuthFailure
from backend.settings import Settings

ENDPOINT_TOKEN = "token"
ENDPOINT_UPSTREAM_CALLBACK = "upstream_callback"
ENDPOINT_EMAIL_CODE = "email_code"  # wrong email login codes and unknown email logins


@dataclass(frozen=True)
class FailureKeys:
    """Who failed: the client IP and, when the request names one, the device."""

    ip: str | None
    device_id: str | None = None

    def pairs(self) -> list[tuple[str, str]]:
        pairs = []
        if self.ip:
            pairs.append((FAILURE_KEY_IP, self.ip[:128]))
            if self.device_id:
                pairs.append((FAILURE_KEY_DEVICE_AT_IP, device_at_ip(self.device_id, self.ip)))
        return pairs


def device_at_ip(device_id: str, ip: str) -> str:
    """The key of one device's failures from one address (a hash: both are free text)."""
    return hashlib.sha256(f"{device_id}\0{ip}".encode()).hexdigest()


class RateLimited(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many failed attempts; retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


def check_not_limited(engine: Engine, settings: Settings, keys: FailureKeys,
                      now: datetime) -> None:
    """Raise `RateLimited` when any key has `auth_failure_limit` failures in the window."""
    window = timedelta(seconds=settings.auth_failure_window_seconds)
    with engine.connect() as connection:
        for kind, value in keys.pairs():
            in_window = (
                (col(AuthFailure.key_kind) == kind)
                & (col(AuthFailure.key_value) == value)
                & (col(AuthFailure.occurred_at) > now - window)
            )
            count = connection.execute(select(func.count()).where(in_window)).scalar_one()
            if count < settings.auth_failure_limit:
                continue
            # The window slides: the caller may try again once the failure that keeps the
            # count at the limit (the limit-th newest) has left the window.
            blocking = connection.execute(
                select(col(AuthFailure.occurred_at))
                .where(in_window)
                .order_by(col(AuthFailure.occurred_at).desc())
                .offset(settings.auth_failure_limit - 1)
                .limit(1)
            ).scalar_one()
            retry = (blocking + window - now).total_seconds()
            raise RateLimited(max(1, math.ceil(retry)))


def record_failure(engine: Engine, settings: Settings, keys: FailureKeys, endpoint: str,
                   now: datetime) -> None:
    pairs = keys.pairs()
    if not pairs:
        return
    window = timedelta(seconds=settings.auth_failure_window_seconds)
    with engine.begin() as connection:
        connection.execute(
            insert(AuthFailure),
            [
                {"key_kind": kind, "key_value": value, "endpoint": endpoint, "occurred_at": now}
                for kind, value in pairs
            ],
        )
        # Keep the table small: failures that left the window no longer matter.
        for kind, value in pairs:
            connection.execute(
                delete(AuthFailure).where(
                    (col(AuthFailure.key_kind) == kind)
                    & (AuthFailure.key_value == value)
                    & (AuthFailure.occurred_at <= now - window)
                )
            )


def rate_limited_response(exc: RateLimited) -> JSONResponse:
    return JSONResponse(
        {
            "error": "too_many_requests",
            "error_description": (
                f"Too many failed login attempts from this address or device; try again in "
                f"{exc.retry_after_seconds} seconds."
            ),
            "retry_after": exc.retry_after_seconds,
        },
        status_code=429,
        headers={**NO_STORE, "Retry-After": str(exc.retry_after_seconds)},
    )
