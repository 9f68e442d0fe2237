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
    # The backend's own address as clients reach it: the issuer of its tokens.
    public_url: str = "http://127.0.0.1:8000"
    # PEM file of the token signing key (EC P-256). None: an ephemeral key (tests only).
    signing_key_path: Path | None = None

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise ValueError(
                f"TSUYAMA_ENV must be one of {', '.join(ENVIRONMENTS)}, got {self.environment!r}"
            )
        object.__setattr__(self, "database_url", normalize_database_url(self.database_url))
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))

    @property
    def database_kind(self) -> str:
        """The database family: "sqlite" or "postgresql"."""
        return "sqlite" if self.database_url.startswith(_SQLITE_PREFIXES) else "postgresql"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def issuer(self) -> str:
        """The OpenID Connect issuer identifier of this backend."""
        return self.public_url

    @classmethod
    def from_env(
        cls, data_dir: Path | None = None, default_public_url: str = "http://127.0.0.1:8000"
    ) -> Settings:
        """Read `DATABASE_URL`, `TSUYAMA_ENV` and `TSUYAMA_DEMO_DATA`.

        Without `DATABASE_URL` the database is `backend.sqlite3` inside `data_dir`
        (default: see `default_data_dir`), which is created if missing.
        """
        environment = os.environ.get("TSUYAMA_ENV", "development").strip() or "development"
        folder = (data_dir or default_data_dir()).expanduser().resolve()
        url = os.environ.get("DATABASE_URL", "").strip()
        if not url:
            folder.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{folder / 'backend.sqlite3'}"
        key_file = os.environ.get("TSUYAMA_SIGNING_KEY_FILE", "").strip()
        if key_file:
            signing_key_path = Path(key_file).expanduser()
        elif environment == "production":
            raise ValueError(
                "TSUYAMA_SIGNING_KEY_FILE must name the token signing key (PEM, EC P-256) "
                "in production; see docs/identity.md"
            )
        else:
            signing_key_path = folder / "keys" / "signing-key.pem"
        public_url = os.environ.get("TSUYAMA_PUBLIC_URL", "").strip() or default_public_url
        raw_demo = os.environ.get("TSUYAMA_DEMO_DATA")
        if raw_demo is None:
            load_demo_data = environment != "production"
        else:
            load_demo_data = _parse_bool("TSUYAMA_DEMO_DATA", raw_demo)
        return cls(
            database_url=url,
            environment=environment,
            load_demo_data=load_demo_data,
            public_url=public_url,
            signing_key_path=signing_key_path,
        )
