"""Limits on sending login codes by email: per address, per client IP and in all.

Each code is an email to an address the caller typed, so without limits the backend could
be used to flood someone's mailbox, or burn the city's sending quota. The counters come from
the `limits` library (moving windows): `Settings.login_code_limit_per_address` (default
5/hour), `..._per_ip` (20/hour) and `..._global` (500/hour), kept where
`Settings.rate_limit_storage_uri` says (`memory://`: this process; several backend
processes need a shared store such as `redis://`, or each counts on its own).

A send is counted when it is attempted (the address is valid and the login still open),
whether or not the mail server then takes it. A request over any limit is refused before
anything is stored or sent, and is not counted. Addresses are counted under their SHA-256,
so a shared store never holds them.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from enum import Enum

import limits
from fastapi import FastAPI
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from backend.settings import Settings

_NAMESPACE = "tsuyama:login-code"


class LimitedBy(Enum):
    ADDRESS = "address"
    IP = "ip"
    GLOBAL = "global"


@dataclass(frozen=True)
class SendLimited:
    by: LimitedBy
    retry_after_seconds: int

    @property
    def message(self) -> tuple[str, str]:
        """(Japanese, English) for the page."""
        wait = self.retry_after_seconds
        minutes = max(1, math.ceil(wait / 60))
        if self.by is LimitedBy.ADDRESS:
            return (f"このメールアドレスへの確認コードの送信が多すぎます。{minutes}分ほど待って"
                    "から、もう一度お試しください。",
                    f"Too many codes were sent to this address. Please try again in about "
                    f"{minutes} min.")
        if self.by is LimitedBy.IP:
            return (f"この接続元からの確認コードの送信が多すぎます。{minutes}分ほど待ってから、"
                    "もう一度お試しください。",
                    f"Too many codes were sent from this network. Please try again in about "
                    f"{minutes} min.")
        return (f"ただいま確認コードの送信が混み合っています。{minutes}分ほど待ってから、"
                "もう一度お試しください。",
                f"Too many codes are being sent right now. Please try again in about "
                f"{minutes} min.")


class LoginCodeLimits:
    """The three counters of one backend (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(
            storage_from_string(settings.rate_limit_storage_uri))
        self._per_address = limits.parse_many(settings.login_code_limit_per_address)
        self._per_ip = limits.parse_many(settings.login_code_limit_per_ip)
        self._global = limits.parse_many(settings.login_code_limit_global)

    def _counters(self, address: str, ip: str | None
                  ) -> list[tuple[LimitedBy, limits.RateLimitItem, tuple[str, ...]]]:
        hashed = hashlib.sha256(address.encode()).hexdigest()
        counters: list[tuple[LimitedBy, limits.RateLimitItem, tuple[str, ...]]] = [
            (LimitedBy.ADDRESS, item, (_NAMESPACE, "address", hashed))
                    for item in self._per_address]
        if ip:
            counters += [(LimitedBy.IP, item, (_NAMESPACE, "ip", ip[:128]))
                         for item in self._per_ip]
        counters += [(LimitedBy.GLOBAL, item, (_NAMESPACE, "global"))
                     for item in self._global]
        return counters

    def try_send(self, address: str, ip: str | None) -> SendLimited | None:
        """Count one send to `address` from `ip`; or, if any limit is reached, count nothing
        and say which and for how long. Called from the event loop only (no await between
        the test and the hits), so one process cannot overshoot."""
        counters = self._counters(address, ip)
        for by, item, keys in counters:
            if not self._limiter.test(item, *keys):
                reset = self._limiter.get_window_stats(item, *keys).reset_time
                return SendLimited(by, max(1, math.ceil(reset - time.time())))
        for _by, item, keys in counters:
            self._limiter.hit(item, *keys)
        return None


def login_code_limits(app: FastAPI) -> LoginCodeLimits:
    """The app's counters, made on first use."""
    found = getattr(app.state, "login_code_limits", None)
    if found is None:
        found = LoginCodeLimits(app.state.settings)
        app.state.login_code_limits = found
    return found
