"""Reservations tile (予約): book counter appointments, facilities and courses."""

from __future__ import annotations

from app.features.reservations.repository import describe_change
from app.features.reservations.staff.wiring import STAFF_SCREENS
from app.features.reservations.wiring import (
    build_view,
    home_notes,
    prepare,
    reminders_background,
)
from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="reservations",
    title="Reservations",
    icon="EVENT_AVAILABLE",
    modes=RESIDENT_AND_KIOSK,
    order=20,
    needs_login=True,
    description="Book counter appointments, facilities and courses.",
    built=True,
    build_view=build_view,
    prepare=prepare,
    describe_change=describe_change,
    background=reminders_background,
    home_notes=home_notes,
    staff_screens=STAFF_SCREENS,
    sub_routes=("*",),  # /reservations/<resource id>, /reservations/bookings/<id>
)
