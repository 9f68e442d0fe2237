"""The transit tile (交通) has no server part yet: the app shows a placeholder screen."""

from __future__ import annotations

from backend.tiles.spec import HomeHint, ServerPart, TileSpec

TILE = TileSpec(
    id="transit",
    server=ServerPart.NOT_YET,
    summary="No server part yet: the app's tile is a placeholder.",
    home=HomeHint(order=30),
)
