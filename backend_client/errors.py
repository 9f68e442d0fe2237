"""Errors raised by `BackendClient`; the app decides what to show for each."""

from __future__ import annotations


class BackendError(Exception):
    """Base class of every backend client error."""


class BackendUnavailable(BackendError):
    """The backend cannot be reached right now (the app shows its offline banner).

    Connection refused, DNS failure, timeouts, dropped connections and 502/503/504 answers.
    """


class BackendRejected(BackendError):
    """The backend answered with a 4xx status: the request itself was not acceptable."""

    def __init__(self, status_code: int, detail: str, code: str | None = None,
                 info: dict[str, object] | None = None) -> None:
        super().__init__(f"Backend rejected the request ({status_code}): {detail}")
        self.status_code = status_code
        self.detail = detail
        self.code = code  # `detail.code` of a `{"detail": {"code", "message", ...}}` answer
        self.info = info or {}  # that detail object (e.g. "booked" of capacity_below_booked)


class AccessRevoked(BackendRejected):
    """403 `access_revoked`: the caller may no longer read this (an audience stream they
    left). The device removes what it holds of it."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


class BackendProtocolError(BackendError):
    """The backend answered with something this client does not understand."""
