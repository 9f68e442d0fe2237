"""The kiosk's 整理券 screens (render only): `board` (the counters, then the number taken)
and `check_in` (a booking checked in by its QR code); `common` is what they share."""

from __future__ import annotations

from app.features.numbers.views.board import board_body, problem_text, ticket_body
from app.features.numbers.views.check_in import check_in_body, refusal_text

__all__ = ["board_body", "check_in_body", "problem_text", "refusal_text", "ticket_body"]
