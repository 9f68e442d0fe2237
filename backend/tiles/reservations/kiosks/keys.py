"""Kiosk keys and devices (docs/reservations.md §3, "Kiosk numbers without a login").

A key is `tk1_` and 43 characters of `secrets.token_urlsafe(32)` (256 random bits), shown
once when its device is added (`kiosk-add`) and sent by the kiosk as `X-Kiosk-Key`. Only
its SHA-256 (hex) is stored and a request's key is found by that hash: a key this random
needs no slow password hash, and no key can be read back from the database.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from backend.tiles.reservations.kiosks.models import KioskDevice

KEY_PREFIX = "tk1_"
KEY_PATTERN = re.compile(r"tk1_[A-Za-z0-9_-]{43}")
NAME_MAX = 100


def make_key() -> str:
    """A new kiosk key (see the module docstring)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def is_key(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None


def hash_key(key: str) -> str:
    """The stored form of a key: its SHA-256 in hex."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def find_device(session: Session, key: str | None) -> KioskDevice | None:
    """The device holding `key`, None for no key, a malformed, unknown or revoked one."""
    if not key or not is_key(key):
        return None
    device = session.scalars(select(KioskDevice).where(
        col(KioskDevice.key_sha256) == hash_key(key))).first()
    if device is None or device.revoked_at is not None:
        return None
    return device


@dataclass(frozen=True)
class NewDevice:
    """A device just added, with its key (shown once, stored nowhere)."""

    device: KioskDevice
    key: str


def add_device(session: Session, code: str, name: str, counters: Sequence[str],
               now: datetime, key: str | None = None) -> NewDevice:
    """A new device of municipality `code` (a new key unless `key` is given). The caller
    commits."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValueError(f"a kiosk's name is 1 to {NAME_MAX} characters")
    key = key or make_key()
    if not is_key(key):
        raise ValueError("not a kiosk key (tk1_ and 43 characters)")
    device = KioskDevice(id=str(uuid.uuid4()), municipality_code=code, name=name,
                         counters=json.dumps(sorted(set(counters))), key_sha256=hash_key(key),
                         created_at=now)
    session.add(device)
    session.flush()
    return NewDevice(device, key)


def key_registered(session: Session, key: str) -> bool:
    """Whether a device (revoked or not) has this key."""
    return session.scalars(select(col(KioskDevice.id)).where(
        col(KioskDevice.key_sha256) == hash_key(key))).first() is not None


def devices(session: Session, code: str) -> list[KioskDevice]:
    """The municipality's devices, oldest first (revoked ones too)."""
    return list(session.scalars(select(KioskDevice).where(
        col(KioskDevice.municipality_code) == code)
        .order_by(col(KioskDevice.created_at), col(KioskDevice.id))))


def revoke_device(session: Session, code: str, device_id: str, now: datetime) -> bool:
    """Revoke the device (its key stops working at once); False when there is no such
    device of the municipality or it is revoked already. The caller commits."""
    table = KioskDevice.__table__  # type: ignore[attr-defined]
    moved = session.execute(update(table).where(
        table.c.id == device_id, table.c.municipality_code == code,
        table.c.revoked_at.is_(None)).values(revoked_at=now))
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def device_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """id -> name of these devices (for the staff's caller screen)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {device.id: device.name for device in session.scalars(
        select(KioskDevice).where(col(KioskDevice.id).in_(wanted)))}
