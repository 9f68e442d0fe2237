"""The reservations staff screens' views: the day's list (`day`), check-in by code
(`checkin`) and the queue's caller (`caller`). Render only."""

from app.features.reservations.staff.views.caller import caller_body
from app.features.reservations.staff.views.checkin import checkin_body
from app.features.reservations.staff.views.day import day_body

__all__ = ["caller_body", "checkin_body", "day_body"]
