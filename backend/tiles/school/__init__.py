"""School tile (学校) on the server side: none yet (see tile.py)."""
