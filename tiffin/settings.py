"""Settings, built once by the caller (CLI, app factory, tests) and passed down; never imported."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator
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
    risk_on_orders: bool = Field(
        default=True, description="Order placement and coupon redemption pass risk control."
    )
    risk_counters_url: str | None = Field(
        default=None,
        description="Redis URL for risk's sliding-window counters; unset: in-process counters.",
    )
    run_workers: bool = Field(default=True, description="Run the outbox workers inside serve.")
    demo_day: bool = Field(
        default=False,
        description="Play a live simulated day on the demo campus (make run turns it on).",
    )
    demo_day_seconds: float = Field(default=2.0, gt=0, description="How often the demo acts.")
    worker_poll_seconds: float = Field(default=0.2, gt=0)
    dispatch_seconds: float = Field(default=2.0, gt=0, description="Live dispatch cycle period.")
    lease_seconds: float = Field(
        default=6.0,
        gt=0,
        description="A dispatch leader's lease; another process takes over once it lapses.",
    )
    dispatch_zones: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Zones per tenant, each with its own leader lease, spread over processes.",
    )
    anomaly_scan_seconds: float = Field(
        default=1.0, gt=0, description="How often the timer detectors look at in-flight orders."
    )
    admission_capacity: int = Field(
        default=32, ge=1, description="Requests in flight before deferrable ones are refused."
    )
    admission_wait_target_ms: float = Field(
        default=50, gt=0, description="A write-slot wait past this means the server is saturated."
    )
    slow_database_ms: float = Field(
        default=500,
        gt=0,
        description="A health-watch ping slower than this switches off deferrable features.",
    )
    degraded_calm_seconds: float = Field(
        default=30, ge=0, description="How long a signal stays clear before features come back on."
    )
    startup_settle_seconds: float = Field(
        default=10, ge=0, description="Core healthy this long before deferrable workers start."
    )
    health_seconds: float = Field(
        default=5.0, gt=0, description="How often the health watch looks at its signals."
    )
    health_records_purge_seconds: float = Field(
        default=3600.0, gt=0, description="How often riders' expired health check-ins are purged."
    )
    drill_poll_seconds: float = Field(
        default=30.0, gt=0, description="How often the drill runner looks for a due drill."
    )
    drill_timeout_seconds: float = Field(
        default=1800.0,
        ge=10,
        description="A scheduled drill still running after this is stopped and recorded an error.",
    )
    drill_staging_urls: list[str] = Field(
        default_factory=list,
        description="The staging databases drills may be scheduled against (a JSON list); "
        "empty: any SQLite file or PostgreSQL database except the live one.",
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
    rate_limit_dropoff_code: str = Field(
        default="5/hour", description="Drop-off code tries per rider and order (6 digits)."
    )
    lockout_after_failures: int = Field(default=5, ge=1)
    lockout_base_seconds: float = Field(default=30.0, gt=0)
    lockout_max_seconds: float = Field(default=3600.0, gt=0)

    production: bool = Field(
        default=False, description="Production mode: refuse to start without the secrets it needs."
    )
    audit_chain: bool = Field(
        default=True, description="Append every outbox event to the hash-chained audit log."
    )
    audit_signing_key: str | None = Field(
        default=None,
        description="Ed25519 seed (64 hex digits) that signs the audit chain's checkpoints "
        "(tiffin audit keygen makes one); required in production.",
    )

    @model_validator(mode="after")
    def _production_has_its_secrets(self) -> Settings:
        if self.production and not self.audit_signing_key:
            raise ValueError(
                "production mode needs TIFFIN_AUDIT_SIGNING_KEY: the audit chain must be signed"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres(cls, url: str) -> str:
        """Accept plain postgres URLs and route them to psycopg 3, the driver tiffin ships."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
