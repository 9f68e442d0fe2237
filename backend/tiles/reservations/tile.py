"""The reservations tile (施設予約) has no server part yet: the app shows a placeholder screen."""

from __future__ import annotations

from backend.tiles.spec import HomeHint, ServerPart, TileSpec

TILE = TileSpec(
    id="reservations",
    server=ServerPart.NOT_YET,
    summary="No server part yet: the app's tile is a placeholder.",
    home=HomeHint(order=20),
)
