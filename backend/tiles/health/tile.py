"""The health tile's server side (健康): the append-only `health_records` collection, its
export and deletion, the city's counts by district of residents at risk (staff of 健康増進課),
and the home screen's place for residents aged 75 or more."""

from __future__ import annotations

from backend.services.audiences import AUDIENCE_AGE75PLUS
from backend.services.home_profile import Reminder
from backend.tiles.health import staff_routes
from backend.tiles.health.my_data import delete_records_of, records_export
from backend.tiles.health.records import HEALTH_RECORDS
from backend.tiles.spec import (
    Deletion,
    DeletionPolicy,
    ExportPart,
    HomeHint,
    ServerPart,
    TileSpec,
)

HEALTH_CHECK_REMINDER = Reminder(
    kind="health_check",
    feature="health",
    title_ja="後期高齢者健康診査を受けましょう",
    title_en="Book your health checkup for people aged 75 and over",
)

TILE = TileSpec(
    id="health",
    server=ServerPart.BUILT,
    summary="Health records synced from the resident's devices (append-only, tombstones).",
    sync_collections=(HEALTH_RECORDS,),
    # Counts by district of residents at risk, of those who consented; small counts hidden
    # (docs/health_city_aggregates.md). Staff never read a resident's record.
    staff_routers=(staff_routes.router,),
    export=(ExportPart("health_records", records_export),),
    deletion=DeletionPolicy(
        Deletion.DELETE,
        "the resident's own records, kept for them only: they go with the account",
        delete=delete_records_of,
    ),
    # The table (`HealthRecord`) is in backend/models/sync_data.py: the sync quotas share it.
    home=HomeHint(order=50, first_for=(AUDIENCE_AGE75PLUS,),
                  reminders=((AUDIENCE_AGE75PLUS, HEALTH_CHECK_REMINDER),)),
)
