"""The kiosk's take-a-number tile (整理券) has no server part of its own: the numbers are the
reservations tile's counters, issued to a kiosk's device key by its routes `/kiosk/queue`
(docs/reservations.md §3, "Kiosk numbers without a login")."""

from __future__ import annotations

from backend.tiles.spec import HomeHint, ServerPart, TileSpec

TILE = TileSpec(
    id="numbers",
    server=ServerPart.ANOTHER_TILE,
    summary="None of its own: the kiosk's numbers come from the reservations tile's "
            "kiosk routes (/kiosk/queue).",
    home=HomeHint(order=5),
)
