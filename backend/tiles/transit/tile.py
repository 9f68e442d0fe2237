"""The transit tile's server side (交通): the city's GTFS-JP feeds (a feeds file, staff
uploads, the demo) compiled into the timetable files the app downloads and plans on offline,
refreshed from their addresses, and their live data (GTFS-Realtime) polled
(docs/transit-feeds.md, docs/transit-timetable.md)."""

from __future__ import annotations

from backend.tiles.spec import Deletion, DeletionPolicy, HomeHint, ServerPart, TileSpec
from backend.tiles.transit import cli, routes, staff_routes
from backend.tiles.transit.models import TransitFeedVersion, TransitImport, TransitRealtime
from backend.tiles.transit.realtime import REALTIME_JOB
from backend.tiles.transit.refresh import REFRESH_JOB
from backend.tiles.transit.settings import TILE_ID, TransitSettings
from backend.tiles.transit.startup import load_transit_feeds

TILE = TileSpec(
    id=TILE_ID,
    server=ServerPart.BUILT,
    summary="Timetables compiled from the city's GTFS-JP feeds, refreshed from their "
            "addresses, with their live data; staff upload and review feeds.",
    routers=(routes.router,),
    staff_routers=(staff_routes.router,),
    startup=(load_transit_feeds,),
    settings=TransitSettings,
    # Timetables, import reports and live data are the city's: no row names a person (a
    # staff upload is logged with the staff member's id, not stored with it). Trip plans
    # and favourite stops stay on the device.
    deletion=DeletionPolicy(Deletion.NOTHING, "the tile keeps no rows about a person: "
                            "timetables, import reports and live data are the city's"),
    models=(TransitFeedVersion, TransitImport, TransitRealtime),
    home=HomeHint(order=30),
    commands={cli.IMPORT: cli.import_main, cli.LIST: cli.list_main},
    jobs=(REFRESH_JOB, REALTIME_JOB),
)
