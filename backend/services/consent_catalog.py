"""The consent purposes and their versioned texts (`assets/consent/purposes.json`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PURPOSES_PATH = Path(__file__).resolve().parents[2] / "assets" / "consent" / "purposes.json"
LANGUAGES = ("ja", "en")

# Recorded through /me/delegations (accept, decline, revoke), not through /me/consents.
DELEGATION_PURPOSE = "delegation"


def text_sha256(text: str) -> str:
    """SHA-256 (hex) of the UTF-8 text exactly as shown."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PurposeText:
    version: int
    ja: str
    en: str

    def text(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en

    def sha256(self, lang: str) -> str:
        return text_sha256(self.text(lang))

    def matches(self, sha: str) -> bool:
        """Is `sha` the hash of this version's text in one of the languages?"""
        return sha.lower() in {self.sha256(lang) for lang in LANGUAGES}


@dataclass(frozen=True)
class Purpose:
    id: str
    versions: tuple[PurposeText, ...]  # oldest first

    @property
    def current(self) -> PurposeText:
        return self.versions[-1]

    def version(self, number: int) -> PurposeText | None:
        return next((v for v in self.versions if v.version == number), None)


def read_catalog(path: Path = PURPOSES_PATH) -> dict[str, Purpose]:
    document = json.loads(path.read_text(encoding="utf-8"))
    items = document.get("purposes") if isinstance(document, dict) else None
    if not isinstance(items, dict) or not items:
        raise ValueError(f'{path}: expected a "purposes" object')
    catalog: dict[str, Purpose] = {}
    for purpose_id, item in items.items():
        versions = tuple(
            PurposeText(int(v["version"]), str(v["ja"]), str(v["en"])) for v in item["versions"]
        )
        numbers = [v.version for v in versions]
        if not numbers or numbers != sorted(set(numbers)) or numbers[0] < 1:
            raise ValueError(f"{path}: {purpose_id}: versions must be 1, 2, ... in order")
        catalog[purpose_id] = Purpose(purpose_id, versions)
    return catalog


@cache
def catalog() -> dict[str, Purpose]:
    """The catalog shipped with the backend (read once)."""
    return read_catalog()
