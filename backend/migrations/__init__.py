"""Alembic migrations of the backend database (hand-written, applied by backend.schema)."""
