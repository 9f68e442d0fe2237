"""Points tile (ポイント) on the server side: none yet (see tile.py)."""
