"""Waste tile (ごみ): sorting dictionary, collection calendar, bulky-waste booking."""

from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="waste",
    title="Waste",
    icon="RECYCLING",
    modes=RESIDENT_AND_KIOSK,
    order=70,
    needs_login=False,
    description="Look up how to sort anything, see collection days and book bulky-waste pickup.",
)
