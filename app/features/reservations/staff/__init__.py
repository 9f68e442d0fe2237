"""The reservations tile's staff screens (docs/reservations.md §3–§4): per department that
owns resources, the day's list (slots with their bookings, check-in, no-show, capacity,
closing and adding slots), check-in by the booking's scanned code, and the waiting-number
queue's caller. `wiring.STAFF_SCREENS` lists them for the tile's `FeatureSpec`."""
