"""Backend settings, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend.http.body_limit import (
    DEFAULT_BODY_LIMIT_BYTES,
    DEFAULT_PUSH_BODY_LIMIT_BYTES,
    body_limits_from_env,
    check_limit,
)
from backend.security.config import (
    DEFAULT_LOGIN_CODE_LIMIT_GLOBAL,
    DEFAULT_LOGIN_CODE_LIMIT_PER_ADDRESS,
    DEFAULT_LOGIN_CODE_LIMIT_PER_IP,
    DEFAULT_RATE_LIMIT_STORAGE,
    check_rate_limit,
    check_storage_uri,
    check_trusted_proxies,
    web_security_from_env,
)
from backend.security.files import private_dir, tighten_dirs

ENVIRONMENTS = ("development", "production")
TSUYAMA_MUNICIPALITY_CODE = "332038"
# The backend's client id at the development identity provider.
DEV_UPSTREAM_CLIENT_ID = "tsuyama-portal-backend"
DEV_IDP_PATH = "/dev-idp"
DEV_IDP_IN_PRODUCTION = (
    "The development identity provider (TSUYAMA_DEV_IDP) must not run with "
    "TSUYAMA_ENV=production: it lets anyone log in as a test persona. Configure the national "
    "provider instead (TSUYAMA_UPSTREAM_ISSUER and friends, see docs/identity.md)"
)
DEV_MAILBOX_IN_PRODUCTION = (
    "The development mailbox (TSUYAMA_DEV_MAILBOX, GET /dev-mail) must not run with "
    "TSUYAMA_ENV=production: it shows every login code sent. Configure TSUYAMA_SMTP_HOST "
    "and TSUYAMA_SMTP_FROM instead (see docs/identity.md)"
)

# The grace period of a refresh token just rotated (see Settings.refresh_reuse_grace_seconds);
# never longer than an access token lives (10 minutes).
DEFAULT_REFRESH_REUSE_GRACE_SECONDS = 120
MAX_REFRESH_REUSE_GRACE_SECONDS = 600

# The per-person quotas of synced collections (Settings.quota_*, backend/sync/quotas.py).
QUOTA_FIELDS = tuple(f"quota_{collection}_{unit}"
                     for collection in ("preferences", "health_records", "bulky_waste")
                     for unit in ("rows", "bytes"))

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


def _check_environment(environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise ValueError(
            f"TSUYAMA_ENV must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}"
        )


@dataclass(frozen=True)
class Settings:
    database_url: str
    environment: str = "development"
    municipality_code: str = TSUYAMA_MUNICIPALITY_CODE
    load_demo_data: bool = True
    # The made-up Tsuyama waste dataset (assets/waste/tsuyama_demo), published at start-up
    # unless the city's own waste data is there. Off unless asked for here, so tests that
    # build Settings directly keep their public stream to the notices; `from_env` follows
    # TSUYAMA_DEMO_DATA (or TSUYAMA_DEMO_WASTE). See docs/waste-data.md.
    load_demo_waste: bool = False
    # The city's own waste files (TSUYAMA_WASTE_DATA_DIR), published at every start-up.
    waste_data_dir: Path | None = None
    # Bulky-waste bookings can be made, changed and cancelled until this many working days
    # before the collection day (TSUYAMA_BULKY_DEADLINE_DAYS; docs/waste-data.md).
    bulky_deadline_working_days: int = 2
    # Japan's holidays (this year and the next two) as public `holidays` rows, written at
    # start-up. Off unless asked for here, like the demo waste, so tests that build Settings
    # directly keep their public stream to what they wrote; `from_env` turns it on
    # (TSUYAMA_PUBLISH_HOLIDAYS=0 turns it off).
    publish_holidays: bool = False
    # The backend's own address as clients reach it: the issuer of its tokens.
    public_url: str = "http://127.0.0.1:8000"
    # PEM file of the token signing key (EC P-256). None: an ephemeral key (tests only).
    signing_key_path: Path | None = None
    # The upstream OpenID provider (the Digital Agency's national provider in production).
    # None: the development identity provider inside this backend (`{public_url}/dev-idp`).
    upstream_issuer: str | None = None
    upstream_client_id: str = DEV_UPSTREAM_CLIENT_ID
    # PEM (EC P-256) of the private_key_jwt client key. None: reuse the signing key.
    upstream_client_key_path: Path | None = None
    # The development identity provider: None means "on in development, off in production".
    dev_idp_enabled: bool | None = None
    # Redirect URIs of the app client beyond the built-in ones (exact match).
    app_redirect_uris: tuple[str, ...] = ()
    # Upstream subjects who get the staff role (production; the dev IdP says so itself).
    staff_subjects: tuple[str, ...] = ()
    # Failed token requests and upstream callbacks allowed per client IP and per device
    # within the sliding window before answering 429.
    auth_failure_limit: int = 10
    auth_failure_window_seconds: int = 300
    # Seconds after a refresh during which the device may present the refresh token it just
    # used once more (its answer was lost) and get the same token response again, instead
    # of the family being revoked as reuse (TSUYAMA_REFRESH_REUSE_GRACE_SECONDS; 0 turns the
    # grace off; docs/identity.md, ADR 0016).
    refresh_reuse_grace_seconds: int = DEFAULT_REFRESH_REUSE_GRACE_SECONDS
    # What one person may store per synced collection: rows and bytes of stored data
    # (TSUYAMA_QUOTA_<COLLECTION>_ROWS / _BYTES; a write over one is rejected
    # "quota_exceeded", deletes always pass; docs/sync.md, "Quotas").
    # Settings and one read mark per notice read (notices.read.<id>): room for years of them.
    quota_preferences_rows: int = 5000
    quota_preferences_bytes: int = 4 * 1024 * 1024
    quota_health_records_rows: int = 20_000
    quota_health_records_bytes: int = 20 * 1024 * 1024
    quota_bulky_waste_rows: int = 200
    quota_bulky_waste_bytes: int = 1024 * 1024
    # The most bytes a request body may have (TSUYAMA_BODY_LIMIT_BYTES, default 256 KiB),
    # and for `POST /sync/push` with a valid access token (TSUYAMA_PUSH_BODY_LIMIT_BYTES,
    # default 2 MiB); larger bodies are refused 413 unread (docs/api-input-policy.md).
    body_limit_bytes: int = DEFAULT_BODY_LIMIT_BYTES
    push_body_limit_bytes: int = DEFAULT_PUSH_BODY_LIMIT_BYTES
    # Email-only accounts for visitors (`acr_values=email`): None means "on in development,
    # off in production"; production needs the SMTP settings when it is on.
    email_login_enabled: bool | None = None
    # The SMTP server the login codes are sent through (STARTTLS). None: the development
    # mailbox (development only).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password_path: Path | None = None
    smtp_from: str | None = None
    # The development mailbox (`GET /dev-mail`): None means "on in development when email
    # login is on and no SMTP server is configured"; refused in production.
    dev_mailbox_enabled: bool | None = None
    # Reverse proxies whose X-Forwarded-For (and -Proto) are believed: IPs or CIDR networks
    # (TSUYAMA_TRUSTED_PROXIES, comma-separated). Empty: none; the peer is the client.
    trusted_proxies: tuple[str, ...] = ()
    # Login codes sent by email per address, per client IP and in all, in the notation of
    # the `limits` library (TSUYAMA_LOGIN_CODE_LIMIT_PER_ADDRESS, _PER_IP, _GLOBAL), and
    # where those counters are kept (TSUYAMA_RATE_LIMIT_STORAGE; memory:// is one process).
    login_code_limit_per_address: str = DEFAULT_LOGIN_CODE_LIMIT_PER_ADDRESS
    login_code_limit_per_ip: str = DEFAULT_LOGIN_CODE_LIMIT_PER_IP
    login_code_limit_global: str = DEFAULT_LOGIN_CODE_LIMIT_GLOBAL
    rate_limit_storage_uri: str = DEFAULT_RATE_LIMIT_STORAGE
    # /docs, /redoc and /openapi.json (TSUYAMA_API_DOCS): None means on in development,
    # off in production.
    api_docs_enabled: bool | None = None
    # Each tile's own settings section by tile id (`TileSpec.settings`, ADR 0022): read from
    # the environment by `from_env`; a tile reads its own with `TILE.settings_of(...)`, which
    # gives the section's defaults when it is absent here.
    tiles: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_environment(self.environment)
        object.__setattr__(self, "database_url", normalize_database_url(self.database_url))
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))
        if self.dev_idp_enabled is None:
            object.__setattr__(self, "dev_idp_enabled", self.environment == "development")
        if self.dev_idp_enabled and self.is_production:
            raise ValueError(DEV_IDP_IN_PRODUCTION)
        if self.upstream_issuer is None:
            if self.dev_idp_enabled:
                object.__setattr__(self, "upstream_issuer", self.dev_idp_issuer)
        else:
            object.__setattr__(self, "upstream_issuer", self.upstream_issuer.rstrip("/"))
        if not 0 <= self.bulky_deadline_working_days <= 30:
            raise ValueError("TSUYAMA_BULKY_DEADLINE_DAYS must be 0 to 30 working days")
        if self.auth_failure_limit < 1 or self.auth_failure_window_seconds < 1:
            raise ValueError("auth_failure_limit and auth_failure_window_seconds must be >= 1")
        if not 0 <= self.refresh_reuse_grace_seconds <= MAX_REFRESH_REUSE_GRACE_SECONDS:
            raise ValueError(
                "TSUYAMA_REFRESH_REUSE_GRACE_SECONDS must be 0 (off) to "
                f"{MAX_REFRESH_REUSE_GRACE_SECONDS} seconds, got "
                f"{self.refresh_reuse_grace_seconds}"
            )
        for name in QUOTA_FIELDS:
            if not 1 <= getattr(self, name) <= 2**62:
                raise ValueError(f"TSUYAMA_{name.upper()} must be a positive number, got "
                                 f"{getattr(self, name)}")
        check_limit("TSUYAMA_BODY_LIMIT_BYTES", self.body_limit_bytes)
        check_limit("TSUYAMA_PUSH_BODY_LIMIT_BYTES", self.push_body_limit_bytes)
        self._check_email_login()
        self._check_web_security()

    def _check_web_security(self) -> None:
        object.__setattr__(self, "trusted_proxies", check_trusted_proxies(self.trusted_proxies))
        check_rate_limit("TSUYAMA_LOGIN_CODE_LIMIT_PER_ADDRESS",
                         self.login_code_limit_per_address)
        check_rate_limit("TSUYAMA_LOGIN_CODE_LIMIT_PER_IP", self.login_code_limit_per_ip)
        check_rate_limit("TSUYAMA_LOGIN_CODE_LIMIT_GLOBAL", self.login_code_limit_global)
        check_storage_uri(self.rate_limit_storage_uri)
        if self.api_docs_enabled is None:
            object.__setattr__(self, "api_docs_enabled", not self.is_production)

    def _check_email_login(self) -> None:
        if self.email_login_enabled is None:
            object.__setattr__(self, "email_login_enabled", self.environment == "development")
        if self.dev_mailbox_enabled is None:
            object.__setattr__(
                self,
                "dev_mailbox_enabled",
                bool(self.email_login_enabled) and not self.is_production
                and self.smtp_host is None,
            )
        if self.dev_mailbox_enabled and self.is_production:
            raise ValueError(DEV_MAILBOX_IN_PRODUCTION)
        if self.email_login_enabled and self.is_production:
            missing = [name for name, value in (("TSUYAMA_SMTP_HOST", self.smtp_host),
                                                ("TSUYAMA_SMTP_FROM", self.smtp_from))
                       if not value]
            if missing:
                raise ValueError(
                    f"Email login (TSUYAMA_EMAIL_LOGIN=1) in production needs "
                    f"{' and '.join(missing)}: the SMTP server (STARTTLS) the login codes "
                    "are sent through; see docs/identity.md"
                )
        if self.email_login_enabled and not self.dev_mailbox_enabled and not self.smtp_host:
            raise ValueError(
                "Email login needs TSUYAMA_SMTP_HOST and TSUYAMA_SMTP_FROM (or, in "
                "development, the development mailbox TSUYAMA_DEV_MAILBOX=1)"
            )
        if self.smtp_host and not self.smtp_from:
            raise ValueError("TSUYAMA_SMTP_FROM must name the sender of the login codes")
        if not 0 < self.smtp_port < 65536:
            raise ValueError(f"TSUYAMA_SMTP_PORT must be a TCP port, got {self.smtp_port}")

    @property
    def email_issuer(self) -> str:
        """The issuer the common IDs of email-only accounts are keyed on."""
        return f"{self.issuer}/email"

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

    @property
    def dev_idp_issuer(self) -> str:
        """The issuer of the development identity provider mounted in this backend."""
        return f"{self.public_url}{DEV_IDP_PATH}"

    @property
    def upstream_is_dev_idp(self) -> bool:
        """True when logins go to the development identity provider of this backend."""
        return bool(self.dev_idp_enabled) and self.upstream_issuer == self.dev_idp_issuer

    @classmethod
    def from_env(
        cls, data_dir: Path | None = None, default_public_url: str = "http://127.0.0.1:8000"
    ) -> Settings:
        """Read `DATABASE_URL`, `TSUYAMA_ENV`, `TSUYAMA_DEMO_DATA`, the waste data settings
        (`TSUYAMA_WASTE_DATA_DIR`, `TSUYAMA_DEMO_WASTE`) and the identity settings
        (`TSUYAMA_SIGNING_KEY_FILE`, `TSUYAMA_PUBLIC_URL`, `TSUYAMA_UPSTREAM_*`,
        `TSUYAMA_DEV_IDP`, `TSUYAMA_APP_REDIRECT_URIS`, `TSUYAMA_STAFF_SUBJECTS`,
        `TSUYAMA_REFRESH_REUSE_GRACE_SECONDS`) and the email login settings
        (`TSUYAMA_EMAIL_LOGIN`, `TSUYAMA_SMTP_*`, `TSUYAMA_DEV_MAILBOX`).

        Without `DATABASE_URL` the database is `backend.sqlite3` inside `data_dir`
        (default: see `default_data_dir`), which is created if missing.
        """
        environment = os.environ.get("TSUYAMA_ENV", "development").strip() or "development"
        _check_environment(environment)
        folder = (data_dir or default_data_dir()).expanduser().resolve()
        url = os.environ.get("DATABASE_URL", "").strip()
        if not url:
            private_dir(folder)  # 0700: the database holds personal data
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
            # 0700 like the key's file is 0600 (created so with the key when missing).
            tighten_dirs(folder, signing_key_path.parent)
        public_url = os.environ.get("TSUYAMA_PUBLIC_URL", "").strip() or default_public_url
        raw_demo = os.environ.get("TSUYAMA_DEMO_DATA")
        if raw_demo is None:
            load_demo_data = environment != "production"
        else:
            load_demo_data = _parse_bool("TSUYAMA_DEMO_DATA", raw_demo)
        raw_dev_idp = os.environ.get("TSUYAMA_DEV_IDP")
        dev_idp_enabled = (
            environment == "development"
            if raw_dev_idp is None
            else _parse_bool("TSUYAMA_DEV_IDP", raw_dev_idp)
        )
        if dev_idp_enabled and environment == "production":
            raise ValueError(DEV_IDP_IN_PRODUCTION)
        upstream = _upstream_from_env(environment, dev_idp_enabled)
        return cls(
            database_url=url,
            environment=environment,
            load_demo_data=load_demo_data,
            **_waste_from_env(load_demo_data),
            **_bulky_from_env(),
            **_refresh_from_env(),
            **_quotas_from_env(),
            **body_limits_from_env(),
            public_url=public_url,
            signing_key_path=signing_key_path,
            dev_idp_enabled=dev_idp_enabled,
            app_redirect_uris=_split_list(os.environ.get("TSUYAMA_APP_REDIRECT_URIS", "")),
            staff_subjects=_split_list(os.environ.get("TSUYAMA_STAFF_SUBJECTS", "")),
            **upstream,
            **_email_login_from_env(environment),
            **web_security_from_env(),
            tiles=_tile_settings_from_env(),
        )


def _tile_settings_from_env() -> dict[str, object]:
    """Every tile's own settings section (`TileSpec.settings`), read from the environment."""
    from backend.tiles.registry import tile_specs  # lazily: tiles import this module

    sections: dict[str, object] = {}
    for spec in tile_specs():
        section = spec.settings_from_env()
        if section is not None:
            sections[spec.id] = section
    return sections


