"""Trust scores (信任评分) as a pure function: counted events times the tenant's weights.

A person's score starts at ``base`` and moves by each kind of event (its count, capped, times
its weight), clamped to 0-100. The reasons are those products, so a score always says which
events raised and which lowered it. The tenant's policy (``tenant_policies`` kind ``trust``)
sets the weights and where friction changes: at ``trusted_at`` and above, a complaint's grant
stands without an operator's review; below ``watch_at``, operators are told to look.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tiffin.errors import Invalid

ROLES = ("customer", "rider", "merchant")
# The events ``trust.service.counts_for`` counts, per role: a weight on anything else would
# never be counted, so a policy naming one is refused rather than silently ignored.
EVENTS: dict[str, tuple[str, ...]] = {
    "customer": ("orders_delivered", "grants_received", "grants_reversed"),
    "rider": ("deliveries_on_time", "deliveries_late", "anomalies_liable"),
    "merchant": ("orders_on_time", "orders_late", "anomalies_liable"),
}


class Weight(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    points: float = Field(ge=-100, le=100)
    cap: int = Field(default=1000, ge=1, le=100_000)  # counts beyond this add nothing more


class TrustPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1)
    base: float = Field(default=60, ge=0, le=100)
    period_days: int = Field(default=90, ge=1, le=3650)
    trusted_at: float = Field(default=75, ge=0, le=100)
    watch_at: float = Field(default=30, ge=0, le=100)
    weights: dict[str, dict[str, Weight]] = Field(
        default_factory=lambda: {
            "customer": {
                "orders_delivered": Weight(points=1, cap=20),
                "grants_received": Weight(points=-2),
                "grants_reversed": Weight(points=-15),
            },
            "rider": {
                "deliveries_on_time": Weight(points=1, cap=30),
                "deliveries_late": Weight(points=-1),
                "anomalies_liable": Weight(points=-5),
            },
            "merchant": {
                "orders_on_time": Weight(points=0.5, cap=60),
                "orders_late": Weight(points=-1),
                "anomalies_liable": Weight(points=-4),
            },
        }
    )

    @model_validator(mode="after")
    def _known_and_ordered(self) -> TrustPolicy:
        for role, weights in self.weights.items():
            if role not in EVENTS:
                raise ValueError(f"weights: no role {role!r} (one of {', '.join(ROLES)})")
            unknown = sorted(set(weights) - set(EVENTS[role]))
            if unknown:
                raise ValueError(
                    f"weights.{role}: {', '.join(unknown)} are not counted "
                    f"(a {role}'s events: {', '.join(EVENTS[role])})"
                )
        if self.watch_at >= self.trusted_at:
            raise ValueError("watch_at must be below trusted_at")
        return self


DEFAULT_TRUST_POLICY = TrustPolicy()


def load_trust_policy(data: object) -> TrustPolicy:
    """A tenant's trust policy, refused with every problem named."""
    try:
        return TrustPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}" for e in exc.errors()
        )
        raise Invalid(f"the trust policy was refused: {problems}", code="bad_policy") from None


@dataclass(frozen=True, slots=True)
class Reason:
    """One kind of event and what it did to the score."""

    event: str
    count: int
    weight: float
    points: float


@dataclass(frozen=True, slots=True)
class Score:
    value: int
    base: float
    reasons: tuple[Reason, ...]
    trusted: bool
    watched: bool


def score(role: str, counts: dict[str, int], policy: TrustPolicy) -> Score:
    """The score of a ``role`` with these event counts, and why."""
    reasons = []
    for event, weight in sorted(policy.weights.get(role, {}).items()):
        n = counts.get(event, 0)
        if n:
            counted = min(n, weight.cap)
            reasons.append(Reason(event, n, weight.points, round(counted * weight.points, 2)))
    raw = policy.base + sum(r.points for r in reasons)
    value = int(round(min(100.0, max(0.0, raw))))
    reasons.sort(key=lambda r: -abs(r.points))
    return Score(
        value=value,
        base=policy.base,
        reasons=tuple(reasons),
        trusted=value >= policy.trusted_at,
        watched=value < policy.watch_at,
    )
