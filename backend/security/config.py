"""Parsing and checking of the web-hardening settings (see `backend.settings.Settings`)."""

from __future__ import annotations

import ipaddress
import os
from typing import Any

import limits

# Login codes sent by email (backend/identity/email_login/send_limits.py), in the notation
# of the `limits` library: "5/hour", "5 per hour", several separated by ";".
DEFAULT_LOGIN_CODE_LIMIT_PER_ADDRESS = "5/hour"
DEFAULT_LOGIN_CODE_LIMIT_PER_IP = "20/hour"
DEFAULT_LOGIN_CODE_LIMIT_GLOBAL = "500/hour"
# Where those counters live: one process's memory. Several processes need a shared store,
# e.g. "redis://host:6379" (the `redis` package then); see docs/identity.md.
DEFAULT_RATE_LIMIT_STORAGE = "memory://"


def check_trusted_proxies(values: tuple[str, ...]) -> tuple[str, ...]:
    """The proxies as normalized networks ("192.0.2.1/32", "10.0.0.0/8"); ValueError names
    the first entry that is not an IP address or CIDR network ("*" is refused on purpose:
    trusting every peer would let anyone set their own address)."""
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise ValueError(
                f"TSUYAMA_TRUSTED_PROXIES: {value!r} is not an IP address or CIDR network "
                "(list the reverse proxies in front of the backend, e.g. 127.0.0.1,10.0.0.0/8)"
            ) from None
    return tuple(networks)


def check_rate_limit(name: str, value: str) -> str:
    """`value` if the `limits` library can read it, else a ValueError naming the setting."""
    try:
        items = limits.parse_many(value)
    except ValueError:
        items = []
    if not items or any(item.amount < 1 for item in items):
        raise ValueError(
            f"{name} must be a rate such as 5/hour or 20 per hour (several separated by ';'), "
            f"got {value!r}"
        )
    return value


def check_storage_uri(value: str) -> str:
    if "://" not in value:
        raise ValueError(
            f"TSUYAMA_RATE_LIMIT_STORAGE must be a storage URI of the limits library such as "
            f"memory:// or redis://host:6379, got {value!r}"
        )
    return value


def _bool(name: str) -> bool | None:
    from backend.settings import _parse_bool  # here: backend.settings imports this module

    raw = os.environ.get(name)
    return None if raw is None else _parse_bool(name, raw)


def web_security_from_env() -> dict[str, Any]:
    """`TSUYAMA_TRUSTED_PROXIES`, `TSUYAMA_LOGIN_CODE_LIMIT_PER_ADDRESS/_PER_IP/_GLOBAL`,
    `TSUYAMA_RATE_LIMIT_STORAGE` and `TSUYAMA_API_DOCS` (checked by `Settings`)."""
    values: dict[str, Any] = {
        "trusted_proxies": tuple(
            item.strip() for item in os.environ.get("TSUYAMA_TRUSTED_PROXIES", "").split(",")
            if item.strip()),
        "api_docs_enabled": _bool("TSUYAMA_API_DOCS"),
    }
    for field, variable in (
        ("login_code_limit_per_address", "TSUYAMA_LOGIN_CODE_LIMIT_PER_ADDRESS"),
        ("login_code_limit_per_ip", "TSUYAMA_LOGIN_CODE_LIMIT_PER_IP"),
        ("login_code_limit_global", "TSUYAMA_LOGIN_CODE_LIMIT_GLOBAL"),
        ("rate_limit_storage_uri", "TSUYAMA_RATE_LIMIT_STORAGE"),
    ):
        raw = os.environ.get(variable, "").strip()
        if raw:
            values[field] = raw
    return values
