"""The points tile's server side (ポイント): the ledger (accounts, immutable double-entry
transfers, lots that expire, idempotent writes), earning, paying at shops, staff tools
(docs/points.md; ADR 0032, 0033, 0034)."""

from __future__ import annotations

from backend.tiles.points import cli, payment_routes, routes, rules_cli, shop_routes, staff_routes
from backend.tiles.points.claim_handlers import POINTS_CLAIMS
from backend.tiles.points.demo_shop import load_demo_shop
from backend.tiles.points.earning_models import EARNING_MODELS
from backend.tiles.points.earning_my_data import earning_export
from backend.tiles.points.earning_startup import load_earning_rules
from backend.tiles.points.expiry import EXPIRY_JOB
from backend.tiles.points.models import POINTS_MODELS
from backend.tiles.points.my_data import DELETION_REASON, points_export
from backend.tiles.points.payment_models import PAYMENT_MODELS
from backend.tiles.points.settings import PointsSettings
from backend.tiles.points.wallet_rows import WALLET
from backend.tiles.spec import Deletion, DeletionPolicy, ExportPart, HomeHint, ServerPart, TileSpec

TILE = TileSpec(
    id="points",
    server=ServerPart.BUILT,
    summary="Regional points: a double-entry ledger, earning rules, payments at shops.",
    routers=(payment_routes.router, shop_routes.router, routes.router),
    staff_routers=(staff_routes.router,),
    sync_collections=(
        WALLET,
        POINTS_CLAIMS,
    ),
    startup=(
        load_earning_rules,
        load_demo_shop,
    ),
    settings=PointsSettings,
    export=(
        ExportPart("points", points_export, section="tiles"),
        ExportPart("points_earning", earning_export, section="tiles"),
    ),
    deletion=DeletionPolicy(Deletion.KEEP, DELETION_REASON),
    models=(
        *POINTS_MODELS,
        *EARNING_MODELS,
        *PAYMENT_MODELS,
    ),
    home=HomeHint(order=40),
    jobs=(EXPIRY_JOB,),  # hourly: points expire within the hour of their date
    commands={
        cli.EXPIRE: cli.expire_main,
        rules_cli.CHECK: rules_cli.check_main,
        rules_cli.IMPORT: rules_cli.import_main,
    },
)
