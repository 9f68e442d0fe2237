"""The waiting-number queue (整理券) of the reservations tile (docs/reservations.md §3)."""
