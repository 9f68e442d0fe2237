"""Bulky waste at backend start-up: the deadline setting, holidays, the demo slots."""

from __future__ import annotations

from sqlalchemy import Engine

from backend.settings import Settings
from backend.sync.holidays import publish_holidays
from backend.tiles.waste.bulky import deadline
from backend.tiles.waste.bulky.demo import create_demo_slots


def start_bulky_waste(engine: Engine, settings: Settings) -> None:
    """Configure the booking deadline; publish the holiday rows (if enabled) and, with the
    demo waste data, the demo slots. Run after the waste content is loaded."""
    deadline.configure(settings.bulky_deadline_working_days)
    if settings.publish_holidays:
        publish_holidays(engine, settings.municipality_code)
    if settings.load_demo_waste:
        create_demo_slots(engine, settings.municipality_code)
