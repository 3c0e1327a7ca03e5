"""The playbook (应急预案): for each anomaly type, the ordered actions the engine takes.

A playbook is data (JSON), per tenant and versioned; it is validated on load and a bad one is
refused with a sentence naming what is wrong. One rule is enforced beyond the schema: the
customer is told *after* re-dispatch and compensation, so the message carries the ETA the
dispatcher now believes and the grant actually made.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tiffin.anomalies.thresholds import Thresholds
from tiffin.domain.anomalies import AnomalyType
from tiffin.errors import Invalid


class Step(StrEnum):
    REDISPATCH = "redispatch"
    NOTIFY_CUSTOMER = "notify_customer"
    NOTIFY_MERCHANT = "notify_merchant"
    COMPENSATE = "compensate"
    ESCALATE = "escalate"


# Anomalies that describe something finished: handled at once and closed unless escalated.
ONE_SHOT = frozenset({AnomalyType.DELIVERED_LATE, AnomalyType.CANCELLED, AnomalyType.ITEM_PROBLEM})


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1)
    actions: dict[AnomalyType, list[Step]]
    thresholds: Thresholds = Field(default_factory=lambda: Thresholds())

    @model_validator(mode="after")
    def _tell_after_acting(self) -> Playbook:
        for kind, steps in self.actions.items():
            if len(set(steps)) != len(steps):
                raise ValueError(f"{kind.value}: an action is listed twice")
            if Step.NOTIFY_CUSTOMER not in steps:
                continue
            told = steps.index(Step.NOTIFY_CUSTOMER)
            for before in (Step.REDISPATCH, Step.COMPENSATE):
                if before in steps and steps.index(before) > told:
                    raise ValueError(
                        f"{kind.value}: {before.value} must come before notify_customer, "
                        "so the customer hears the new ETA and the grant actually made"
                    )
        return self

    def steps(self, kind: AnomalyType) -> list[Step]:
        return list(self.actions.get(kind, []))


DEFAULT_PLAYBOOK = Playbook(
    version=1,
    actions={
        AnomalyType.MERCHANT_SLOW_ACCEPT: [Step.NOTIFY_MERCHANT, Step.NOTIFY_CUSTOMER],
        AnomalyType.FOOD_LATE: [Step.NOTIFY_MERCHANT, Step.NOTIFY_CUSTOMER],
        AnomalyType.NO_RIDER: [Step.REDISPATCH, Step.NOTIFY_CUSTOMER],
        AnomalyType.RIDER_LOST: [Step.REDISPATCH, Step.COMPENSATE, Step.NOTIFY_CUSTOMER],
        AnomalyType.ETA_SLIP: [Step.NOTIFY_CUSTOMER],
        AnomalyType.DELIVERED_LATE: [Step.COMPENSATE, Step.NOTIFY_CUSTOMER],
        AnomalyType.CANCELLED: [Step.COMPENSATE, Step.NOTIFY_CUSTOMER, Step.NOTIFY_MERCHANT],
        AnomalyType.ITEM_PROBLEM: [Step.COMPENSATE, Step.NOTIFY_CUSTOMER, Step.ESCALATE],
    },
)


def load_playbook(source: str | dict[str, Any]) -> Playbook:
    """Parse and validate a playbook; a bad one raises ``Invalid`` listing every problem."""
    try:
        data = json.loads(source) if isinstance(source, str) else source
        return Playbook.model_validate(data)
    except json.JSONDecodeError as exc:
        raise Invalid(f"the playbook is not valid JSON: {exc}", code="bad_playbook") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'playbook'}: {e['msg']}" for e in exc.errors()
        )
        raise Invalid(f"the playbook was refused: {problems}", code="bad_playbook") from None
