"""The waste collections are read-only content: devices pull them, every push is rejected."""

from __future__ import annotations

from backend.sync.collections import Collection, Policy, register
from backend.waste.records import COLLECTIONS

for _name in COLLECTIONS:
    register(Collection(_name, Policy.READ_ONLY))
