"""The school tile (学校) has no server part yet: the app shows a placeholder screen."""

from __future__ import annotations

from backend.services.audiences import AUDIENCE_PARENTS
from backend.tiles.spec import HomeHint, ServerPart, TileSpec

TILE = TileSpec(
    id="school",
    server=ServerPart.NOT_YET,
    summary="No server part yet: the app's tile is a placeholder.",
    home=HomeHint(order=60, first_for=(AUDIENCE_PARENTS,)),
)
