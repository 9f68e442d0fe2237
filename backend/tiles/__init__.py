"""Tiles on the server side: one package per tile, each with a `TILE` spec (ADR 0022)."""
