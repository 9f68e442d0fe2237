"""Domain rules shared by the routes and by other tiles (households, consent, delegation)."""
