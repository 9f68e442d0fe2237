"""The waste tile's server side (ごみ): the city's sorting and calendar content, bulky-waste
booking (粗大ごみ, in `bulky/`: the app has it inside its waste tile too), the staff routes
and `python -m backend import-waste` (ADR 0014, ADR 0015, ADR 0022)."""

from __future__ import annotations

from backend.tiles.spec import (
    Deletion,
    DeletionPolicy,
    ExportPart,
    HomeHint,
    ServerPart,
    TileSpec,
)
from backend.tiles.waste import cli
from backend.tiles.waste.bulky.handlers import BULKY_SLOTS, BULKY_WASTE
from backend.tiles.waste.bulky.models import BulkyBooking, BulkyNumberCounter, BulkySlot
from backend.tiles.waste.bulky.my_data import BOOKINGS_METER, bookings_export
from backend.tiles.waste.bulky.points_payment import router as bulky_points_router
from backend.tiles.waste.bulky.staff_routes import router as bulky_staff_router
from backend.tiles.waste.bulky.startup import start_bulky_waste
from backend.tiles.waste.models import WasteAreaRow, WasteItemRow, WasteRecordRow
from backend.tiles.waste.startup import load_waste_content
from backend.tiles.waste.sync_collections import WASTE_CONTENT

TILE = TileSpec(
    id="waste",
    server=ServerPart.BUILT,
    summary="Waste sorting and calendar content (read-only) and bulky-waste bookings.",
    routers=(bulky_points_router,),
    staff_routers=(bulky_staff_router,),
    sync_collections=(*WASTE_CONTENT, BULKY_WASTE, BULKY_SLOTS),
    quota_meters={BULKY_WASTE.name: BOOKINGS_METER},
    # The content first (the city's folder, else the demo), then the bookings' deadline
    # setting, holidays and demo slots, which need the areas.
    startup=(load_waste_content, start_bulky_waste),
    export=(ExportPart("bulky_waste", bookings_export),),
    deletion=DeletionPolicy(
        Deletion.KEEP,
        "bookings are the city's collection records (what is picked up where, and its fee): "
        "they stay, pointing to the tombstone; their change-log rows go with the person's "
        "other synced rows",
    ),
    models=(WasteItemRow, WasteAreaRow, WasteRecordRow, BulkySlot, BulkyBooking,
            BulkyNumberCounter),
    home=HomeHint(order=70),
    commands={cli.COMMAND: cli.main},
)
