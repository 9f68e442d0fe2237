"""Tourism tile (観光): Sights, events and walking routes around Tsuyama."""

from app.shell.feature_spec import ALL_MODES, FeatureSpec

FEATURE = FeatureSpec(
    id="tourism",
    title="Tourism",
    icon="CASTLE",
    modes=ALL_MODES,
    order=80,
    needs_login=False,
    description="Sights, events and walking routes around Tsuyama.",
)
