"""The Python API a planner uses in a notebook; the CLI is a thin shell around it.

>>> import onething
>>> cmp = onething.compare("newborn", replications=5)
>>> cmp.table()            # tidy DataFrame: process, measure, mean, ci95_low, ..., unit
>>> cmp.changes()          # measure x before / after / change_pct
>>> r = onething.simulate("newborn", levers=["data_sharing"])
>>> r.measures["time_working_days"]["mean"]
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onething.live import (
    LiveResult,
    LiveSettings,
    Watch,
    agreement,
    des_on_same_arrivals,
    measures_of,
    run_directory,
    run_live,
)
from onething.scenarios.calendar import WorkingCalendar
from onething.scenarios.counts import counts
from onething.scenarios.levers import Mode, Process
from onething.scenarios.loader import catalog_names, load_scenario
from onething.scenarios.model import (
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    MAX_SEED,
    PublishedFigure,
    Scenario,
)
from onething.sim.engine import (
    MAX_CASES,
    Replication,
    ReplicationResult,
    replication_seeds,
    run_replications,
)
from onething.sim.eventlog import CaseRecorder, Export
from onething.sim.measures import change, measures

if TYPE_CHECKING:
    import pandas as pd

# calibrate: a time figure passes within this relative error (the target)
TIME_TOLERANCE = 0.15


def load(bundle: str | Path | Scenario) -> Scenario:
    """A catalog name, a scenario file path, or an already loaded scenario.  To vary a
    parameter: ``with_changes(load("newborn"), {"applicants.arrivals.per_working_day":
    200})`` (a validated copy)."""
    return bundle if isinstance(bundle, Scenario) else load_scenario(bundle)


class RunError(ValueError):
    """A run that cannot give a result: options out of range, a warm-up as long as the
    horizon, no applicant to walk.  (An overloaded run raises ``Overloaded``.)"""


class WarmupTooLong(RunError):
    """The warm-up is not shorter than the horizon, so no case would be measured; each
    value says whether the options gave it (else it is the scenario's ``run.``)."""

    def __init__(self, warmup: int, horizon: int, warmup_given: bool, horizon_given: bool):
        super().__init__(warmup, horizon, warmup_given, horizon_given)
        self.warmup, self.horizon = warmup, horizon
        self.warmup_given, self.horizon_given = warmup_given, horizon_given

    def __str__(self) -> str:
        warmup = "warmup_days" if self.warmup_given else "the scenario's run.warmup_days"
        horizon = "horizon_days" if self.horizon_given else "the scenario's run.horizon_days"
        return (
            f"{warmup} ({self.warmup}) must be shorter than {horizon} ({self.horizon}): "
            "no case would be measured"
        )


@dataclass
class RunOptions:
    """How to run: replications, seed, horizon and warm-up (default: the scenario's),
    processes (default: every core), an event-log ``Export``, a progress callback, and
    ``count``: cases each replication measures, instead of a horizon (arrivals stop after
    the warm-up's and these)."""

    replications: int | None = None
    seed: int | None = None
    horizon_days: int | None = None
    warmup_days: int | None = None
    jobs: int | None = None
    export: Export | None = None
    progress: Callable[[int], None] | None = None
    count: int | None = None

    def check(self, scenario: Scenario) -> None:
        """``RunError`` for a value out of the model's range (the scenario file's own
        limits) or a warm-up that leaves nothing to measure."""
        ranges = {
            "replications": (self.replications, 1, MAX_REPLICATIONS),
            "seed": (self.seed, 0, MAX_SEED),
            "horizon_days": (self.horizon_days, 1, MAX_HORIZON_DAYS),
            "warmup_days": (self.warmup_days, 0, MAX_HORIZON_DAYS),
            "jobs": (self.jobs, 1, MAX_REPLICATIONS),  # more than replications are idle
            "count": (self.count, 1, MAX_CASES),
        }
        for name, (value, low, high) in ranges.items():
            if value is not None and not (isinstance(value, int) and low <= value <= high):
                raise RunError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
        if self.count is not None:
            if self.horizon_days is not None:
                raise RunError("give count (cases) or horizon_days, not both")
            return
        horizon = self.horizon_days or scenario.run.horizon_days
        warmup = scenario.run.warmup_days if self.warmup_days is None else self.warmup_days
        if warmup >= horizon:
            given = self.warmup_days is not None, self.horizon_days is not None
            raise WarmupTooLong(warmup, horizon, *given)


UNITS = {
    "steps": "steps",
    "materials": "materials",
    "trips": "trips",
    "form_fields": "fields",
    "time_working_days": "working days",
    "time_calendar_hours": "calendar hours",
    "wait_minutes": "minutes",
    "trips_observed": "trips",
    "within_promise": "share",
    "utilisation": "share",
    "wait_minutes_by_place": "minutes",
}
"""The unit of each measure in ``Result.table()``."""
BOOKKEEPING = ("levers", "cases", "replications", "arrived", "unfinished", "promise_working_days")
"""What a run counted, not what it measured: ``Result.bookkeeping``, not the table."""
COLUMNS = ["mean", "ci95_low", "ci95_high", "p50", "p90", "unit"]


class Replications(list):
    """The replications' raw results; printed as a count, not as their histograms."""

    def __repr__(self) -> str:
        return f"<{len(self)} replications>"


@dataclass(repr=False)
class Result:
    """One process run over replications: ``measures`` (the JSON the CLI prints),
    ``table()`` for pandas, ``bookkeeping`` for what was counted."""

    process: Process
    replications: list[ReplicationResult]
    measures: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.replications = Replications(self.replications)
        self.measures = measures(self.process, self.replications)

    def __repr__(self) -> str:
        time = self.measures["time_working_days"]["mean"]
        shown = "—" if time is None else f"{time:.3g}"
        return (
            f"Result({self.process.scenario.name}, {self.process.label}, "
            f"{len(self.replications)} replications, mean time {shown} working days)"
        )

    @property
    def bookkeeping(self) -> dict[str, Any]:
        """Levers, cases measured, replications, arrivals, unfinished cases, the promise."""
        return {k: self.measures[k] for k in BOOKKEEPING}

    def table(self) -> pd.DataFrame:
        """One row per measure (per place for utilisation and waiting), indexed by
        ``measure``: mean, ci95_low, ci95_high, p50, p90 and unit.  Counts come from the
        process (no randomness): their interval and quantiles are the count itself;
        shares have no quantiles."""
        import pandas as pd

        nan = math.nan
        rows = []
        for name, value in self.measures.items():
            if name in BOOKKEEPING:
                continue
            unit = UNITS.get(name, "")
            if isinstance(value, dict) and "mean" in value:
                low, high = value["ci95"]
                rows.append([name, value["mean"], low, high, value["p50"], value["p90"], unit])
            elif isinstance(value, dict):
                rows += [[f"{name}.{k}", v, nan, nan, nan, nan, unit] for k, v in value.items()]
            elif unit == "share":
                rows.append([name, value, nan, nan, nan, nan, unit])
            elif isinstance(value, int | float) and not isinstance(value, bool):
                rows.append([name, value, value, value, value, value, unit])
        table = pd.DataFrame(rows, columns=["measure", *COLUMNS]).set_index("measure")
        table[COLUMNS[:-1]] = table[COLUMNS[:-1]].astype(float)
        return table


def simulate(
    bundle: str | Path | Scenario,
    mode: Mode = "after",
    levers: Iterable[str] | None = None,
    options: RunOptions | None = None,
) -> Result:
    """Run one process (``mode`` before or after, or exactly ``levers``) over the
    replications of ``options`` (default: the scenario's run settings) and measure it;
    ``Overloaded`` when more applicants arrive than the windows can ever serve.

    ``bundle`` is a catalog name, a scenario file or a ``Scenario`` (e.g. one made with
    ``with_changes(scenario, {...})``)."""
    o = options or RunOptions()
    scenario = load(bundle)
    o.check(scenario)
    process = Process.of(scenario, mode, levers)
    results = run_replications(
        process,
        o.replications,
        o.seed,
        o.horizon_days,
        o.warmup_days,
        o.jobs,
        o.export,
        o.progress,
        o.count,
    )
    return Result(process, results)


@dataclass(repr=False)
class Comparison:
    """Before against after on the same random numbers."""

    scenario: Scenario
    before: Result
    after: Result

    def __repr__(self) -> str:
        return f"Comparison({self.scenario.name}: {self.before!r} vs {self.after!r})"

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "before": self.before.measures,
            "after": self.after.measures,
        }

    def table(self) -> pd.DataFrame:
        """Tidy: one row per process and measure (columns process, measure, mean,
        ci95_low, ci95_high, p50, p90, unit), before's rows first."""
        import pandas as pd

        frames = {"before": self.before.table(), "after": self.after.table()}
        return pd.concat(frames, names=["process", "measure"]).reset_index()

    def changes(self) -> pd.DataFrame:
        """Means side by side: measure x before / after / change_pct (negative is a
        reduction) and unit, in before's order."""
        import pandas as pd

        b, a = self.before.table(), self.after.table()
        rows = b.index.append(a.index.difference(b.index, sort=False))  # before's order
        table = pd.DataFrame({"before": b["mean"].reindex(rows), "after": a["mean"].reindex(rows)})
        table["change_pct"] = [change(x, y) for x, y in zip(table.before, table.after, strict=True)]
        table["unit"] = b["unit"].reindex(rows).fillna(a["unit"].reindex(rows))
        return table


