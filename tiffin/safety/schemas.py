"""Risk-zone and rider health and safety payloads (rules, check-ins, courses, insurance,
equipment)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from tiffin.api.common import Lax, Point, Strict
from tiffin.domain.zones import RiskLevel, RiskZone
from tiffin.safety.alerts import Alert, AlertKind, Sample
from tiffin.safety.eligibility import Standing
from tiffin.safety.overload import Workload
from tiffin.safety.policy import CheckIn, Mode, SafetyRules, Symptom, TestResult, Validity
from tiffin.safety.records import Course, Stock
from tiffin.safety.telemetry import MAX_BATCH
from tiffin.safety.tracing import Subject, TraceRequest


class ZoneClosure(Strict):
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    polygon: list[Point] = Field(min_length=3, max_length=200)
    handoff: Point = Field(description="Contactless hand-off point, outside the zone.")
    closed_from: Annotated[AwareDatetime, Lax] | None = Field(
        default=None, description="Defaults to now."
    )
    closed_until: Annotated[AwareDatetime, Lax]
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S")
    level: Annotated[RiskLevel, Lax] = Field(
        default=RiskLevel.HIGH, description="Only a high-risk zone is closed to riders."
    )


class ZoneImport(Strict):
    """A health authority's GeoJSON FeatureCollection of risk zones (see safety/geojson.py)."""

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]] = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S")


class RiskZoneRead(BaseModel):
    id: str
    name: str
    level: RiskLevel
    polygon: list[Point]
    handoff: Point
    closed_from: datetime
    closed_until: datetime
    reason: str

    @classmethod
    def of(cls, z: RiskZone) -> RiskZoneRead:
        return cls(
            id=z.id,
            name=z.name,
            level=z.level,
            polygon=[Point.of(p) for p in z.polygon],
            handoff=Point.of(z.handoff),
            closed_from=z.closed_from,
            closed_until=z.closed_until,
            reason=z.reason,
        )


# --- rider health and safety (issue 18) ---

Reason = Field(min_length=1, max_length=500, pattern=r"\S")
Label = Field(min_length=1, max_length=80, pattern=r"^[\w .\-/]+$")


class SafetyRulesIn(Strict):
    require_checkin: bool = False
    max_temperature_c: float = Field(default=37.3, ge=35.0, le=40.0, allow_inf_nan=False)
    require_negative_test: bool = False
    checkin_valid_hours: int = Field(default=12, ge=1, le=48)
    require_training: bool = False
    require_insurance: bool = False
    retention_days: int = Field(default=14, ge=1, le=365)
    reason: str = Reason

    def to_policy(self) -> SafetyRules:
        return SafetyRules(
            require_checkin=self.require_checkin,
            max_temperature_tenths=round(self.max_temperature_c * 10),
            require_negative_test=self.require_negative_test,
            checkin_valid_hours=self.checkin_valid_hours,
            require_training=self.require_training,
            require_insurance=self.require_insurance,
            retention_days=self.retention_days,
        )


class SafetyRulesRead(BaseModel):
    public_health_mode: bool
    require_checkin: bool
    max_temperature_c: float
    require_negative_test: bool
    checkin_valid_hours: int
    require_training: bool
    require_insurance: bool
    retention_days: int

    @classmethod
    def of(cls, r: SafetyRules) -> SafetyRulesRead:
        return cls(
            public_health_mode=r.public_health_mode,
            require_checkin=r.require_checkin,
            max_temperature_c=r.max_temperature_tenths / 10,
            require_negative_test=r.require_negative_test,
            checkin_valid_hours=r.checkin_valid_hours,
            require_training=r.require_training,
            require_insurance=r.require_insurance,
            retention_days=r.retention_days,
        )


class ModeIn(Strict):
    on: bool
    reason: str = Reason


