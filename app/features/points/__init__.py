"""Points tile (ポイント): Earn and spend Tsuyama community points."""

from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="points",
    title="Points",
    icon="WALLET",
    modes=RESIDENT_AND_KIOSK,
    order=40,
    needs_login=True,
    description="Earn and spend Tsuyama community points.",
)
