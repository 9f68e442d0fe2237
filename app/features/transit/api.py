"""The transit tile's public API for other tiles (the only module they may import): "plan a
trip to here" from a sight (tourism), the city hall (reservations) or any place."""

from __future__ import annotations

from app.features.transit.wiring import FEATURE_ROUTE, transit_state
from app.shell.context import ViewContext


def plan_trip_to(ctx: ViewContext, label: str, lat: float, lon: float) -> None:
    """Opens the transit tile with the place as the destination; the resident then chooses
    where they start and when."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("lat/lon out of range")
    transit_state(ctx).plan_to(label, lat, lon)
    ctx.navigate(FEATURE_ROUTE)
