"""Tourism tile (観光) on the server side: none yet (see tile.py)."""
