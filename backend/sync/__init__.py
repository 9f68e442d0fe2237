"""Backend side of offline-first sync: push receipts, the change log, collection handlers.

See docs/sync.md for the wire protocol and docs/adr/0011-sync-protocol-and-change-log.md.
"""
