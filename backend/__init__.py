"""Thin FastAPI backend of Tsuyama Portal: notices and health, nothing more yet."""
