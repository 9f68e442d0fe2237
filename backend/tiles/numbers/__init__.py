"""Take a number (整理券) on the kiosk: no server part of its own (see tile.py)."""