def compare(
    bundle: str | Path | Scenario,
    levers: Iterable[str] | None = None,
    options: RunOptions | None = None,
) -> Comparison:
    """Before (no levers) against after (the scenario's levers, or the ones given)."""
    scenario = load(bundle)
    return Comparison(
        scenario,
        simulate(scenario, "before", None, options),
        simulate(scenario, "after", levers, options),
    )


MEASURES = ("steps", "materials", "trips", "form_fields", "time_working_days")


def calibrate(
    bundles: Iterable[str] | None = None, options: RunOptions | None = None
) -> list[dict[str, Any]]:
    """Each bundle's published figures against the model: counts must match exactly,
    time within ``TIME_TOLERANCE``.  A figure published as a reduction (减少 5 次跑动) is
    compared with before minus after.  Measures with no published before or after figure
    are listed with ``published: None`` so the gap is visible."""
    rows = []
    for name in bundles or catalog_names():
        scenario = load(name)
        model: dict[str, dict[str, float]] = {}
        for mode in ("before", "after"):
            result = simulate(scenario, mode, None, options)
            model[mode] = {
                **counts(Process.of(scenario, mode)),
                "time_working_days": result.measures["time_working_days"]["mean"],
            }
        model["reduction"] = {m: model["before"][m] - model["after"][m] for m in MEASURES}
        for mode in ("before", "after", "reduction"):
            figures = {f.measure: f for f in scenario.published if f.mode == mode}
            for measure in MEASURES:
                if mode == "reduction" and measure not in figures:
                    continue
                rows.append(_compared(scenario.name, mode, measure, model[mode][measure], figures))
    return rows


