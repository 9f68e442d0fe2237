"""Refresh tokens: opaque, stored hashed, bound to a client and a device, rotating.

Each login on a device starts a family. Every refresh retires the presented token and issues
the next one; a retired token presented again means it was copied, so the whole family
(and the access tokens issued from it, which carry its id as `sid`) is revoked.

One exception (RFC 9700 §4.14.2): a device whose answer to a refresh was lost presents the
token it just used again. For a short grace period after the rotation, while the successor
has not been used, that immediate predecessor gets the *same* token response once more
(`replay_rotation`), never a new one. The response is kept on the retired row sealed with
AES-GCM under a key derived (HKDF-SHA256) from the retired token itself, which the database
does not hold (only its SHA-256), so the row alone reveals no token. See ADR 0016.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update
from sqlmodel import Session, col

from backend.db_results import affected_rows
from backend.identity.opaque_tokens import new_opaque_token, token_hash
from backend.models.authorization_code import AuthorizationCode
from backend.models.refresh_token import RefreshToken, RefreshTokenFamily

REFRESH_TOKEN_TTL = timedelta(days=30)  # sliding: each rotation starts it again
REFRESH_FAMILY_MAX_AGE = timedelta(days=90)  # absolute: then the resident logs in again

REVOKED_REUSE = "reuse"
REVOKED_CODE_REPLAY = "code_replay"
REVOKED_WRONG_DEVICE = "wrong_device"
REVOKED_WRONG_CLIENT = "wrong_client"
REVOKED_BY_CLIENT = "revoked"
REVOKED_LOGOUT = "logout"
REVOKED_ACCOUNT_DELETED = "account_deleted"


def start_family(session: Session, code: AuthorizationCode, now: datetime) -> RefreshTokenFamily:
    family = RefreshTokenFamily(
        id=str(uuid.uuid4()),
        person_id=code.person_id,
        client_id=code.client_id,
        device_id=code.device_id,
        authorization_code_id=code.id,
        scope=code.scope,
        acr=code.acr,
        auth_time=code.auth_time,
        created_at=now,
        expires_at=now + REFRESH_FAMILY_MAX_AGE,
    )
    session.add(family)
    session.flush()  # before its tokens: no relationship() tells the session the order
    return family


def _new_refresh_token(family: RefreshTokenFamily, now: datetime) -> tuple[str, RefreshToken]:
    token = new_opaque_token()
    row = RefreshToken(
        id=str(uuid.uuid4()),
        family_id=family.id,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=min(now + REFRESH_TOKEN_TTL, family.expires_at),
    )
    return token, row


def add_refresh_token(session: Session, family: RefreshTokenFamily, now: datetime) -> str:
    token, row = _new_refresh_token(family, now)
    session.add(row)
    return token


@dataclass(frozen=True)
class PresentedRefreshToken:
    token: RefreshToken
    family: RefreshTokenFamily


def find_refresh_token(session: Session, token: str) -> PresentedRefreshToken | None:
    row = session.execute(
        select(RefreshToken, RefreshTokenFamily)
        .join(RefreshTokenFamily, col(RefreshToken.family_id) == col(RefreshTokenFamily.id))
        .where(col(RefreshToken.token_hash) == token_hash(token))
    ).one_or_none()
    return None if row is None else PresentedRefreshToken(token=row[0], family=row[1])


def retire_refresh_token(session: Session, token: RefreshToken, now: datetime,
                         **replay: Any) -> bool:
    """Retire `token` atomically (with the `replay` columns, if given); False if another
    request retired it first."""
    result = session.execute(
        update(RefreshToken)
        .where((col(RefreshToken.id) == token.id) & col(RefreshToken.retired_at).is_(None))
        .values(retired_at=now, **replay)
    )
    return affected_rows(result) == 1


# --- the grace replay of a rotation whose answer was lost ---------------------------------

_REPLAY_KEY_INFO = b"tsuyama-portal refresh-token replay v1"
_REPLAY_NONCE_BYTES = 12
_REPLAY_PURGE_BATCH = 100
_CLEARED_REPLAY: dict[str, Any] = {"replay_sealed": None, "replay_expires_at": None}


def _replay_aead(presented: str, token: RefreshToken) -> tuple[AESGCM, bytes]:
    """The AES-256-GCM key derived from the presented (old) token, and the associated data
    binding a sealed response to its row and family."""
    binding = f"{token.family_id}/{token.id}".encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_REPLAY_KEY_INFO + b"/" + binding).derive(presented.encode("utf-8"))
    return AESGCM(key), binding


def seal_token_response(presented: str, token: RefreshToken, response: dict[str, Any]) -> bytes:
    """`response` encrypted for the holder of `presented` (the token of row `token`):
    nonce (12 bytes) followed by the AES-GCM ciphertext and tag."""
    aead, binding = _replay_aead(presented, token)
    nonce = os.urandom(_REPLAY_NONCE_BYTES)
    plaintext = json.dumps(response, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return nonce + aead.encrypt(nonce, plaintext, binding)


def open_token_response(presented: str, token: RefreshToken,
                        sealed: bytes) -> dict[str, Any] | None:
    """The response `seal_token_response` sealed, or None if it does not open."""
    aead, binding = _replay_aead(presented, token)
    nonce, ciphertext = sealed[:_REPLAY_NONCE_BYTES], sealed[_REPLAY_NONCE_BYTES:]
    try:
        plaintext = aead.decrypt(nonce, ciphertext, binding)
    except (InvalidTag, ValueError):
        return None
    response = json.loads(plaintext)
    return response if isinstance(response, dict) else None


def _purge_stale_replays(session: Session, now: datetime) -> None:
    """Clear sealed responses whose grace period has passed (they can no longer be used).

    Rows another transaction holds are skipped (PostgreSQL `SKIP LOCKED`; SQLite has one
    writer at a time anyway), so concurrent refreshes never wait on each other here."""
    stale = session.scalars(
        select(col(RefreshToken.id))
        .where(col(RefreshToken.replay_expires_at) <= now)
        .limit(_REPLAY_PURGE_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    if stale:
        session.execute(update(RefreshToken)
                        .where(col(RefreshToken.id).in_(stale))
                        .values(**_CLEARED_REPLAY))


def rotate_refresh_token(
    session: Session,
    presented: str,
    token: RefreshToken,
    family: RefreshTokenFamily,
    now: datetime,
    grace: timedelta,
    respond: Callable[[str], dict[str, Any]],
) -> dict[str, Any] | None:
    """Retire `token` (whose value is `presented`) and issue its successor.

    `respond(new_refresh_token)` builds the token response. Unless `grace` is zero, that
    response is sealed on the retired row until `now + grace` for `replay_rotation`, and the
    sealed response of the rotation before (the predecessor of `token`) is cleared: its
    successor is being used now. Returns the response, or None when another request retired
    `token` first (the caller rolls back and looks again). Does not commit.
    """
    new_token, successor = _new_refresh_token(family, now)
    response = respond(new_token)
    replay: dict[str, Any] = {"successor_id": successor.id}
    if grace > timedelta(0):
        replay["replay_sealed"] = seal_token_response(presented, token, response)
        replay["replay_expires_at"] = now + grace
    if not retire_refresh_token(session, token, now, **replay):
        return None
    session.add(successor)
    session.execute(
        update(RefreshToken)
        .where((col(RefreshToken.family_id) == family.id)
               & (col(RefreshToken.successor_id) == token.id)
               & col(RefreshToken.replay_sealed).is_not(None))
        .values(**_CLEARED_REPLAY)
    )
    _purge_stale_replays(session, now)
    return response


def replay_rotation(session: Session, presented: str, token: RefreshToken,
                    family: RefreshTokenFamily, now: datetime) -> dict[str, Any] | None:
    """The token response `token`'s rotation gave, if it may be given again; else None.

    It may while the grace period runs, the family is neither revoked nor expired, and the
    successor has not been used (so `token` is its immediate predecessor: the family has not
    moved on). The successor's row is locked first, so a rotation of it running at the same
    moment is waited for and seen. Client and device are for the caller to check.
    """
    if (token.retired_at is None or token.successor_id is None or token.replay_sealed is None
            or token.replay_expires_at is None or token.replay_expires_at <= now
            or family.revoked_at is not None or family.expires_at <= now):
        return None
    successor = session.scalars(
        select(RefreshToken)
        .where((col(RefreshToken.id) == token.successor_id)
               & (RefreshToken.family_id == family.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if successor is None or successor.retired_at is not None or successor.expires_at <= now:
        return None
    return open_token_response(presented, token, token.replay_sealed)


def revoke_family(session: Session, family_id: str, reason: str, now: datetime) -> None:
    session.execute(
        update(RefreshTokenFamily)
        .where(
            (col(RefreshTokenFamily.id) == family_id)
            & col(RefreshTokenFamily.revoked_at).is_(None)
        )
        .values(revoked_at=now, revoked_reason=reason)
    )


def revoke_families_of_code(session: Session, code_id: str, now: datetime) -> None:
    session.execute(
        update(RefreshTokenFamily)
        .where(
            (col(RefreshTokenFamily.authorization_code_id) == code_id)
            & col(RefreshTokenFamily.revoked_at).is_(None)
        )
        .values(revoked_at=now, revoked_reason=REVOKED_CODE_REPLAY)
    )


def revoke_families_of_device(session: Session, person_id: str, device_id: str | None,
                              now: datetime) -> None:
    device_match = (
        col(RefreshTokenFamily.device_id).is_(None)
        if device_id is None
        else RefreshTokenFamily.device_id == device_id
    )
    session.execute(
        update(RefreshTokenFamily)
        .where(
            (col(RefreshTokenFamily.person_id) == person_id)
            & device_match
            & col(RefreshTokenFamily.revoked_at).is_(None)
        )
        .values(revoked_at=now, revoked_reason=REVOKED_LOGOUT)
    )


def revoke_families_of_person(session: Session, person_id: str, now: datetime,
                              reason: str = REVOKED_ACCOUNT_DELETED) -> None:
    """Every login of a person on every device: used when the account is deleted."""
    session.execute(
        update(RefreshTokenFamily)
        .where(
            (col(RefreshTokenFamily.person_id) == person_id)
            & col(RefreshTokenFamily.revoked_at).is_(None)
        )
        .values(revoked_at=now, revoked_reason=reason)
    )
