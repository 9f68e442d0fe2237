"""Health tile (健康): Record meals by photo and follow your nutrition."""

from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="health",
    title="Health",
    icon="MONITOR_HEART",
    modes=RESIDENT_AND_KIOSK,
    order=50,
    needs_login=True,
    description="Record meals by photo and follow your nutrition.",
)
