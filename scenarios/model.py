"""The typed shape of a scenario file: one bundle of government services.

The YAML file's shape is this model's shape, so a validation error can name the field it
is about (``items.household_registration.department``).  Cross-references (a department
an item names, a DAG of dependencies, a source a figure cites) are checked in
``scenarios.validation`` after the shape is known to be right.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    field_validator,
    model_validator,
)

from onething.scenarios.errors import Reason

Unit = Literal["minutes", "hours", "working_days", "calendar_days"]
AROUND_THE_CLOCK: Unit = "calendar_days"
"""The one unit counted around the clock (自然日): a time in it passes whether or not the
office is open.  Only an item's back-office times and waiting period may use it
(``Item``): a public notice of seven natural days, a ticket closed by a timer."""
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
StepKind = Literal["apply", "review", "inspect", "decide", "deliver"]
Delivery = Literal["pickup", "mail", "on_the_spot"]
# Limits on sizes that would exhaust memory or run for days (a typo of three zeros), and on
# numbers the calendar and the samplers cannot hold (a date in year 9999, an sd of 1e200).
MAX_HORIZON_DAYS = 20 * 366
MAX_REPLICATIONS = 10_000
MAX_ARRIVALS_PER_DAY = 1_000_000
MAX_ITEMS = 200
MAX_WINDOWS = 1_000
"""Windows at one place."""
MAX_COUNT = 10_000
"""Form fields, field groups' sizes: counts a person fills in."""
MAX_WEIGHT = 1e6
"""A profile's or an empirical distribution's weight, and a season's factor."""
MAX_VALUES = 1_000
"""Values of an empirical distribution."""
MAX_PARTS = 1_000
"""Departments, materials, field groups, seasons, extra days: entries of one section."""
MAX_REWORK = 0.95
"""Above it a case is sent back so often it hardly ever finishes (at 1, never)."""
MAX_ROUNDS = 100
"""Rounds of one item in one case: a count distribution's length, a redo's cap."""
SHARE_TOLERANCE = 1e-6
"""How far an alternative's shares may add up from 1 (rounded figures)."""
MAX_DURATION_YEARS = 10
MAX_DURATION: dict[str, float] = {
    "minutes": MAX_DURATION_YEARS * 365 * 24 * 60,
    "hours": MAX_DURATION_YEARS * 365 * 24,
    "working_days": MAX_DURATION_YEARS * 250,
    "calendar_days": MAX_DURATION_YEARS * 365,
}
"""The longest time a distribution's parameter may say, per unit."""
MAX_SPREAD = 100
"""A lognormal's sd at most this many times its mean (the tail is then already wild)."""
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
"""Dates a scenario may name: a run from the last one, with its horizon and the longest
durations, stays far from the end of Python's calendar (year 9999)."""
MAX_SEED = 2**64 - 1
MAX_NAME_LENGTH = 64
"""A scenario's or spec's name, which becomes a folder name."""
MAX_LABEL_LENGTH = 200
"""A department's, item's or material's name, a title: labels on tables and plots."""

