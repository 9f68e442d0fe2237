"""Transit tile (交通): plan bus trips offline from the city's timetables, see the next buses
at a stop, keep favourite stops (docs/transit-planner.md)."""

from app.features.transit.favourites_repository import describe_change
from app.features.transit.staff.wiring import STAFF_SCREENS
from app.features.transit.wiring import build_view, prepare
from app.shell.feature_spec import ALL_MODES, FeatureSpec

FEATURE = FeatureSpec(
    id="transit",
    title="Transit",
    icon="DIRECTIONS_BUS",
    modes=ALL_MODES,
    order=30,
    needs_login=False,
    description="Plan bus trips, even offline, and see the next buses at a stop.",
    built=True,
    build_view=build_view,
    prepare=prepare,
    describe_change=describe_change,
    staff_screens=STAFF_SCREENS,
)
