"""What the points ledger refuses, each with a stable `code` (the HTTP routes answer
`{"detail": {"code", "message", ...details}}` with it; docs/points.md)."""

from __future__ import annotations

from typing import Any


class PointsError(Exception):
    """A refusal of the ledger. `status` is the HTTP status a route should answer with."""

    code = "points_error"
    status = 409

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def detail(self) -> dict[str, Any]:
        """The body's `detail` for an HTTP answer."""
        return {"code": self.code, "message": self.message, **self.details}


class InsufficientPoints(PointsError):
    """The resident's balance is smaller than the amount (`balance`, `amount`)."""

    code = "insufficient_points"


class IdempotencyConflict(PointsError):
    """The key was used before in this scope with a different request."""

    code = "idempotency_key_reused"


class UnknownAccount(PointsError):
    """No such resident (or deleted), or no such active shop."""

    code = "unknown_account"
    status = 404


class UnknownTransfer(PointsError):
    """No such transfer (or not in the caller's reach)."""

    code = "unknown_transfer"
    status = 404


class RefundTooLarge(PointsError):
    """More than what is left to refund of the payment (`refundable`)."""

    code = "refund_too_large"


class NotRefundable(PointsError):
    """Only a payment can be refunded."""

    code = "not_refundable"


class NotCorrectable(PointsError):
    """Refunds, expiries already given back and corrections are not corrected; a transfer is
    corrected at most once."""

    code = "not_correctable"


class InvalidRequest(PointsError):
    """An argument out of range (amount not positive, bad purpose or key); a 422."""

    code = "invalid_request"
    status = 422
