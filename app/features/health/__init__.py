"""Health tile (健康): Record meals by photo and follow your nutrition."""

from app.features.health.staff.wiring import STAFF_SCREENS
from app.features.health.wiring import build_view, prepare
from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="health",
    title="Health",
    icon="MONITOR_HEART",
    modes=RESIDENT_AND_KIOSK,
    order=50,
    needs_login=True,
    description="Record meals by photo and follow your nutrition.",
    built=True,
    build_view=build_view,
    prepare=prepare,
    staff_screens=STAFF_SCREENS,
    sub_routes=("data", "checkups"),
)
