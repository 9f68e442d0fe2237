"""The development kiosk (docs/reservations.md §3): at start, `TSUYAMA_KIOSK_BOOTSTRAP_KEY`
becomes the device 「開発用キオスク」 (every counter) unless a device has that key already —
only outside production and with demo data on (`TSUYAMA_DEMO_DATA`). `python -m app --mode
kiosk` with the embedded backend passes a fresh key so. Production ignores the variable and
says so in the log; a city adds its kiosks with `kiosk-add`. The key is never logged."""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlmodel import Session

from backend.db import write_engine
from backend.services import clock
from backend.settings import Settings
from backend.tiles.reservations.kiosks.keys import add_device, key_registered
from backend.tiles.reservations.kiosks.models import KioskDevice
from backend.tiles.reservations.settings import KIOSK_BOOTSTRAP_VARIABLE, reservations_settings

logger = logging.getLogger(__name__)

DEVICE_NAME = "開発用キオスク"


def register_bootstrap_kiosk(engine: Engine, settings: Settings) -> KioskDevice | None:
    """The device registered now (None: no key, not development, or known already)."""
    key = reservations_settings(settings).kiosk_bootstrap_key
    if not key:
        return None
    if settings.is_production or not settings.load_demo_data:
        logger.warning("%s is ignored: it is for development with demo data only (add a "
                       "city's kiosks with `python -m backend tile reservations kiosk-add`)",
                       KIOSK_BOOTSTRAP_VARIABLE)
        return None
    with Session(write_engine(engine), expire_on_commit=False) as session:
        if key_registered(session, key):
            return None
        new = add_device(session, settings.municipality_code, DEVICE_NAME, (),
                         clock.utc_now(), key=key)
        session.commit()
    logger.info("kiosk %s (%s) registered from %s", new.device.id, DEVICE_NAME,
                KIOSK_BOOTSTRAP_VARIABLE)
    return new.device
