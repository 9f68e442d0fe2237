"""School tile (学校): Read school notices and report absences."""

from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="school",
    title="School",
    icon="SCHOOL",
    modes=RESIDENT_AND_KIOSK,
    order=60,
    needs_login=True,
    description="Read school notices and report absences.",
)
