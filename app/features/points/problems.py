"""What went wrong, said plainly: each refusal code of the points routes (docs/points.md)
and the device's own problems as an English message id the views translate, with the
details the sentence needs (attempts left, the time a lock ends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend_client import BackendError, BackendRejected, BackendUnavailable

OFFLINE = "This needs an internet connection. Please try again when you are online."
UNKNOWN = "The city could not do this right now. Please try again later."
CARD_REQUIRED = "Only residents verified with their My Number card can do this."

MESSAGES: dict[str, str] = {
    # reading a shop's JPQR code (preview and payment)
    "malformed": "This is not a payment code. Please scan the shop's JPQR code.",
    "crc_mismatch": ("This code is damaged or has been altered (its check digits do not "
                     "match). Do not pay with it; please tell the shop."),
    "not_jpqr": "This is not a JPQR payment code.",
    "foreign_code": "This code is for a payment outside Japan or in another currency.",
    "unknown_merchant": "This shop does not take Tsuyama points.",
    "amount_mismatch": "The amount does not match the shop's code. Please scan it again.",
    "amount_required": "Please enter the amount to pay.",
    # the PIN
    "pin_wrong": "The PIN is wrong. {attempts} more tries before it is locked.",
    "pin_locked": "The PIN is locked after too many wrong tries. You can try again after {time}.",
    "pin_not_set": "Please set a payment PIN first.",
    "pin_invalid": "A PIN is 4 to 6 digits, not all the same digit.",
    # points
    "insufficient_points": "You do not have enough points for this.",
    "idempotency_key_reused": ("This payment was already sent with other details. "
                               "Please start again."),
    # earning codes
    "bad_signature": "This is not a valid Tsuyama points code.",
    "code_expired": "This code has expired.",
    "not_yet_valid": "This code is not valid yet.",
    "already_claimed": "You have already received the points for this code.",
    "cap_reached": "You have reached the limit for this kind of points.",
    "cap_reached_daily": "You have reached today's limit for this kind of points.",
    "cap_reached_yearly": "You have reached this year's limit for this kind of points.",
    "not_eligible": "You cannot receive points with this code.",
    # acting for someone
    "not_allowed": "You cannot see this person's points.",
}


@dataclass(frozen=True)
class Problem:
    message: str  # English message id (a key's sentence of MESSAGES, or one of the above)
    attempts_left: int | None = None
    locked_until: datetime | None = None
    code: str | None = None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def problem_for_code(code: str | None, info: dict[str, object] | None = None,
                     message: str | None = None) -> Problem:
    """A refusal by its code; an unknown code shows the server's own message if any."""
    info = info or {}
    if code == "cap_reached":
        which = info.get("cap") or info.get("period")
        key = f"cap_reached_{which}" if which in ("daily", "yearly") else "cap_reached"
        return Problem(MESSAGES[key], code=code)
    if code in MESSAGES:
        return Problem(MESSAGES[code], attempts_left=_int(info.get("attempts_left")),
                       locked_until=_moment(info.get("locked_until")), code=code)
    return Problem(UNKNOWN, code=code)


def problem_for(exc: BackendError) -> Problem:
    """What to tell the resident about a failed request."""
    if isinstance(exc, BackendUnavailable):
        return Problem(OFFLINE, code="offline")
    if isinstance(exc, BackendRejected):
        if exc.status_code == 403 and exc.code is None:
            return Problem(CARD_REQUIRED, code="card_required")
        if exc.status_code == 403 and exc.code == "forbidden":
            return Problem(MESSAGES["not_allowed"], code=exc.code)
        return problem_for_code(exc.code, exc.info)
    return Problem(UNKNOWN)