class CheckInCreate(Strict):
    temperature_c: float = Field(ge=30.0, le=45.0, allow_inf_nan=False)
    symptoms: list[Annotated[Symptom, Lax]] = Field(default_factory=list, max_length=10)
    test_result: Annotated[TestResult, Lax] | None = None


class RefusalRead(BaseModel):
    code: str
    reason: str
    next_step: str


class CheckInRead(BaseModel):
    at: datetime
    temperature_c: float
    symptoms: list[Symptom]
    test_result: TestResult | None
    passed: bool
    refusals: list[RefusalRead]

    @classmethod
    def of(cls, c: CheckIn) -> CheckInRead:
        return cls(
            at=c.at,
            temperature_c=c.temperature_tenths / 10,
            symptoms=list(c.symptoms),
            test_result=c.test_result,
            passed=c.passed,
            refusals=[RefusalRead(**r.__dict__) for r in c.refusals],
        )


class CourseCreate(Strict):
    name: str = Field(min_length=1, max_length=120, pattern=r"\S")
    validity_days: int = Field(ge=1, le=3650)
    required_in: list[Annotated[Mode, Lax]] = Field(default_factory=list, max_length=2)


class CourseRead(BaseModel):
    id: str
    name: str
    validity_days: int
    required_in: list[Mode]

    @classmethod
    def of(cls, c: Course) -> CourseRead:
        return cls(
            id=c.id, name=c.name, validity_days=c.validity_days, required_in=sorted(c.required_in)
        )


class TrainingCreate(Strict):
    course_id: str = Field(min_length=1, max_length=40)
    completed_at: Annotated[AwareDatetime, Lax]


class PolicyCreate(Strict):
    insurer: str = Field(min_length=1, max_length=120, pattern=r"\S")
    policy_number: str = Field(min_length=1, max_length=60, pattern=r"^[\w\-/]+$")
    valid_from: Annotated[AwareDatetime, Lax]
    valid_until: Annotated[AwareDatetime, Lax]


class StockIn(Strict):
    station: str = Label
    item: str = Label
    quantity: int = Field(ge=0, le=1_000_000)


class StockRead(BaseModel):
    station: str
    item: str
    quantity: int

    @classmethod
    def of(cls, s: Stock) -> StockRead:
        return cls(station=s.station, item=s.item, quantity=s.quantity)


class IssueCreate(Strict):
    station: str = Label
    item: str = Label
    quantity: int = Field(default=1, ge=1, le=100)
    valid_days: int = Field(default=1, ge=1, le=30)


class ValidityRead(BaseModel):
    name: str
    valid_from: datetime
    valid_until: datetime
    current: bool

    @classmethod
    def of(cls, v: Validity, now: datetime) -> ValidityRead:
        return cls(
            name=v.name, valid_from=v.valid_from, valid_until=v.valid_until, current=v.current(now)
        )


class StandingRead(BaseModel):
    """A rider's safety records and whether they may start a shift / take orders now."""

    mode: Mode
    may_start_shift: bool
    may_take_orders: bool
    refusals: list[RefusalRead]
    last_checkin: CheckInRead | None
    required_courses: list[str]
    trainings: list[ValidityRead]
    insurance: list[ValidityRead]
    equipment: list[ValidityRead]

    @classmethod
    def of(cls, s: Standing, now: datetime) -> StandingRead:
        refusals = [*s.shift_refusals, *([s.dispatch_refusal] if s.dispatch_refusal else [])]
        return cls(
            mode=s.rules.mode,
            may_start_shift=not s.shift_refusals,
            may_take_orders=s.dispatch_refusal is None,
            refusals=[RefusalRead(**r.__dict__) for r in refusals],
            last_checkin=CheckInRead.of(s.last_checkin) if s.last_checkin else None,
            required_courses=s.required,
            trainings=[ValidityRead.of(v, now) for v in s.trainings],
            insurance=[ValidityRead.of(v, now) for v in s.policies],
            equipment=[ValidityRead.of(v, now) for v in s.equipment],
        )


