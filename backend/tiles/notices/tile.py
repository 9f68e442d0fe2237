"""The notices tile's server side (お知らせ): `GET /notices`, the read-only `notices`
collection (public and audience streams) and the demo notices."""

from __future__ import annotations

from backend.tiles.notices.api import forget_personal_notices, personal_notices_export
from backend.tiles.notices.demo import load_demo_notices
from backend.tiles.notices.models import Notice
from backend.tiles.notices.routes import router
from backend.tiles.notices.sync_rows import NOTICES
from backend.tiles.spec import (
    Deletion,
    DeletionPolicy,
    ExportPart,
    HomeHint,
    ServerPart,
    TileSpec,
)

TILE = TileSpec(
    id="notices",
    server=ServerPart.BUILT,
    summary="The city's notices: GET /notices and the read-only `notices` collection.",
    routers=(router,),
    sync_collections=(NOTICES,),
    startup=(load_demo_notices,),
    # The city's notices are the city's; a resident's read marks are synced preferences
    # (`notices.read.<id>`), which the portal exports and deletes itself. Personal notices
    # (another tile's `api.notify_person`, e.g. a procedure's status) are the person's.
    export=(ExportPart("personal_notices", personal_notices_export, section="tiles"),),
    deletion=DeletionPolicy(Deletion.DELETE, "the person's own notices (a procedure's "
                            "status changed...) go with the account", forget_personal_notices),
    models=(Notice,),
    home=HomeHint(order=90),
)
