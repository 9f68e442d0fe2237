"""Transit tile (交通): Plan bus and train trips offline and buy digital tickets."""

from app.shell.feature_spec import ALL_MODES, FeatureSpec

FEATURE = FeatureSpec(
    id="transit",
    title="Transit",
    icon="DIRECTIONS_BUS",
    modes=ALL_MODES,
    order=30,
    needs_login=False,
    description="Plan bus and train trips offline and buy digital tickets.",
)
