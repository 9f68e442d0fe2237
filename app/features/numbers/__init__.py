"""Take a number (整理券), on the city-hall kiosk only: a walk-in without the app or a login
presses a counter and gets its next waiting number, like the paper ticket machine, then sees
how many are ahead and when it is called (docs/reservations.md §3, "Kiosk numbers without a
login"). The numbers are the reservations tile's counters; the kiosk sends its device key.
A resident with a booking of today checks it in here by its QR code and gets the
appointment's number (`check_in.py`)."""

from __future__ import annotations

from app.features.numbers.wiring import build_view, prepare
from app.shell.feature_spec import FeatureSpec, Mode

FEATURE = FeatureSpec(
    id="numbers",
    title="Take a number",
    icon="CONFIRMATION_NUMBER",
    modes=frozenset({Mode.KIOSK}),
    order=5,  # first on the kiosk
    needs_login=False,
    description="Take a waiting number for a counter (no login needed).",
    built=True,
    build_view=build_view,
    prepare=prepare,
    # /numbers/<counter>: the number taken; /numbers/booking/check-in: a booking's QR code
    sub_routes=("*",),
)