def _compared(
    scenario: str, mode: str, measure: str, simulated: float, figures: dict[str, PublishedFigure]
) -> dict[str, Any]:
    figure = figures.get(measure)
    row: dict[str, Any] = {
        "scenario": scenario,
        "mode": mode,
        "measure": measure,
        "published": figure.value if figure else None,
        "simulated": simulated,
        "rel_error": None,
        "within_tolerance": None,
        "source": figure.source if figure else None,
    }
    if figure is not None:
        error = (simulated - figure.value) / figure.value if figure.value else simulated
        tolerance = TIME_TOLERANCE if measure == "time_working_days" else 0.0
        row["rel_error"] = error
        row["within_tolerance"] = abs(error) <= tolerance + 1e-12
    return row


@dataclass(frozen=True)
class WalkStep:
    """One activity of the walked applicant: from ``start`` to ``end`` (calendar time;
    ``end`` may be on a later day), what, where, how long (calendar minutes) and the
    details, and how long in working days."""

    start: dt.datetime
    end: dt.datetime
    activity: str
    place: str
    minutes: float
    detail: str
    working_days: float
    """The step's length in the scenario's working time, as promised limits count it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
            "activity": self.activity,
            "place": self.place,
            "minutes": self.minutes,
            "detail": self.detail,
            "working_days": self.working_days,
        }


@dataclass
class Walk:
    """One applicant's journey: ``steps`` in time order and a ``summary`` (arrival and
    done as datetimes, time, trips, waiting, within the promised time)."""

    process: Process
    case_id: int
    steps: list[WalkStep]
    summary: dict[str, Any]

    def __repr__(self) -> str:
        return (
            f"Walk({self.process.scenario.name}, {self.process.label}, applicant "
            f"#{self.case_id}, {len(self.steps)} steps)"
        )

    def table(self) -> pd.DataFrame:
        """The steps as a DataFrame; ``start`` and ``end`` are ``pandas.Timestamp``."""
        import pandas as pd

        frame = pd.DataFrame([step.__dict__ for step in self.steps])
        for column in ("start", "end"):
            frame[column] = pd.to_datetime(frame[column])
        return frame

    def to_json(self) -> dict[str, Any]:
        summary = {
            k: v.isoformat(timespec="minutes") if isinstance(v, dt.datetime) else v
            for k, v in self.summary.items()
        }
        return {
            "scenario": self.process.scenario.name,
            "levers": sorted(self.process.levers),
            "case": self.case_id,
            "summary": summary,
            "steps": [step.to_json() for step in self.steps],
        }


def copies_counted(detail: str) -> str:
    """An event's detail with a material handed over in several copies named once with
    their count (siloed, each item asks for its own): ``Parents' ID cards ×2``.  The event
    log keeps one name per copy."""
    parts = []
    for part in detail.split(" | "):
        filed, marker, materials = part.partition("; materials: ")
        if marker:
            again, _, materials = materials.rpartition("(补正): ")
            copies = Counter(materials.split("; "))
            names = [name if n == 1 else f"{name} ×{n}" for name, n in copies.items()]
            part = f"{filed}{marker}{again}{'(补正): ' if again else ''}{'; '.join(names)}"
        parts.append(part)
    return " | ".join(parts)


def walk(
    bundle: str | Path | Scenario,
    mode: Mode = "before",
    levers: Iterable[str] | None = None,
    seed: int | None = None,
) -> Walk:
    """Follow one applicant step by step: the first case after the warm-up (the lowest
    case number measured), so that with one seed the before and the after walk follow
    the same applicant, arriving at the same time with the same draws.

    Runs one replication to find that applicant, then the same replication again (same
    seed, so the same history) recording every event of theirs.
    """
    scenario = load(bundle)
    RunOptions(seed=seed).check(scenario)
    process = Process.of(scenario, mode, levers)
    replication_seed = replication_seeds(scenario.run.seed if seed is None else seed, 1)[0]

    class FirstMeasured(CaseRecorder):
        def case(self, row: tuple) -> None:
            if self.summary is None or row[1] < self.summary[1]:
                self.summary = row

    finder = FirstMeasured(-1)
    Replication(process, replication_seed, recorder=finder).run()
    if finder.summary is None:
        raise RunError(f"{scenario.name}: no applicant arrived after the warm-up")
    case_id = finder.summary[1]
    recorder = CaseRecorder(case_id)
    Replication(process, replication_seed, recorder=recorder).run()
    calendar = WorkingCalendar(scenario.calendar, scenario.run.start_date)
    stamp = calendar.timestamp
    per_day = calendar.minutes_per_day
    steps = [
        WalkStep(
            stamp(r[4]),
            stamp(r[5]),
            r[2],
            process.place_name(r[3]),
            r[5] - r[4],
            copies_counted(r[7]),
            calendar.working_between(r[4], r[5]) / per_day,
        )
        for r in sorted(recorder.rows, key=lambda r: (r[4], r[5]))
    ]
    assert recorder.summary is not None
    _, _, arrival, end, days, hours, wait, trips, within = recorder.summary
    return Walk(
        process,
        case_id,
        steps,
        {
            "arrival": stamp(arrival),
            "done": stamp(end),
            "time_working_days": days,
            "time_calendar_hours": hours,
            "wait_minutes": wait,
            "trips": trips,
            "within_promise": within,
            "start": process.place_name(scenario.applicants.start),
        },
    )


@dataclass
class LiveOutcome:
    """One mode of a live run: the harness's result, its measures (``live.measures_of``:
    the compare measures, ``infra`` and ``reconciliation``) and, when asked for, the DES on
    the same arrivals and the verdict on their agreement."""

    result: LiveResult
    measures: dict[str, Any]
    bootstrap: str
    """The broker's address (the embedded one's, when onething started it)."""
    des: dict[str, Any] | None = None
    agreement: dict[str, Any] | None = None


def live(
    bundle: str,
    modes: Iterable[Mode] = ("after",),
    levers: Iterable[str] | None = None,
    *,
    speedup: float = 500.0,
    duration_days: int = 5,
    rate: float | None = None,
    seed: int = 1,
    infra_only: bool = False,
    drain_seconds: float = 300.0,
    bootstrap: str | None = None,
    external_services: bool = False,
    topology: str = "per-department",
    replicas: dict[str, int] | None = None,
    chaos: str | None = None,
    brokers: int = 1,
    agreement_replications: int | None = None,
    keep_files: bool = False,
    say: Callable[[str], None] | None = None,
    stage: Callable[[str], None] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    watch: Watch | None = None,
) -> dict[str, LiveOutcome]:
    """A live run of ``bundle`` (a catalog name or a file the services can read), each
    mode in turn: the embedded broker unless ``bootstrap`` names one, the services
    onething starts unless ``external_services``, the harness replaying applicants in
    scaled real time, optionally struck by ``chaos``; ``brokers`` > 1: the embedded
    broker is a Kafka cluster of that many nodes; with ``agreement_replications``,
    the DES is run on the very arrivals each mode replayed.  The CLI's ``live`` and the
    workbench's live dashboard both run this.

    ``say`` hears the start-up lines, ``stage`` the stages ("starting", "agreement"),
    ``progress`` (mode, finished, total), ``watch`` gives each mode's ticker."""
    say = say or (lambda _line: None)
    scenario = load_scenario(bundle)
    modes = list(modes)
    levers = None if levers is None else frozenset(levers)
    settings = LiveSettings(
        bootstrap=bootstrap or "",
        speedup=speedup,
        duration_days=duration_days,
        rate=rate,
        infra_only=infra_only,
        seed=seed,
        drain_seconds=drain_seconds,
    )
    if stage:
        stage("starting")
    with run_directory(keep_files, say) as run_dir:
        results = run_live(
            bundle,
            scenario,
            modes,
            levers,
            settings,
            external_services,
            bootstrap,
            progress,
            chaos,
            topology,
            replicas,
            run_dir,
            say,
            watch,
            brokers,
        )
    outcomes = {
        mode: LiveOutcome(result, measures_of(result), settings.bootstrap)
        for mode, result in results.items()
    }
    if agreement_replications:
        if stage:
            stage("agreement")
        for mode, outcome in outcomes.items():
            outcome.des = des_on_same_arrivals(
                scenario, mode, levers, outcome.result.arrivals, agreement_replications
            )
            outcome.agreement = agreement(outcome.result, outcome.measures, outcome.des)
    return outcomes
