"""Refusals of the bulky-waste handlers: permanent rejections with a code (docs/sync.md)."""

from __future__ import annotations

from backend.sync.refusals import Refused as Refused  # the tile raises it

UNKNOWN_AREA = "unknown_area"
UNKNOWN_ITEM = "unknown_item"
NOT_BULKY = "not_bulky"
FEE_UNKNOWN = "fee_unknown"
NO_SLOT = "no_slot"
SLOT_FULL = "slot_full"
DEADLINE_PASSED = "deadline_passed"
NOT_BOOKED = "not_booked"
RESIDENTS_ONLY = "residents_only"
FEE_PAID_WITH_POINTS = "fee_paid_with_points"  # items that change a fee paid with points


