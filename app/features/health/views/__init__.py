"""The health tile's screens: render only."""