def _waste_from_env(load_demo_data: bool) -> dict[str, Any]:
    """`TSUYAMA_WASTE_DATA_DIR` (a folder of the city's waste CSVs, docs/waste-data.md) and
    `TSUYAMA_DEMO_WASTE` (default: like TSUYAMA_DEMO_DATA)."""
    raw_dir = os.environ.get("TSUYAMA_WASTE_DATA_DIR", "").strip()
    waste_dir = Path(raw_dir).expanduser() if raw_dir else None
    if waste_dir is not None and not waste_dir.is_dir():
        raise ValueError(f"TSUYAMA_WASTE_DATA_DIR {waste_dir} is not a folder")
    raw_demo = os.environ.get("TSUYAMA_DEMO_WASTE")
    demo = load_demo_data if raw_demo is None else _parse_bool("TSUYAMA_DEMO_WASTE", raw_demo)
    return {"load_demo_waste": demo, "waste_data_dir": waste_dir}


def _bulky_from_env() -> dict[str, Any]:
    """`TSUYAMA_BULKY_DEADLINE_DAYS` (default 2) and `TSUYAMA_PUBLISH_HOLIDAYS` (default 1)."""
    raw_days = os.environ.get("TSUYAMA_BULKY_DEADLINE_DAYS", "").strip()
    try:
        days = int(raw_days) if raw_days else 2
    except ValueError:
        raise ValueError(
            f"TSUYAMA_BULKY_DEADLINE_DAYS must be a number, got {raw_days!r}") from None
    holidays = _optional_bool("TSUYAMA_PUBLISH_HOLIDAYS")
    return {"bulky_deadline_working_days": days,
            "publish_holidays": True if holidays is None else holidays}


