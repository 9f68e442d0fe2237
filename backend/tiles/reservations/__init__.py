"""Reservations tile (施設予約) on the server side: none yet (see tile.py)."""
