"""Settings, read from the environment (prefix HIGHLAND_) or a .env file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can configure; secrets never have defaults in the repo."""

    model_config = SettingsConfigDict(env_prefix="HIGHLAND_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///highland.db"
    # The signing key for sessions and CSRF. When unset, a random key is created once in
    # instance_dir and reused, so that a developer's `make run` needs no configuration.
    secret_key: str | None = None
    instance_dir: Path = Path("var")
    city_code: str = "320100"
    default_language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    # "auto" marks cookies Secure when the request arrived over HTTPS.
    cookie_secure: str = "auto"
    session_hours: int = 12
    # Sign-in: this many failures of one (username, address) pair are free; each further one
    # doubles the wait before that pair may try again (1 s, 2 s, 4 s, … up to
    # login_max_delay_seconds). Failures older than login_window_minutes are forgotten. Other
    # addresses (the real owner) and other usernames are never slowed by them.
    login_max_failures: int = Field(default=5, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    # X-Forwarded-For is read only when the direct peer is one of these addresses or networks
    # (comma-separated, e.g. "127.0.0.1,10.0.0.0/8"); empty: never (the peer is the client).
    trusted_proxies: str = ""
    # API tokens expire this many days after creation unless `--days` says otherwise (0: a
    # token never expires unless asked for one that does).
    api_token_days: int = Field(default=90, ge=0, le=3650)
    # Argon2id cost of new password hashes (argon2-cffi's defaults, RFC 9106's second
    # recommendation). Lowering them only makes sense for test suites; stored hashes carry
    # their own parameters, so changing these never locks anyone out.
    password_hash_memory_kib: int = 65536
    password_hash_time_cost: int = 3
    login_window_minutes: int = Field(default=15, ge=1)
    lifecycle_rules: Path | None = None
    max_upload_mb: int = 200
    # Row-level import reports (kept for download) are deleted after this many days.
    import_report_keep_days: int = Field(default=30, ge=1)
    # Notices read more than this many days ago are deleted by the scheduled sweep and by
    # `highland prune`; unread notices are never deleted.
    notice_keep_days: int = Field(default=365, ge=1)
    # Folder of pg_dump and pg_restore for `highland backup` / `restore` on PostgreSQL
    # (default: found on PATH).
    pg_bin_dir: Path | None = None
    search_count_cap: int = Field(default=10000, ge=100)
    # SQLite: how long a request waits for another writer's lock before it answers 503 with
    # Retry-After (the CLI and background jobs wait up to 30 s). No effect on PostgreSQL.
    sqlite_busy_ms: int = Field(default=5000, ge=0, le=600000)
    # Demands: an attachment's size limit; escalation once a resolution deadline has been
    # passed by this many working days; rankings of institutions only from this volume.
    demand_attachment_max_mb: int = Field(default=10, ge=1)
    demand_escalate_after_days: int = Field(default=3, ge=1)
    demand_ranking_min_volume: int = Field(default=10, ge=1)
    # Extension requests (延期申请): at most this many per demand, each of at most this many
    # working days.
    demand_extension_max_count: int = Field(default=2, ge=0)
    demand_extension_max_days: int = Field(default=15, ge=1)
    # The server runs the overdue sweep every this many minutes (0: never; use the CLI).
    demand_sweep_minutes: int = Field(default=15, ge=0)
    # Outgoing e-mail for notifications. No host: notices appear only in the UI.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "highland@localhost"
    # The public address of the platform, for links in e-mails.
    base_url: str = "http://127.0.0.1:8000"

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        from highland.platform.identity.proxies import parse_networks

        parse_networks(value)  # refuses a malformed entry at start-up, naming it
        return value


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings."""
    return Settings()


def secret_key(settings: Settings) -> str:
    """Return the signing key, creating a per-installation random one on first use."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