def _refresh_from_env() -> dict[str, Any]:
    """`TSUYAMA_REFRESH_REUSE_GRACE_SECONDS` (default 120; 0 turns the grace off)."""
    raw = os.environ.get("TSUYAMA_REFRESH_REUSE_GRACE_SECONDS", "").strip()
    try:
        seconds = int(raw) if raw else DEFAULT_REFRESH_REUSE_GRACE_SECONDS
    except ValueError:
        raise ValueError(
            f"TSUYAMA_REFRESH_REUSE_GRACE_SECONDS must be a number, got {raw!r}") from None
    return {"refresh_reuse_grace_seconds": seconds}


def _quotas_from_env() -> dict[str, Any]:  # keyword arguments of Settings
    """`TSUYAMA_QUOTA_<COLLECTION>_ROWS` and `_BYTES` (e.g. TSUYAMA_QUOTA_PREFERENCES_BYTES);
    unset ones keep their defaults."""
    values: dict[str, int] = {}
    for name in QUOTA_FIELDS:
        variable = f"TSUYAMA_{name.upper()}"
        raw = os.environ.get(variable, "").strip()
        if raw:
            try:
                values[name] = int(raw)
            except ValueError:
                raise ValueError(f"{variable} must be a number, got {raw!r}") from None
    return values


