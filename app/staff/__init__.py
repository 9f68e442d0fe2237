"""The staff home (/staff): each tile's staff screens the caller's departments allow (ADR 0023)."""
