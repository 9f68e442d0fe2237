"""The shop screen's own URL below the points tile (`FeatureSpec.sub_routes`)."""

POINTS_ROUTE = "/points"
SHOP_SUB_ROUTE = "shop"
SHOP_ROUTE = f"{POINTS_ROUTE}/{SHOP_SUB_ROUTE}"
