"""In-memory state of the development identity provider: its key, codes and seen jtis.

One process, development only: a restart forgets pending codes and makes a new key (the
backend's relying-party side, in the same process, forgets its cached JWKS too).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import FastAPI

from backend.identity.keys import SigningKey
from backend.identity.opaque_tokens import new_opaque_token, token_hash

DEV_CODE_TTL = timedelta(seconds=60)
_creation_lock = threading.Lock()


@dataclass(frozen=True)
class DevCode:
    persona_sub: str
    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    expires_at: datetime


@dataclass
class DevIdpState:
    key: SigningKey = field(default_factory=SigningKey.generate)
    _codes: dict[str, DevCode] = field(default_factory=dict)
    _seen_assertions: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_code(self, code: DevCode) -> str:
        value = new_opaque_token()
        with self._lock:
            self._codes[token_hash(value)] = code
        return value

    def take_code(self, value: str, now: datetime) -> DevCode | None:
        """The code's data, removed (single use); None if unknown, used or expired."""
        with self._lock:
            for key in [k for k, c in self._codes.items() if c.expires_at <= now]:
                del self._codes[key]
            return self._codes.pop(token_hash(value), None)

    def first_use_of_assertion(self, jti: str, expires_at: datetime, now: datetime) -> bool:
        """False when a client assertion with this jti was seen before (replay)."""
        with self._lock:
            for key in [k for k, e in self._seen_assertions.items() if e <= now]:
                del self._seen_assertions[key]
            if jti in self._seen_assertions:
                return False
            self._seen_assertions[jti] = expires_at
            return True


def dev_idp_state(app: FastAPI) -> DevIdpState:
    state: DevIdpState | None = getattr(app.state, "dev_idp", None)
    if state is None:
        with _creation_lock:
            state = getattr(app.state, "dev_idp", None)
            if state is None:
                state = DevIdpState()
                app.state.dev_idp = state
    return state
