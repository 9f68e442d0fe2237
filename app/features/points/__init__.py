"""Points tile (ポイント): Earn and spend Tsuyama community points."""

from app.features.points.repository import describe_change
from app.features.points.shop.wiring import with_shop_screen
from app.features.points.staff.wiring import STAFF_SCREENS
from app.features.points.wiring import build_view, prepare
from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="points",
    title="Points",
    icon="WALLET",
    modes=RESIDENT_AND_KIOSK,
    order=40,
    needs_login=True,
    description="Earn and spend Tsuyama community points.",
    built=True,
    build_view=build_view,
    prepare=prepare,
    describe_change=describe_change,
    staff_screens=STAFF_SCREENS,
)
FEATURE = with_shop_screen(FEATURE)  # the shop screen for clerks (shop/wiring.py)