Label = Annotated[str, Field(max_length=MAX_LABEL_LENGTH)]
Date = Annotated[dt.date, Field(ge=FIRST_DATE, le=LAST_DATE)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
WindowCount = Annotated[int, Field(gt=0, le=MAX_WINDOWS)]


def _identifier(name: str) -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise Reason("name_too_long", length=len(name), limit=MAX_NAME_LENGTH)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise Reason("identifier", name=name)
    return name


Identifier = Annotated[str, AfterValidator(_identifier)]
"""A name that becomes a file or folder name."""


def new_identifier(text: str, used: set[str], prefix: str) -> str:
    """An identifier for a free-text name (a log's activity, a BPMN lane), unique among
    ``used`` (which it joins); a name with no Latin letters becomes ``prefix_N``."""
    key = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not key or not key[0].isalpha():
        key = f"{prefix}_{len(used) + 1}"
    base, n = key, 2
    while key in used:
        key, n = f"{base}_{n}", n + 1
    used.add(key)
    return key


class Strict(BaseModel):
    """Unknown keys are mistakes (a typo must not be silently ignored); a number is finite
    (``.inf`` and ``.nan`` are YAML's, never a parameter's)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Timed(Strict):
    """A distribution: its time parameters stay within ``MAX_DURATION``.

    What differs by kind is asked of the distribution, never by testing its kind elsewhere:
    each has ``mean_value`` and ``variance`` (in its unit), ``MEMORYLESS`` and ``describe``;
    drawing from it is ``scenarios.distributions.sampler``."""

    TIMES: ClassVar[tuple[str, ...]]
    """The parameters that are times (a what-if scales them, ``experiments.variants``)."""
    MEMORYLESS: ClassVar[bool] = False
    """Exponential: a Prosimos export keeps it one rather than matching its moments."""

    def describe(self, num: Callable[[float], str], unit: str) -> str:
        """The distribution in a few words, numbers written by ``num``."""
        return f"mean {num(self.mean_value)} {unit}"

    @model_validator(mode="after")
    def _within_limit(self) -> Timed:
        unit = self.unit  # type: ignore[attr-defined]  # each distribution's own field
        limit = MAX_DURATION[unit]
        for name in self.TIMES:
            value = getattr(self, name)
            if (max(value) if isinstance(value, list) else value) > limit:
                raise Reason(
                    "over_duration_limit",
                    name=name,
                    limit=limit,
                    unit=unit,
                    years=MAX_DURATION_YEARS,
                )
        return self


# --- distributions -------------------------------------------------------------------


class Fixed(Timed):
    TIMES = ("value",)
    dist: Literal["fixed"]
    value: NonNegativeFloat
    unit: Unit = "minutes"

    @property
    def mean_value(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def describe(self, num: Callable[[float], str], unit: str) -> str:
        return f"{num(self.value)} {unit}"


class Exponential(Timed):
    TIMES = ("mean",)
    MEMORYLESS = True
    dist: Literal["exponential"]
    mean: PositiveFloat
    unit: Unit = "minutes"

    @property
    def mean_value(self) -> float:
        return self.mean

    @property
    def variance(self) -> float:
        return self.mean**2


class Lognormal(Timed):
    TIMES = ("mean", "sd")
    dist: Literal["lognormal"]
    mean: PositiveFloat
    sd: PositiveFloat
    unit: Unit = "minutes"

    @model_validator(mode="after")
    def _spread(self) -> Lognormal:
        if self.sd > MAX_SPREAD * self.mean:
            raise Reason("lognormal_spread", limit=MAX_SPREAD)
        return self

    @property
    def mean_value(self) -> float:
        return self.mean

    @property
    def variance(self) -> float:
        return self.sd**2

    def describe(self, num: Callable[[float], str], unit: str) -> str:
        return f"mean {num(self.mean)} {unit} (sd {num(self.sd)})"


class Triangular(Timed):
    TIMES = ("low", "mode", "high")
    dist: Literal["triangular"]
    low: NonNegativeFloat
    mode: NonNegativeFloat
    high: PositiveFloat
    unit: Unit = "minutes"

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise Reason("triangular_order")
        return self

    @property
    def mean_value(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def describe(self, num: Callable[[float], str], unit: str) -> str:
        return f"{num(self.low)}–{num(self.high)} {unit} (mode {num(self.mode)})"


class Empirical(Timed):
    TIMES = ("values",)
    dist: Literal["empirical"]
    values: Annotated[list[NonNegativeFloat], Field(min_length=1, max_length=MAX_VALUES)]
    weights: list[Annotated[float, Field(gt=0, le=MAX_WEIGHT)]] | None = None
    unit: Unit = "minutes"

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise Reason("weights_count", weights=len(self.weights), values=len(self.values))
        return self

    @property
    def mean_value(self) -> float:
        weights = self.weights or [1.0] * len(self.values)
        return sum(v * w for v, w in zip(self.values, weights, strict=True)) / sum(weights)

    @property
    def variance(self) -> float:
        weights = self.weights or [1.0] * len(self.values)
        mean = self.mean_value
        pairs = zip(self.values, weights, strict=True)
        return sum(w * (v - mean) ** 2 for v, w in pairs) / sum(weights)


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Triangular | Empirical, Field(discriminator="dist")
]


def _in_working_time(dist: Timed) -> Timed:
    if dist.unit == AROUND_THE_CLOCK:  # type: ignore[attr-defined]  # each kind's own field
        raise Reason("around_the_clock_here", unit=AROUND_THE_CLOCK)
    return dist


WorkingTime = Annotated[Distribution, AfterValidator(_in_working_time)]
"""A time counted in working time only: desk times, the promised limit, the post, an
applicant's putting papers together, a paper's transfer."""
KINDS: dict[str, type[Timed]] = {
    "fixed": Fixed,
    "exponential": Exponential,
    "lognormal": Lognormal,
    "triangular": Triangular,
    "empirical": Empirical,
}
"""The distribution of each ``dist:`` name."""


def unit_minutes(unit: Unit, minutes_per_day: float) -> float:
    """Minutes in one unit; a working day is the calendar's opening minutes, a calendar
    day all of its 1,440 (``AROUND_THE_CLOCK``)."""
    return {
        "minutes": 1.0,
        "hours": 60.0,
        "working_days": minutes_per_day,
        "calendar_days": 1440.0,
    }[unit]


def fixed(value: float, unit: Unit = "minutes") -> Fixed:
    return Fixed(dist="fixed", value=value, unit=unit)


# --- calendar, departments, materials ------------------------------------------------


def minutes_of_day(text: str) -> int:
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise Reason("time_of_day", text=text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 24 * 60:
        raise Reason("time_of_day_range", text=text)
    return value


def clock_time(minutes: int) -> str:
    """``minutes`` after midnight as "HH:MM" (``minutes_of_day`` read back)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _periods_increase(hours: list[tuple[str, str]]) -> list[tuple[str, str]]:
    previous_end = -1
    for start, end in hours:
        a, b = minutes_of_day(start), minutes_of_day(end)
        if b <= a:
            raise Reason("period_backwards", start=start, end=end)
        if a < previous_end:
            raise Reason("period_overlap", start=start, end=end)
        previous_end = b
    return hours


Periods = Annotated[list[tuple[str, str]], Field(min_length=1), AfterValidator(_periods_increase)]


class CalendarSpec(Strict):
    """Opening hours (a lunch break is the gap between two periods), working weekdays,
    holidays: China's official calendar by default, with local changes on top."""

    hours: Periods = [("08:30", "12:00"), ("14:00", "17:30")]
    """A usual working day's; a "working day" of a duration is this long."""
    weekdays: Annotated[list[Weekday], Field(min_length=1)] = ["mon", "tue", "wed", "thu", "fri"]
    weekday_hours: dict[Weekday, Periods] = {}
    """Worked weekdays whose hours are not ``hours`` (Saturday mornings).  A make-up day
    (``extra_workdays``, 调休) on a weekday not worked has the usual ``hours``."""
    hour_rates: dict[Annotated[int, Field(ge=0, le=23)], Annotated[float, Field(gt=0, le=1)]] = {}
    """The pace of work in an hour of the day, as a share of the full pace (a lunch hour
    half staffed: 0.5); 1 in the hours not listed.  A back office's working time passes
    at that pace, so its decisions fall in its busy hours."""
    holidays: Literal["official", "none"] = "official"
    """'official': the State Council's holiday notices (statutory holidays off, make-up
    working days 调休 on; ``scenarios.official_calendar``).  'none': only ``weekdays``."""
    extra_holidays: Annotated[list[Date], Field(max_length=MAX_PARTS)] = []
    """Local closures on top (a county's own day off)."""
    extra_workdays: Annotated[list[Date], Field(max_length=MAX_PARTS)] = []
    """Local openings on top (a hall open on a Saturday for the start of term)."""

    @field_validator("holidays", mode="before")
    @classmethod
    def _official_or_none(cls, value: object) -> object:
        if isinstance(value, list):
            raise Reason("holidays_list")
        return value

    @model_validator(mode="after")
    def _not_both(self) -> CalendarSpec:
        both = sorted(set(self.extra_holidays) & set(self.extra_workdays))
        if both:
            raise Reason("holiday_and_workday", day=both[0].isoformat())
        return self

    @model_validator(mode="after")
    def _own_hours_on_worked_days(self) -> CalendarSpec:
        for day in self.weekday_hours:
            if day not in self.weekdays:
                raise Reason("weekday_hours_not_worked", day=day)
        return self

    def periods(self, weekday: str | None = None) -> list[tuple[int, int]]:
        """Opening periods as minutes after midnight: a usual day's, or ``weekday``'s."""
        hours = self.weekday_hours.get(weekday, self.hours) if weekday else self.hours
        return [(minutes_of_day(a), minutes_of_day(b)) for a, b in hours]

    def paced(self, weekday: str | None = None) -> list[tuple[int, int, float]]:
        """``periods`` cut at the hours whose pace differs (``hour_rates``), each with its
        pace."""
        out: list[tuple[int, int, float]] = []
        for a, b in self.periods(weekday):
            edges = (m for h in self.hour_rates for m in (h * 60, h * 60 + 60))
            cuts = sorted({a, b, *(m for m in edges if a < m < b)})
            for start, end in zip(cuts, cuts[1:], strict=False):
                pace = self.hour_rates.get(start // 60, 1.0)
                if out and out[-1][1] == start and out[-1][2] == pace:
                    out[-1] = (out[-1][0], end, pace)
                else:
                    out.append((start, end, pace))
        return out

    @property
    def minutes_per_day(self) -> float:
        """Working minutes of a usual day (at full pace)."""
        return sum((b - a) * pace for a, b, pace in self.paced())


class Department(Strict):
    name: Label
    windows: WindowCount
    calendar: CalendarSpec | None = None


class Material(Strict):
    name: Label
    kind: Literal["document", "form", "certificate"] = "document"
    shared: bool = False
    """Held in a government database: with data sharing it is fetched, not handed over."""


# --- items ---------------------------------------------------------------------------


class Form(Strict):
    own_fields: Count = 0
    groups: list[str] = []
    """Field groups (applicant identity, address...) that other items' forms ask again."""


class Result(Strict):
    produces: str | None = None
    """The material (a certificate) this item yields, which later items may need."""
    delivery: Delivery = "pickup"
    physical: bool = False
    """A card or a paper that cannot be electronic: with e-certificates it is mailed."""


class Commitment(Strict):
    """Notify-and-commit (告知承诺): decided on the applicant's written commitment,
    inspected after the licence."""

    processing: Distribution = Field(default_factory=lambda: fixed(0.0))


def _times_increase(times: list[str]) -> list[str]:
    minutes = [minutes_of_day(t) for t in times]
    for before, after, text in zip(minutes, minutes[1:], times[1:], strict=False):
        if after <= before:
            raise Reason("run_times_order", text=text)
    if minutes[-1] >= 24 * 60:
        raise Reason("time_of_day_range", text=times[-1])
    return times


class Runs(Strict):
    """A job run at set times of every day (around the clock: a nightly exchange between
    systems, an automatic cancellation at 09:15) that decides a share of an item's
    cases: each waits from when its back office is done to the next run."""

    at: Annotated[
        list[str], Field(min_length=1, max_length=24 * 4), AfterValidator(_times_increase)
    ]
    """Times of day, "HH:MM", in increasing order."""
    share: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    """The share of the cases the job decides; the others are decided by the back office."""


class Repeat(Strict):
    """The back office does an item again after deciding it (a generalisation of 补正: the
    file comes back for another round), each round a decision in the event log.  Either
    ``redo``, the chance of another round after each one (so rounds are geometric,
    capped at ``MAX_ROUNDS``), or ``rounds``, the weights of 1, 2, 3 ... rounds."""

    redo: Annotated[float, Field(gt=0.0, le=MAX_REWORK)] | None = None
    rounds: Annotated[list[Weight], Field(min_length=1, max_length=MAX_ROUNDS)] | None = None
    within: Fixed | None = None
    """A deadline on the rounds, this long after the item was filed (in the department's
    working time, or around the clock in ``calendar_days``): a round under way then ends
    at it and no other follows, whatever the count drawn (the back-and-forth with an
    applicant who must answer within a month, 补正期限).  None: no deadline."""

    @model_validator(mode="after")
    def _one_way(self) -> Repeat:
        if (self.redo is None) == (self.rounds is None):
            raise Reason("one_of_redo_rounds")
        if self.rounds is not None and not sum(self.rounds) > 0:
            raise Reason("rounds_zero")
        return self

    def count(self, uniform: float) -> int:
        """The rounds one case does, read off one uniform draw in [0, 1) (its quantile)."""
        if self.redo is not None:
            rounds = 1 + math.floor(math.log1p(-uniform) / math.log(self.redo))
            return min(max(rounds, 1), MAX_ROUNDS)
        weights = self.rounds or [1.0]
        target, total = uniform * sum(weights), 0.0
        for n, weight in enumerate(weights, start=1):
            total += weight
            if target < total:
                return n
        return len(weights)

    @property
    def mean(self) -> float:
        """Rounds per case on average."""
        if self.redo is not None:
            p = self.redo
            return (1 - p**MAX_ROUNDS) / (1 - p)
        weights = self.rounds or [1.0]
        return sum(n * w for n, w in enumerate(weights, start=1)) / sum(weights)


_PERIOD_FIELDS = {"within": "waiting_filed_within", "period": "waiting_period"}


class Item(Strict):
    name: Label
    department: str
    requires: list[str] = []
    materials: list[str] = []
    form: Form = Form()
    steps: Annotated[list[StepKind], Field(min_length=1)] = ["apply", "review", "decide"]
    handling: WorkingTime
    """Front-desk time at the window."""
    processing: Distribution
    """Back-office time from filing to decision, in the department's working time, or
    around the clock in ``calendar_days`` (``AROUND_THE_CLOCK``)."""
    processing_when_closed: WorkingTime | None = None
    """Back-office time for a filing that reaches the department while it is closed: a
    night's or a weekend's backlog, taken in turn after the opening rather than all at
    it.  None: as ``processing``.  A lever that changes the processing (data sharing, a
    commitment) changes it for every filing."""
    processing_with_data_sharing: Distribution | None = None
    """Back-office time when materials are verified electronically (data sharing lever)."""
    promised: WorkingTime
    """Promised time limit (承诺时限)."""
    rework: Annotated[float, Field(ge=0.0, le=MAX_REWORK)] = 0.0
    """Chance the filing is sent back for missing materials (补正)."""
    result: Result = Result()
    commitment: Commitment | None = None
    take_up: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    """Share of applicants who take this item: below 1 it is optional (选办); 1 (the
    default) is a required item (必办).  An item of an alternative leaves it at 1."""
    repeat: Repeat | None = None
    """Rounds of the back office beyond the first (``Repeat``); none by default."""
    waiting_period: Distribution | None = None
    """The item is decided no earlier than this long after the case opened (the applicant
    arrived), in the department's working time, or around the clock in
    ``calendar_days``: a notice period (公示期) or a ticket closed only after a set wait.
    The decision is the later of this and the back office's; none by default."""
    runs: Runs | None = None
    """A job deciding a share of the cases at set times of day (``Runs``); none by
    default."""
    decided_within: Fixed | None = None
    """The item is decided no later than this long after the case opened, in the
    department's working time or around the clock in ``calendar_days``: a timer that
    closes it then, whatever is still under way (a ticket closed automatically at 60
    days); at its filing if it is filed later.  None by default."""
    waiting_filed_within: Fixed | None = None
    """The waiting period holds only for an item filed within this long after the case
    opened (on the period's clock); one filed later is decided after its back office
    alone: a helpdesk closes a ticket whose work ended early on the opening's schedule,
    and one whose work ended late a set time after it.  None: the period always holds."""

    @model_validator(mode="after")
    def _closed_on_a_calendar(self) -> Item:
        if self.processing_when_closed is not None and self.processing.unit == AROUND_THE_CLOCK:
            raise Reason("when_closed_around_the_clock", unit=AROUND_THE_CLOCK)
        return self

    @model_validator(mode="after")
    def _filed_within_a_period(self) -> Item:
        within, period = self.waiting_filed_within, self.waiting_period
        if within is None:
            return self
        if period is None:
            raise Reason("filed_within_without_period", **_PERIOD_FIELDS)
        if (within.unit == AROUND_THE_CLOCK) != (period.unit == AROUND_THE_CLOCK):
            raise Reason("filed_within_other_clock", unit=AROUND_THE_CLOCK, **_PERIOD_FIELDS)
        return self


class Option(Strict):
    """One choice of an alternative: the items taken together (none: the applicant takes
    none of the group's items), by this share of applicants.  Options may share items:
    an alternative of such options lists the variants of the bundle applicants take."""

    items: Annotated[list[str], Field(max_length=MAX_ITEMS)] = []
    share: Annotated[float, Field(ge=0.0, le=1.0)]


def _shares_add_up(options: list[Option]) -> list[Option]:
    total = sum(o.share for o in options)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise Reason("shares_not_one", total=f"{total:g}")
    return options


Alternative = Annotated[
    list[Option], Field(min_length=2, max_length=MAX_ITEMS), AfterValidator(_shares_add_up)
]
"""Options of which each applicant takes exactly one."""


# --- applicants and arrivals ---------------------------------------------------------


class Season(Strict):
    """A run of dates whose daily arrivals are ``weight`` times ``per_working_day`` (the
    registration window at the start of term)."""

    start: Date
    end: Date
    weight: Weight

    @model_validator(mode="after")
    def _ordered(self) -> Season:
        if self.end < self.start:
            raise Reason("season_backwards")
        return self


class Arrivals(Strict):
    per_working_day: Annotated[float, Field(gt=0, le=MAX_ARRIVALS_PER_DAY)] | None = None
    """Arrivals on an ordinary working day (weight 1 in every profile)."""
    hourly_profile: dict[Annotated[int, Field(ge=0, le=23)], Weight] | None = None
    weekday_profile: dict[Weekday, Weight] | None = None
    date_profile: Annotated[list[Season], Field(max_length=MAX_PARTS)] = []
    """Seasonal peaks: dates outside every season keep weight 1."""
    trace: str | None = None
    """CSV of arrival times (column ``arrival``: ISO date-time, or ``arrival_minutes``),
    relative to the scenario file."""

    @model_validator(mode="after")
    def _one_process(self) -> Arrivals:
        if (self.per_working_day is None) == (self.trace is None):
            raise Reason("one_arrival_process")
        seasons = sorted(self.date_profile, key=lambda season: season.start)
        for a, b in zip(seasons, seasons[1:], strict=False):
            if b.start <= a.end:
                raise Reason("season_inside", start=b.start)
        peak = self.per_working_day or 0.0
        peak *= max((s.weight for s in self.date_profile), default=1.0)
        if peak > MAX_ARRIVALS_PER_DAY:
            raise Reason("peak_too_high", peak=peak, limit=MAX_ARRIVALS_PER_DAY)
        return self

    def date_weight(self, day: dt.date) -> float:
        return next((s.weight for s in self.date_profile if s.start <= day <= s.end), 1.0)


class Applicants(Strict):
    arrivals: Arrivals
    travel: Distribution
    """One-way travel to an office, calendar time."""
    start: str = "home"
    """Where a case begins: 'home' or a department (a newborn's family is at the hospital)."""
    pickup_handling: WorkingTime = Field(default_factory=lambda: fixed(5.0))
    mail: WorkingTime = Field(default_factory=lambda: fixed(2.0, "working_days"))
    rework_delay: WorkingTime = Field(default_factory=lambda: fixed(1.0, "working_days"))
    """How long an applicant takes to put missing materials together."""


# --- levers --------------------------------------------------------------------------


class SingleWindow(Strict):
    name: Label = "Comprehensive window 综合窗口"
    windows: WindowCount = 2
    at_start: bool = False
    """The window is where the case begins (e.g. in the maternity ward): no trip."""


class LeverSettings(Strict):
    single_window: SingleWindow = SingleWindow()
    staffing: Annotated[dict[str, WindowCount], Field(max_length=MAX_PARTS)] = {}
    """Windows per department (or 'single_window') under the staffing lever."""
    paper_transfer: WorkingTime = Field(default_factory=lambda: fixed(1.0, "working_days"))
    """Without data sharing, the single window passes paper results between departments."""


# --- provenance and run defaults -----------------------------------------------------

Measure = Literal["steps", "materials", "trips", "form_fields", "time_working_days"]


class PublishedFigure(Strict):
    measure: Measure
    mode: Literal["before", "after", "reduction"]
    """'reduction': a release that gives only the saving (减少跑动 5 次): before minus after."""
    value: NonNegativeFloat
    source: str
    note: str = ""


class RunSettings(Strict):
    horizon_days: Annotated[int, Field(gt=0, le=MAX_HORIZON_DAYS)] = 60
    """Calendar days during which applicants arrive."""
    warmup_days: Annotated[int, Field(ge=0, le=MAX_HORIZON_DAYS)] = 10
    replications: Annotated[int, Field(gt=0, le=MAX_REPLICATIONS)] = 10
    seed: Seed = 20240116
    start_date: Date = dt.date(2026, 3, 2)


class Scenario(Strict):
    """A bundle: its items, departments, materials, applicants, levers and the published
    figures, as a scenario file gives them (frozen: vary it with ``loader.with_changes``)."""

    name: Identifier
    title: Label
    description: str = ""
    sources: dict[str, str] = {}
    calendar: CalendarSpec = CalendarSpec()
    departments: Annotated[dict[str, Department], Field(min_length=1, max_length=MAX_PARTS)]
    materials: Annotated[dict[str, Material], Field(max_length=MAX_PARTS)] = {}
    field_groups: Annotated[
        dict[str, Annotated[int, Field(gt=0, le=MAX_COUNT)]], Field(max_length=MAX_PARTS)
    ] = {}
    items: Annotated[dict[str, Item], Field(min_length=1, max_length=MAX_ITEMS)]
    alternatives: Annotated[dict[Identifier, Alternative], Field(max_length=MAX_ITEMS)] = {}
    """Exclusive choices between items (a licence granted or refused): per group, its
    options, of which an applicant takes one."""
    applicants: Applicants
    levers: LeverSettings = LeverSettings()
    after: list[str] = []
    """The levers the published 'after' process applies (names the loader checks against
    the registered levers, ``scenarios.levers``)."""
    published: list[PublishedFigure] = []
    assumptions: dict[str, str] = {}
    """Field path -> why this number is assumed rather than published."""
    placeholders: dict[str, str] = {}
    """Field path -> what a planner must still fill in (a scenario discovered from an
    event log cannot know materials or form fields); counts that depend on one are
    reported as unknown."""
    run: RunSettings = RunSettings()

    def __repr__(self) -> str:
        return f"Scenario({self.name}: {self.title}, {len(self.items)} items)"

    __str__ = __repr__


def required_closure(s: Scenario, key: str) -> set[str]:
    """Every item ``key`` waits for, directly or through others (unknown keys left out)."""
    needs = {k: [d for d in item.requires if d in s.items] for k, item in s.items.items()}
    return closure(needs, key)


def closure(needs: Mapping[str, Iterable[str]], key: str) -> set[str]:
    """Every name ``key`` needs, directly or through others, in ``needs`` (name -> the
    names it needs; a name missing there needs nothing)."""
    seen: set[str] = set()
    stack = list(needs.get(key, ()))
    while stack:
        need = stack.pop()
        if need not in seen:
            seen.add(need)
            stack += [d for d in needs.get(need, ()) if d not in seen]
    return seen
