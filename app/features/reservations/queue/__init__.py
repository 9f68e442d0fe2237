"""The waiting-number queue (整理券) screen of the reservations tile (docs/reservations.md §3):
a resident (or the kiosk's signed-in visitor) takes today's number at a counter and watches
the number served and how many are ahead, refreshed while the screen is open and online.
Opened at `/reservations/queue/<counter>` (`state.queue_route`)."""
