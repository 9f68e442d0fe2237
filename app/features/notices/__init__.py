"""Notices tile (お知らせ): City notices for you and your household."""

from app.features.notices.repository import describe_change
from app.features.notices.wiring import build_view, prepare
from app.shell.feature_spec import ALL_MODES, FeatureSpec

FEATURE = FeatureSpec(
    id="notices",
    title="Notices",
    icon="CAMPAIGN",
    modes=ALL_MODES,
    order=90,
    needs_login=False,
    description="City notices for you and your household.",
    built=True,
    build_view=build_view,
    prepare=prepare,
    describe_change=describe_change,
)
