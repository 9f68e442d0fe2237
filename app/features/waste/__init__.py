"""Waste tile (ごみ): sorting dictionary, collection calendar, bulky-waste booking."""

from app.features.waste.repository import describe_change
from app.features.waste.staff.wiring import STAFF_SCREENS
from app.features.waste.wiring import build_view, home_notes, prepare, reminders_background
from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="waste",
    title="Waste",
    icon="RECYCLING",
    modes=RESIDENT_AND_KIOSK,
    order=70,
    needs_login=False,
    description="Look up how to sort anything, see collection days and book bulky-waste pickup.",
    built=True,
    build_view=build_view,
    prepare=prepare,
    describe_change=describe_change,
    background=reminders_background,
    home_notes=home_notes,
    staff_screens=STAFF_SCREENS,
)
