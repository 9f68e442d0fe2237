"""Procedures tile (手続き) on the server side: none yet (see tile.py)."""
