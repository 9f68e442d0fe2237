"""One package per home-screen tile; each exports `FEATURE` (see app/shell/registry.py)."""
