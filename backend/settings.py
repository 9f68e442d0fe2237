"""Backend settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENTS = ("development", "production")
TSUYAMA_MUNICIPALITY_CODE = "332038"

_SQLITE_PREFIXES = ("sqlite://",)
_POSTGRES_PREFIXES = ("postgresql://", "postgresql+psycopg://", "postgres://")


def default_data_dir() -> Path:
    """`TSUYAMA_DATA_DIR`, else `$XDG_DATA_HOME/tsuyama-portal` (`~/.local/share` by default)."""
    explicit = os.environ.get("TSUYAMA_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "tsuyama-portal"


def normalize_database_url(url: str) -> str:
    """Return `url` with the driver SQLAlchemy should use; reject unknown schemes."""
    if url.startswith(_SQLITE_PREFIXES):
        return url
    if url.startswith("postgresql+psycopg://"):
        return url
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    scheme = url.split("://", 1)[0] if "://" in url else url
    raise ValueError(
        f"Unsupported DATABASE_URL scheme {scheme!r}: use sqlite:///PATH or "
        "postgresql://USER@HOST:PORT/DB (postgresql+psycopg:// also accepted)"
    )


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{name} must be 1 or 0, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    database_url: str
    environment: str = "development"
    municipality_code: str = TSUYAMA_MUNICIPALITY_CODE
    load_demo_data: bool = True

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise ValueError(
                f"TSUYAMA_ENV must be one of {', '.join(ENVIRONMENTS)}, got {self.environment!r}"
            )
        object.__setattr__(self, "database_url", normalize_database_url(self.database_url))

    @property
    def database_kind(self) -> str:
        """The database family: "sqlite" or "postgresql"."""
        return "sqlite" if self.database_url.startswith(_SQLITE_PREFIXES) else "postgresql"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> Settings:
        """Read `DATABASE_URL`, `TSUYAMA_ENV` and `TSUYAMA_DEMO_DATA`.

        Without `DATABASE_URL` the database is `backend.sqlite3` inside `data_dir`
        (default: see `default_data_dir`), which is created if missing.
        """
        environment = os.environ.get("TSUYAMA_ENV", "development").strip() or "development"
        url = os.environ.get("DATABASE_URL", "").strip()
        if not url:
            folder = (data_dir or default_data_dir()).expanduser().resolve()
            folder.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{folder / 'backend.sqlite3'}"
        raw_demo = os.environ.get("TSUYAMA_DEMO_DATA")
        if raw_demo is None:
            load_demo_data = environment != "production"
        else:
            load_demo_data = _parse_bool("TSUYAMA_DEMO_DATA", raw_demo)
        return cls(database_url=url, environment=environment, load_demo_data=load_demo_data)
