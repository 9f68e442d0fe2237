"""Procedures tile (手続き): online procedures and the 書かない窓口 QR handoff."""

from __future__ import annotations

from app.features.procedures.repository import describe_change
from app.features.procedures.staff.wiring import STAFF_SCREENS
from app.features.procedures.wiring import build_view, prepare
from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="procedures",
    title="Procedures",
    icon="DESCRIPTION",
    modes=RESIDENT_AND_KIOSK,
    order=10,
    needs_login=True,
    description="Apply online, save drafts and hand a filled form to the counter by QR.",
    built=True,
    build_view=build_view,
    prepare=prepare,
    describe_change=describe_change,
    staff_screens=STAFF_SCREENS,
    sub_routes=("*",),  # /procedures/<id>, /procedures/submissions/<id>, /handoff/<id>
)
