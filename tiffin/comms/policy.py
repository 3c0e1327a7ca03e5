"""The tenant's sentiment-watch policy (``tenant_policies`` kind ``sentiment``), pure.

How many negative texts in one window make a spike: one default, a default per dimension
(zone, merchant, topic), and a threshold per named zone, merchant or topic, so a tenant can
listen harder to a kitchen that has been in trouble, or less to a topic that is always noisy.
Whether a named zone or merchant is the tenant's own is checked by ``comms.watch_rules``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tiffin.comms.model import TOPICS, SpikeRules
from tiffin.errors import Invalid

Threshold = Annotated[int, Field(ge=1, le=1000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
MAX_NAMED = 200


class WatchPolicy(BaseModel):
    """Spike thresholds: ``min_negatives`` unless the dimension or the key says otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1)
    window_minutes: int = Field(default=30, ge=5, le=1440)
    min_negatives: Threshold = 3
    dimensions: dict[Literal["zone", "merchant", "topic"], Threshold] = Field(default_factory=dict)
    zones: dict[Name, Threshold] = Field(default_factory=dict, max_length=MAX_NAMED)
    merchants: dict[Name, Threshold] = Field(default_factory=dict, max_length=MAX_NAMED)
    topics: dict[Name, Threshold] = Field(default_factory=dict, max_length=len(TOPICS))

    @model_validator(mode="after")
    def _known_topics(self) -> WatchPolicy:
        unknown = sorted(set(self.topics) - set(TOPICS))
        if unknown:
            raise ValueError(
                f"topics: {', '.join(unknown)} unknown (the topics: {', '.join(TOPICS)})"
            )
        return self

    def rules(self) -> SpikeRules:
        """The spike rules the watch applies."""
        # the watch records a zone by the first 60 characters of its name (sentiment_records)
        named = {("zone", k[:60]): v for k, v in self.zones.items()}
        named |= {("merchant", k): v for k, v in self.merchants.items()}
        named |= {("topic", k): v for k, v in self.topics.items()}
        return SpikeRules(
            window=timedelta(minutes=self.window_minutes),
            min_negatives=self.min_negatives,
            by_dimension={str(k): v for k, v in self.dimensions.items()},
            by_key=named,
        )


DEFAULT_WATCH_POLICY = WatchPolicy()


def load_watch_policy(data: object) -> WatchPolicy:
    """A tenant's sentiment-watch policy, refused with every problem named."""
    try:
        return WatchPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}" for e in exc.errors()
        )
        raise Invalid(f"the sentiment policy was refused: {problems}", code="bad_policy") from None
