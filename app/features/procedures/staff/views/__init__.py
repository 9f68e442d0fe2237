"""The procedures staff screens' views: the review screen (`review`) and the 書かない窓口
counter (`counter`). Render only."""

from app.features.procedures.staff.views.counter import counter_body
from app.features.procedures.staff.views.review import review_body

__all__ = ["counter_body", "review_body"]
