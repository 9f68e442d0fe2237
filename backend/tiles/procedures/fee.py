"""How a procedure fee paid with points is named in the points ledger: the purpose (the
reference is the 受付番号) and the procedures tile's idempotency scope."""

from __future__ import annotations

FEE_PURPOSE = "procedure_fee"
LEDGER_SCOPE = "tile:procedures"