def _split_list(raw: str) -> tuple[str, ...]:
    """Comma-separated values, stripped, empty items dropped."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _upstream_from_env(environment: str, dev_idp_enabled: bool) -> dict[str, Any]:
    """`TSUYAMA_UPSTREAM_ISSUER`, `_CLIENT_ID` and `_CLIENT_KEY_FILE`; all three required
    unless the development identity provider stands in."""
    issuer = os.environ.get("TSUYAMA_UPSTREAM_ISSUER", "").strip() or None
    client_id = os.environ.get("TSUYAMA_UPSTREAM_CLIENT_ID", "").strip() or None
    key_file = os.environ.get("TSUYAMA_UPSTREAM_CLIENT_KEY_FILE", "").strip() or None
    if issuer is None and not dev_idp_enabled:
        raise ValueError(
            "TSUYAMA_UPSTREAM_ISSUER must name the OpenID provider residents log in with "
            "(the Digital Agency's provider in production); see docs/identity.md"
        )
    if environment == "production":
        missing = [
            name
            for name, value in (
                ("TSUYAMA_UPSTREAM_CLIENT_ID", client_id),
                ("TSUYAMA_UPSTREAM_CLIENT_KEY_FILE", key_file),
            )
            if value is None
        ]
        if missing:
            raise ValueError(
                f"{' and '.join(missing)} must be set in production (the client id and the "
                "private_key_jwt key registered with the upstream provider); "
                "see docs/identity.md"
            )
    key_path = Path(key_file).expanduser() if key_file else None
    if key_path is not None and not key_path.is_file():
        raise ValueError(f"TSUYAMA_UPSTREAM_CLIENT_KEY_FILE {key_path} does not exist")
    values: dict[str, Any] = {"upstream_issuer": issuer, "upstream_client_key_path": key_path}
    if client_id is not None:
        values["upstream_client_id"] = client_id
    return values


def _optional_bool(name: str) -> bool | None:
    raw = os.environ.get(name)
    return None if raw is None else _parse_bool(name, raw)


def _email_login_from_env(environment: str) -> dict[str, Any]:
    """`TSUYAMA_EMAIL_LOGIN`, `TSUYAMA_SMTP_HOST/PORT/USER/PASSWORD_FILE/FROM` and
    `TSUYAMA_DEV_MAILBOX`; checked by `Settings` (production needs SMTP when enabled)."""
    host = os.environ.get("TSUYAMA_SMTP_HOST", "").strip() or None
    raw_port = os.environ.get("TSUYAMA_SMTP_PORT", "").strip()
    try:
        port = int(raw_port) if raw_port else 587
    except ValueError:
        raise ValueError(f"TSUYAMA_SMTP_PORT must be a number, got {raw_port!r}") from None
    password_file = os.environ.get("TSUYAMA_SMTP_PASSWORD_FILE", "").strip() or None
    password_path = Path(password_file).expanduser() if password_file else None
    if password_path is not None and not password_path.is_file():
        raise ValueError(f"TSUYAMA_SMTP_PASSWORD_FILE {password_path} does not exist")
    dev_mailbox = _optional_bool("TSUYAMA_DEV_MAILBOX")
    if dev_mailbox and environment == "production":
        raise ValueError(DEV_MAILBOX_IN_PRODUCTION)
    return {
        "email_login_enabled": _optional_bool("TSUYAMA_EMAIL_LOGIN"),
        "smtp_host": host,
        "smtp_port": port,
        "smtp_user": os.environ.get("TSUYAMA_SMTP_USER", "").strip() or None,
        "smtp_password_path": password_path,
        "smtp_from": os.environ.get("TSUYAMA_SMTP_FROM", "").strip() or None,
        "dev_mailbox_enabled": dev_mailbox,
    }
