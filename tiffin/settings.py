"""Settings, built once by the caller (CLI, app factory, tests) and passed down; never imported."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIFFIN_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///tiffin.db",
        description="SQLAlchemy URL: sqlite:///file.db (default) or postgresql+psycopg://...",
    )
    token_ttl_minutes: int = Field(default=12 * 60, ge=1)
    postgres_write_slots: int = Field(
        default=4,
        ge=1,
        description="Writing API requests worked on at once on PostgreSQL (SQLite: always 1).",
    )
    run_workers: bool = Field(default=True, description="Run the outbox workers inside serve.")
    demo_day: bool = Field(
        default=False,
        description="Play a live simulated day on the demo campus (make run turns it on).",
    )
    demo_day_seconds: float = Field(default=2.0, gt=0, description="How often the demo acts.")
    tenant_time_zones: dict[str, str] = Field(
        default_factory=lambda: {"campus": "Asia/Shanghai", "sim": "Asia/Shanghai"},
        description="Per tenant slug: the IANA time zone its pages show times in (and its "
        "day starts at, for 'today' figures); a tenant not listed uses UTC.",
    )
    worker_poll_seconds: float = Field(default=0.2, gt=0)
    dispatch_seconds: float = Field(default=2.0, gt=0, description="Live dispatch cycle period.")
    lease_seconds: float = Field(
        default=6.0,
        gt=0,
        description="A dispatch leader's lease; another process takes over once it lapses.",
    )
    anomaly_scan_seconds: float = Field(
        default=1.0, gt=0, description="How often the timer detectors look at in-flight orders."
    )
    health_seconds: float = Field(
        default=5.0, gt=0, description="How often the health watch looks at its signals."
    )
    error_incident_min_requests: int = Field(
        default=20,
        ge=1,
        description="Requests a tenant must make in a minute before its 5xx can open an incident.",
    )
    error_incident_min_errors: int = Field(
        default=5, ge=1, description="5xx answers a tenant must see in a minute for an incident."
    )
    notify_poll_seconds: float = Field(
        default=0.05, gt=0, description="How often the notification sender looks for work."
    )
    max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body accepted; larger ones get 413 before being read.",
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="serve: open connections at once; past it new ones get 503 at once.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token /metrics asks for; unset: /metrics answers loopback only.",
    )
    push_webhook_url: str | None = Field(
        default=None, description="Push provider webhook; unset: push falls back to SMS/inbox."
    )
    email_webhook_url: str | None = Field(
        default=None, description="Email provider webhook, for status-page subscribers."
    )
    sms_webhook_url: str | None = Field(
        default=None, description="SMS provider webhook; unset: SMS falls back to the inbox."
    )
    # --- abuse and request forgery (docs/security.md) ---
    allow_private_webhooks: bool = Field(
        default=False,
        description="TESTS ONLY: let webhook subscriptions reach loopback and private addresses.",
    )
    webhook_allowed_hosts: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per tenant (slug or id): the only hosts its webhooks may reach "
        "('.example.com' takes subdomains). A tenant not listed may use any public host.",
    )
    webhook_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    max_subscriptions_per_person: int = Field(default=5, ge=1)
    rate_limit_storage_url: str | None = Field(
        default=None,
        description="Shared counters and token revocations, e.g. redis://127.0.0.1:6379; "
        "unset: in-process (one process only).",
    )
    rate_limit_login: str = Field(default="10/minute", description="Per IP and per account.")
    rate_limit_signup: str = Field(default="5/minute", description="Per IP and per address.")
    rate_limit_orders: str = Field(default="30/minute", description="Per account.")
    rate_limit_orders_per_ip: str = Field(default="600/minute")
    lockout_after_failures: int = Field(default=5, ge=1)
    lockout_base_seconds: float = Field(default=30.0, gt=0)
    lockout_max_seconds: float = Field(default=3600.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres(cls, url: str) -> str:
        """Accept plain postgres URLs and route them to psycopg 3, the driver tiffin ships."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
