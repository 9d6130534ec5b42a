"""Settings from the environment and an optional ``.env`` file.

Every setting is prefixed ``IOFS_``. With none set, iofs keeps everything under one data
directory (``./var``): the SQLite database, the analytics Parquet files and the secret key.
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Secrets that ship in examples and tutorials; never acceptable outside development.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "secret",
        "secret-key",
        "dev",
        "development",
        "insecure",
        "please-change",
        "xxx",
        "test",
        "password",
    }
)

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret

MB = 1024 * 1024

#: A list setting written as comma-separated values in the environment.
CommaList = Annotated[list[str], NoDecode]


def _comma_separated(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class SettingsError(Exception):
    """A setting is invalid; the message is one sentence a user can act on."""


class Settings(BaseSettings):
    """Runtime configuration of one iofs installation."""

    model_config = SettingsConfigDict(
        env_prefix="IOFS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "test", "production"] = Field(
        default="production",
        description="'development' relaxes the secret-key check and enables template reload.",
    )
    data_dir: Path = Field(default=Path("var"), description="Where iofs keeps its files.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in the data directory.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs session cookies; generated once into the data directory when unset.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    log_format: Literal["text", "json"] = Field(
        default="text", description="Server logs as text lines or one JSON object per line."
    )
    metrics_allow: CommaList = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Client networks that may read /metrics (comma-separated addresses or "
        "CIDR networks); others get 403.",
    )
    default_language: Literal["en", "ar", "fr"] = "en"
    dask_scheduler: str | None = Field(
        default=None, description="Address of a dask.distributed scheduler, e.g. tcp://host:8786."
    )
    trusted_proxies: CommaList = Field(
        default_factory=list,
        description="Reverse proxies (addresses or CIDR networks, comma-separated) whose "
        "X-Forwarded-For / Forwarded headers give the client's address.",
    )
    public_url: str | None = Field(
        default=None,
        description="The site's public base URL (https://iofs.example.org), used for absolute "
        "links such as those of Atom feeds.",
    )
    allowed_hosts: CommaList = Field(
        default_factory=lambda: ["localhost", "127.0.0.1"],
        description="Host names whose Host header may build absolute links when "
        "IOFS_PUBLIC_URL is unset.",
    )
    max_request_bytes: int = Field(
        default=25 * MB, ge=1024, description="Largest request body accepted (bytes)."
    )
    max_upload_bytes: int = Field(
        default=100 * MB,
        ge=1024,
        description="Largest request body of the routes declared as uploads (bytes).",
    )
    keep_alive_seconds: int = Field(
        default=75,
        ge=1,
        le=3600,
        description="Seconds `iofs serve` keeps an idle HTTP connection open. Longer than "
        "the reverse proxy's idle upstream connections (nginx: 60 s), so the proxy never "
        "reuses one the server is closing at that instant.",
    )
    concurrent_renders: int = Field(
        default=3,
        ge=0,
        le=1000,
        description="Requests each worker renders at once; the others wait their turn, the "
        "quickest expected first (iofs.web.admission). 0: no limit.",
    )
    # --- public answers kept in memory (iofs.web.public_cache) ---------------------------------
    public_cache_seconds: float | None = Field(
        default=None,
        ge=0,
        le=86_400,
        description="Longest a rendered public answer is served again while the data it shows "
        "are unchanged (seconds; 0 turns the cache off). Default 30, and 0 under IOFS_ENV=test.",
    )
    public_cache_grace: float | None = Field(
        default=None,
        ge=0,
        le=3600,
        description="Seconds a kept public answer is served without checking that its data are "
        "unchanged (visitors may see a write that late). Default 2, and 0 under IOFS_ENV=test.",
    )
    public_cache_bytes: int = Field(
        default=64 * MB, ge=0, description="Memory for kept public answers, per worker (bytes)."
    )
    public_cache_shared: bool = Field(
        default=True,
        description="Whether the workers of one machine share kept public answers through "
        "files in the data directory's .answers folder (at most IOFS_PUBLIC_CACHE_BYTES there "
        "too), so a page rendered by one worker is served by the others.",
    )
    # --- e-mail (notifications: digests over SMTP) --------------------------------------------
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that sends the e-mail digests; unset, no mail is sent.",
    )
    smtp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="SMTP port; default 25 (none), 587 (starttls) or 465 (ssl).",
    )
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        default="starttls",
        description="none (plain, for a relay on the same machine), starttls or ssl (TLS from "
        "the first byte, SMTPS).",
    )
    smtp_username: str | None = Field(default=None, description="SMTP login, when required.")
    smtp_password: str | None = Field(default=None, description="SMTP password, when required.")
    smtp_sender: str | None = Field(
        default=None,
        description="From address of the digests, e.g. 'IOFS <alerts@iofs.example.org>'.",
    )
    smtp_timeout: float = Field(
        default=30.0, gt=0, le=600, description="Seconds to wait for the SMTP server."
    )
    # --- scheduled public data (iofs fetch: WFP prices, IPC, INFORM, FAOSTAT) -----------------
    fetch_hdx_url: str = Field(
        default="https://data.humdata.org",
        description="Base URL of the Humanitarian Data Exchange (its CKAN API answers under "
        "/api/3/action/): WFP food prices and IPC datasets are found there.",
    )
    fetch_ipc_dataset: str = Field(
        default="global-acute-food-insecurity-country-data",
        description="The HDX dataset holding the IPC long CSVs.",
    )
    fetch_ipc_resources: CommaList = Field(
        default_factory=lambda: ["ipc_global_national_long.csv", "ipc_global_area_long.csv"],
        description="File names of the IPC dataset's resources to fetch (comma-separated).",
    )
    fetch_inform_url: str | None = Field(
        default=None,
        description="URL of an INFORM GRI release as CSV (INFORM's column names); "
        "`iofs fetch inform` needs it or --url.",
    )
    faostat_bulk_url: str = Field(
        default="https://bulks-faostat.fao.org/production",
        description="FAOSTAT bulk-download base URL.",
    )
    fetch_timeout: float = Field(
        default=60.0, gt=0, le=3600, description="Seconds without data before a download fails."
    )
    fetch_retries: int = Field(
        default=3, ge=0, le=20, description="Further attempts after a network failure."
    )
    fetch_backoff: float = Field(
        default=2.0,
        ge=0,
        le=600,
        description="Seconds before the first retry; doubled before each next one.",
    )

    @field_validator("fetch_hdx_url", "fetch_inform_url", "faostat_bulk_url")
    @classmethod
    def _fetch_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or (value == "" and info.field_name == "fetch_inform_url"):
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. https://data.humdata.org")
        return value.rstrip("/")

    @field_validator("fetch_ipc_resources", mode="before")
    @classmethod
    def _split_fetch_list(cls, value: Any) -> Any:
        return _comma_separated(value)

    @property
    def resolved_public_cache_seconds(self) -> float:
        """Seconds a public answer may be served again (0: off; the default is off in tests)."""
        if self.public_cache_seconds is not None:
            return self.public_cache_seconds
        return 0.0 if self.env == "test" else 30.0

    @property
    def resolved_public_cache_grace(self) -> float:
        """Seconds a kept answer is served without a version check (0 in tests by default)."""
        if self.public_cache_grace is not None:
            return self.public_cache_grace
        return 0.0 if self.env == "test" else 2.0

    @property
    def resolved_smtp_port(self) -> int:
        """The SMTP port in use: the configured one, else the usual one for ``smtp_tls``."""
        if self.smtp_port:
            return self.smtp_port
        return {"none": 25, "starttls": 587, "ssl": 465}[self.smtp_tls]

    # --- background jobs (iofs.jobs: the queue, its workers and schedules) --------------------
    jobs_url: str = Field(
        default="database",
        description="Job queue: 'database' (embedded: workers claim jobs from the jobs table, "
        "no server needed) or 'redis://host:port/db' (Redis carries the dispatch, so workers "
        "on several machines share one queue; the job records stay in the database).",
    )
    jobs_embedded: bool = Field(
        default=True,
        description="Whether `iofs serve` runs a job worker thread of its own; set false when "
        "`iofs jobs worker` processes run the jobs.",
    )
    jobs_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often an idle worker looks for work (s)."
    )
    jobs_heartbeat_seconds: float = Field(
        default=5.0, gt=0, le=300, description="How often a running job's worker says it lives (s)."
    )
    jobs_stale_seconds: float = Field(
        default=120.0,
        gt=0,
        le=86_400,
        description="A running job whose heartbeat is older than this (s) is marked failed.",
    )

    @field_validator("jobs_url")
    @classmethod
    def _known_queue(cls, value: str) -> str:
        value = value.strip()
        if value == "database":
            return value
        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise ValueError("must be 'database' or a Redis URL such as redis://127.0.0.1:6379/0")
        return value

    # --- shared analytics store (iofs.analytics_store: a mirror in S3-compatible storage) -----
    analytics_url: str | None = Field(
        default=None,
        description="Shared analytics store, e.g. s3://iofs-analytics/prod: every app server "
        "keeps its local analytics directory as a cache of it (pushed after each ingest, "
        "pulled every IOFS_ANALYTICS_SYNC_SECONDS). Unset: the local directory only.",
    )
    analytics_sync_seconds: float = Field(
        default=10.0, gt=0, le=86_400, description="How often an app process pulls (s)."
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="S3 endpoint for MinIO, Ceph or another S3-compatible server, e.g. "
        "http://127.0.0.1:9000; unset: Amazon S3.",
    )
    s3_access_key_id: str | None = Field(
        default=None, description="S3 access key; unset: the standard AWS variables or files."
    )
    s3_secret_access_key: str | None = Field(
        default=None, description="S3 secret key; unset: the standard AWS variables or files."
    )
    s3_region: str | None = Field(default=None, description="S3 region, e.g. eu-central-1.")

    @field_validator("analytics_url")
    @classmethod
    def _analytics_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        parts = urlsplit(value.strip())
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError("must be an s3://bucket/prefix URL, e.g. s3://iofs-analytics/prod")
        return value.strip().rstrip("/")

    @field_validator("s3_endpoint_url")
    @classmethod
    def _s3_endpoint(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an http(s) URL, e.g. http://127.0.0.1:9000")
        return value.strip().rstrip("/")

    @field_validator("trusted_proxies", "allowed_hosts", "metrics_allow", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        return _comma_separated(value)

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        try:
            return [str(ipaddress.ip_network(item, strict=False)) for item in value]
        except ValueError as error:
            raise ValueError(
                f"must be IP addresses or CIDR networks, comma-separated ({error})"
            ) from None

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        return [host.lower() for host in value]

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. https://iofs.example.org")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "must start with 'sqlite:///' or 'postgresql+psycopg://' "
                "(only SQLite and PostgreSQL are supported)"
            )
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            raise ValueError("use the psycopg 3 driver: 'postgresql+psycopg://user@host/db'")
        return value

    @model_validator(mode="after")
    def _no_placeholder_secret(self) -> Settings:
        if (
            self.secret_key is not None
            and self.env != "development"
            and (
                self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32
            )
        ):
            raise ValueError(
                "IOFS_SECRET_KEY is a placeholder or shorter than 32 characters; unset it to let "
                'iofs generate one, or set a long random value (e.g. `python -c "import secrets; '
                'print(secrets.token_urlsafe(48))"`)'
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL in use: the configured one or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'iofs.sqlite3').resolve()}"

    @property
    def analytics_dir(self) -> Path:
        """Directory of the Parquet analytics store (created on demand)."""
        return self.data_dir / "analytics"

    @property
    def shared_answers_dir(self) -> Path:
        """Folder of the public answers the workers share (a dot folder: not backed up)."""
        return self.data_dir / ".answers"

    def ensure_data_dir(self) -> Path:
        """Create the data directory if needed and return it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def resolved_secret_key(self) -> str:
        """The configured secret key, or one generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / SECRET_KEY_FILE
        if path.exists():
            key = path.read_text(encoding="utf-8").strip()
            if key:
                return key
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key + "\n", encoding="utf-8")
        return key


def describe_validation_error(error: ValidationError) -> str:
    """Turn a pydantic error on Settings into one sentence naming the variable."""
    first = error.errors()[0]
    location = first.get("loc") or ()
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if location:
        name = f"IOFS_{str(location[0]).upper()}"
        value = first.get("input")
        return f"Invalid setting {name}={value!r}: {message}."
    return f"Invalid settings: {message}."


def describe_database_error(error: BaseException, url: str | None = None) -> str | None:
    """One sentence for a database that cannot be used (unreachable, refused, locked), or None
    when ``error`` is not such a failure (SQLAlchemy ``OperationalError``/``InterfaceError``).

    ``url`` (password hidden) names the database; the driver's first line says why.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import InterfaceError, OperationalError

    if not isinstance(error, OperationalError | InterfaceError):
        return None
    reason = str(error.orig or error).strip().splitlines()
    where = ""
    if url:
        parsed = make_url(url)
        where = f" ({parsed.get_backend_name()}"
        where += (
            f" at {parsed.host}:{parsed.port or 5432}/{parsed.database})"
            if parsed.host
            else f" {parsed.database})"
        )
    return (
        f"the database{where} cannot be used: {reason[0] if reason else 'no reason given'}."
        " Check IOFS_DATABASE_URL, that the database server is running, and that "
        "`iofs db upgrade` has been run."
    )


def load_settings(**overrides: object) -> Settings:
    """Read settings, raising :class:`SettingsError` with one clear sentence when invalid."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (cached)."""
    return load_settings()


def analytics_dir() -> Path:
    """The analytics store of the configured installation (Parquet files read by DuckDB)."""
    return get_settings().analytics_dir
