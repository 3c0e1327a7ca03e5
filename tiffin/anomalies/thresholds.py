"""Per-tenant detector thresholds: validated settings (pydantic), read by the detectors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tiffin.domain.anomalies import Severity


class Thresholds(BaseModel):
    """Per-tenant detector thresholds, in minutes unless said otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    accept_minutes: int = Field(default=5, ge=1, description="merchant must accept within")
    ready_grace_minutes: int = Field(
        default=5, ge=0, description="food may be this late before alarm"
    )
    max_offers: int = Field(default=3, ge=1, description="offers without a taker before alarm")
    no_rider_minutes: int = Field(default=10, ge=1, description="waiting for a rider before alarm")
    rider_silent_minutes: int = Field(
        default=5, ge=1, description="no location report mid-delivery"
    )
    rider_stationary_minutes: int = Field(default=10, ge=1, description="no movement mid-delivery")
    stationary_metres: float = Field(
        default=30.0, gt=0, description="movement below this is standing"
    )
    eta_slip_minutes: int = Field(
        default=10, ge=1, description="predicted lateness that raises alarm"
    )
    late_minutes: int = Field(default=5, ge=0, description="delivered this late counts as late")
    sla_minutes: dict[str, int] = Field(
        default_factory=lambda: {"low": 60, "medium": 30, "high": 15, "critical": 5},
        description="how long an anomaly may stay open before it escalates, by severity",
    )

    def sla_for(self, severity: Severity) -> int:
        return self.sla_minutes.get(severity.label, 30)
