"""Settings, built once by the caller (CLI, app factory, tests) and passed down; never imported."""

from __future__ import annotations

from pydantic import Field, field_validator
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
    health_seconds: float = Field(
        default=5.0, gt=0, description="How often the health watch looks at its signals."
    )
    notify_poll_seconds: float = Field(
        default=0.05, gt=0, description="How often the notification sender looks for work."
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

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres(cls, url: str) -> str:
        """Accept plain postgres URLs and route them to psycopg 3, the driver tiffin ships."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
