"""Reservations tile (予約): Book counter appointments, facilities and courses."""

from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="reservations",
    title="Reservations",
    icon="EVENT_AVAILABLE",
    modes=RESIDENT_AND_KIOSK,
    order=20,
    needs_login=True,
    description="Book counter appointments, facilities and courses.",
)
