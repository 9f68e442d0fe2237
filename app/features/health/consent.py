"""The health tile's consent (docs/health.md "Consent"): the versioned text of the consent
purpose `health_record` (assets/consent/purposes.json, the same catalogue the backend's
ledger checks), the decision kept on the device so that analysis works offline and stops at
once when it is withdrawn, and the rule for a child's own consent screen."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.paths import ASSETS_DIR

PURPOSE = "health_record"
PURPOSES_PATH = ASSETS_DIR / "consent" / "purposes.json"
# A child of this age or more reads and accepts the consent themselves, on the parent's
# phone, before the parent may keep their record; a younger child's parent decides alone.
# The age follows the Personal Information Protection Commission's guidance that children of
# about 12 to 15 can judge the consequences of handing over their personal data
# (個人情報保護法ガイドライン Q&A 1-62); the tile takes the lower end.
CHILD_OWN_CONSENT_AGE = 12


@dataclass(frozen=True)
class ConsentText:
    version: int
    ja: str
    en: str

    def text(self, language: str) -> str:
        return self.ja if language == "ja" else self.en

    def sha256(self, language: str) -> str:
        return hashlib.sha256(self.text(language).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def consent_text(path: Path = PURPOSES_PATH) -> ConsentText:
    document = json.loads(path.read_text(encoding="utf-8"))
    current = document["purposes"][PURPOSE]["versions"][-1]
    return ConsentText(int(current["version"]), str(current["ja"]), str(current["en"]))


@dataclass(frozen=True)
class Decision:
    """A subject's consent as the device keeps it."""

    version: int
    granted_at: str
    child_agreed: bool = False  # the child read and accepted it themselves
    ledger: str = "recorded"  # "recorded" in the city's ledger, or "pending" (offline)

    def current(self, text: ConsentText) -> bool:
        return self.version == text.version

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "granted_at": self.granted_at,
                "child_agreed": self.child_agreed, "ledger": self.ledger}

    @classmethod
    def from_json(cls, raw: Any) -> Decision | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("version"), int):
            return None
        return cls(raw["version"], str(raw.get("granted_at", "")),
                   bool(raw.get("child_agreed")), str(raw.get("ledger", "recorded")))


def needs_child_screen(age: int | None) -> bool:
    return age is not None and age >= CHILD_OWN_CONSENT_AGE


def granted_now(now: datetime) -> str:
    return now.isoformat(timespec="seconds")
