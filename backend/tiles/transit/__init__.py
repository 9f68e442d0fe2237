"""Transit tile (交通) on the server side: none yet (see tile.py)."""
