"""Procedures tile (手続き): online procedures and the 書かない窓口 QR handoff."""

from app.shell.feature_spec import RESIDENT_AND_KIOSK, FeatureSpec

FEATURE = FeatureSpec(
    id="procedures",
    title="Procedures",
    icon="DESCRIPTION",
    modes=RESIDENT_AND_KIOSK,
    order=10,
    needs_login=True,
    description="Apply online, save drafts and hand a filled form to the counter by QR.",
)
