"""/health/checkups: the check-ups and screenings due, check-up results against the
特定健診 thresholds and, from 65, the 基本チェックリスト (app/features/health/checkups/)."""

from __future__ import annotations

from typing import Any

from app.features.health.state import HealthState
from app.shell.context import ViewContext
from app.shell.views.blocks import heading, plain


def checkups_view(ctx: ViewContext, state: HealthState) -> list[Any]:
    return [heading(ctx, ctx.t("Check-ups and screenings"), "health-checkups-heading"),
            plain(ctx, ctx.t("Loading…"))]
