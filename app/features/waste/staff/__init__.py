"""The waste tile's staff screens (粗大ごみ: slots, bookings, collected, CSV); ADR 0023."""