# --- telemetry, alerts and the panic button (issue 18) ---


class SampleIn(Strict):
    at: Annotated[AwareDatetime, Lax]
    location: Point
    speed_mps: float = Field(ge=0, le=100, allow_inf_nan=False)
    impact: bool = False

    def to_domain(self) -> Sample:
        return Sample(self.at, self.location.to_domain(), self.speed_mps, self.impact)


class TelemetryBatch(Strict):
    samples: list[SampleIn] = Field(min_length=1, max_length=MAX_BATCH)


class AlertRead(BaseModel):
    kind: AlertKind
    at: datetime
    location: Point
    detail: str

    @classmethod
    def of(cls, a: Alert) -> AlertRead:
        return cls(kind=a.kind, at=a.at, location=Point.of(a.location), detail=a.detail)


class TelemetryRead(BaseModel):
    accepted: int
    alerts: list[AlertRead]


class RiderAlertRead(BaseModel):
    id: str
    rider_id: str
    kind: AlertKind
    at: datetime
    location: Point
    detail: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> RiderAlertRead:
        return cls(
            id=row["id"],
            rider_id=row["rider_id"],
            kind=AlertKind(row["kind"]),
            at=row["at"],
            location=Point(lat=row["lat"], lon=row["lon"]),
            detail=row["detail"],
        )


class PanicIn(Strict):
    location: Point


class PanicRead(BaseModel):
    operators_alerted: bool
    orders_redispatched: list[str]


# --- tracing (issue 18) ---


class TraceCreate(Strict):
    subject: Annotated[Subject, Lax]
    subject_id: str | None = Field(default=None, min_length=1, max_length=40)
    place: Point | None = None
    since: Annotated[AwareDatetime, Lax]
    until: Annotated[AwareDatetime, Lax]
    radius_m: float = Field(default=50.0, gt=0, le=5000, allow_inf_nan=False)
    why: str = Field(min_length=1, max_length=500, pattern=r"\S")

    def to_domain(self) -> TraceRequest:
        return TraceRequest(
            self.subject,
            self.subject_id,
            self.place.to_domain() if self.place else None,
            self.since,
            self.until,
            self.radius_m,
            self.why,
        )


class TraceAskedRead(BaseModel):
    id: str
    asked_by: str
    why: str
    subject: Subject
    subject_id: str | None
    since: datetime
    until: datetime
    asked_at: datetime


class TraceExport(BaseModel):
    """What the health authority receives: the recorded query and what it found."""

    trace_id: str
    subject: Subject
    subject_id: str | None
    place: Point | None
    since: datetime
    until: datetime
    radius_m: float
    why: str
    orders: list[dict[str, Any]]
    handovers: list[dict[str, Any]]
    co_located_riders: list[dict[str, Any]]


class WorkloadRead(BaseModel):
    """The rider's own view: riding and daily minutes against the limits, and why no new
    bundles are offered when near one."""

    on_shift: bool
    riding_minutes: int
    today_minutes: int
    continuous_limit_minutes: int
    daily_limit_minutes: int
    bad_weather: bool
    new_bundles_offered: bool
    reason: str | None

    @classmethod
    def of(cls, w: Workload | None) -> WorkloadRead:
        if w is None:
            return cls(
                on_shift=False,
                riding_minutes=0,
                today_minutes=0,
                continuous_limit_minutes=0,
                daily_limit_minutes=0,
                bad_weather=False,
                new_bundles_offered=False,
                reason="you are not on shift",
            )
        return cls(
            on_shift=True,
            riding_minutes=w.riding_minutes,
            today_minutes=w.today_minutes,
            continuous_limit_minutes=w.continuous_limit,
            daily_limit_minutes=w.daily_limit,
            bad_weather=w.bad_weather,
            new_bundles_offered=not w.near_limit,
            reason=w.reason,
        )
