"""The points tile's settings (`TSUYAMA_POINTS_...`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_EXPIRY_DAYS = 365
MAX_EXPIRY_DAYS = 3660  # ten years: a typo like 36500 is refused rather than obeyed


@dataclass(frozen=True)
class PointsSettings:
    # How long earned points stay valid (a lot expires this many days after the earn).
    expiry_days: int = DEFAULT_EXPIRY_DAYS

    def __post_init__(self) -> None:
        if not 1 <= self.expiry_days <= MAX_EXPIRY_DAYS:
            raise ValueError(f"TSUYAMA_POINTS_EXPIRY_DAYS must be 1 to {MAX_EXPIRY_DAYS}, "
                             f"got {self.expiry_days}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> PointsSettings:
        raw = environ.get("TSUYAMA_POINTS_EXPIRY_DAYS", "").strip()
        if not raw:
            return cls()
        try:
            days = int(raw)
        except ValueError:
            raise ValueError(f"TSUYAMA_POINTS_EXPIRY_DAYS must be a whole number of days, "
                             f"got {raw!r}") from None
        return cls(expiry_days=days)
