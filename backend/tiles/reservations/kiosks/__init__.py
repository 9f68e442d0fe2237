"""Kiosk devices: city-hall tablets that hand out waiting numbers without a login
(docs/reservations.md §3, "Kiosk numbers without a login")."""
