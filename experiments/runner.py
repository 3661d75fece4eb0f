"""Run an experiment: every variant x replication as one flat batch over the cores.

Each replication is keyed by a hash of everything its result depends on (the modified
scenario, the levers, its seed, horizon and warm-up); a result already in the output
folder's ``cache/`` is read back instead of simulated, so a re-run, a longer run (more
replications) or a spec with one variant changed only computes what is new.  The seeds
are ``sim.engine.replication_seeds``, the same for every variant (common random numbers),
so a variant's numbers equal ``onething simulate`` with the same seed and settings.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from onething.experiments.spec import Experiment
from onething.experiments.studies import KINDS
from onething.experiments.studies.kind import TIME, UNFINISHED, UTILISATION, Kind
from onething.experiments.variants import Variant
from onething.experiments.wire import decode_row, encode_row
from onething.scenarios.counts import counts
from onething.scenarios.levers import Process
from onething.sim.engine import Replication, ReplicationResult, replication_seeds
from onething.sim.statistics import t_interval

CACHE_VERSION = 2
ECDF_PREFIX = "time_working_days.q"
ECDF_LEVELS = range(5, 100, 5)
"""Quantiles of end-to-end time kept per replication, for each variant's ECDF."""
"""Bump when the engine changes what a replication returns for the same inputs."""


@dataclass(frozen=True)
class Job:
    variant: str
    replication: int
    process: Process
    seed: int
    horizon_days: int
    warmup_days: int
    key: str


@dataclass(frozen=True)
class Plan:
    experiment: Experiment
    variants: list[Variant]
    jobs: list[Job]


@dataclass
class Outcome:
    plan: Plan
    results: pd.DataFrame
    summary: pd.DataFrame
    study: dict[str, Any]
    reused: int
    computed: int
    files: list[Path]


def kind(experiment: Experiment) -> Kind:
    return KINDS[experiment.spec.kind]


def _scenario_digest(process: Process) -> str:
    s = process.scenario
    digest = hashlib.sha256(s.model_dump_json().encode())
    if s.applicants.arrivals.trace is not None:
        digest.update(Path(s.applicants.arrivals.trace).read_bytes())
    return digest.hexdigest()


def plan(experiment: Experiment, variants: list[Variant] | None = None) -> Plan:
    """The jobs of ``variants`` (default: the kind's first ones)."""
    variants = kind(experiment).variants(experiment) if variants is None else variants
    seeds = replication_seeds(experiment.seed, experiment.spec.replications)
    jobs = []
    for variant in variants:
        scenario = _scenario_digest(variant.process)
        for index, seed in enumerate(seeds):
            inputs = {
                "cache_version": CACHE_VERSION,
                "scenario": scenario,
                "levers": sorted(variant.process.levers),
                "seed": seed,
                "replication": index,
                "horizon_days": experiment.horizon_days,
                "warmup_days": experiment.warmup_days,
            }
            key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
            jobs.append(
                Job(
                    variant.name,
                    index,
                    variant.process,
                    seed,
                    experiment.horizon_days,
                    experiment.warmup_days,
                    key,
                )
            )
    return Plan(experiment, variants, jobs)


def replication_row(process: Process, r: ReplicationResult) -> dict[str, float]:
    """One replication's measures, named as in the tidy table (``M`` of the README, per
    replication; NaN where no case was measured)."""
    nan = math.nan
    time, wait, trips = r.stats["time_working_days"], r.stats["wait_minutes"], r.stats["trips"]
    measured = r.cases > 0
    return {
        TIME: time.mean if measured else nan,
        "time_working_days.p50": time.quantile(0.5),
        "time_working_days.p90": time.quantile(0.9),
        **{f"{ECDF_PREFIX}{q:02d}": time.quantile(q / 100) for q in ECDF_LEVELS},
        "wait_minutes.mean": wait.mean if measured else nan,
        "trips_observed.mean": trips.mean if measured else nan,
        "within_promise": r.within_promise / r.cases if measured else nan,
        **{f"{UTILISATION}{place}": u for place, u in r.utilisation.items()},
        **{name: float("nan") if n is None else float(n) for name, n in counts(process).items()},
        "cases": float(r.cases),
        UNFINISHED: float(r.unfinished),
    }


def _measure(job: Job) -> tuple[str, dict[str, float]]:
    result = Replication(
        job.process, job.seed, job.replication, job.horizon_days, job.warmup_days
    ).run()
    return job.key, replication_row(job.process, result)


def _compute(jobs: list[Job], workers: int) -> Iterator[tuple[str, dict[str, float]]]:
    if workers <= 1:
        yield from map(_measure, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(_measure, job) for job in jobs]):
            yield future.result()


def _read_cache(path: Path) -> dict[str, float] | None:
    try:
        return decode_row(path.read_text())
    except (OSError, ValueError):
        return None  # absent or half-written: compute it again


def _write_cache(path: Path, row: dict[str, float]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(encode_row(row))
    os.replace(temporary, path)


def _results(plan: Plan, rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"variant": job.variant, "replication": job.replication, "measure": m, "value": v}
            for job in plan.jobs
            for m, v in rows[job.key].items()
        ],
        columns=["variant", "replication", "measure", "value"],
    )


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean over replications with the 95 % Student-t interval (NaN below two)."""
    rows = []
    for (variant, measure), group in results.groupby(["variant", "measure"], sort=False):
        values = [v for v in group["value"] if not math.isnan(v)]
        interval = t_interval(values) or (math.nan, math.nan)
        mean = sum(values) / len(values) if values else math.nan
        rows.append([variant, measure, mean, *interval])
    return pd.DataFrame(rows, columns=["variant", "measure", "mean", "ci95_low", "ci95_high"])


def _study(plan: Plan, summary: pd.DataFrame) -> dict[str, Any]:
    e = plan.experiment
    head = {
        "name": e.spec.name,
        "kind": e.spec.kind,
        "bundle": e.scenario.name,
        "replications": e.spec.replications,
        "horizon_days": e.horizon_days,
        "warmup_days": e.warmup_days,
        "seed": e.seed,
        "variants": {v.name: sorted(v.process.levers) for v in plan.variants},
    }
    return head | kind(e).study(e, plan.variants, summary)


def _jsonable(x: Any) -> Any:
    """NaN (no measured case, one replication) as null: strict JSON."""
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    return None if isinstance(x, float) and math.isnan(x) else x


def _write(plan: Plan, out: Path, outcome: Outcome) -> list[Path]:
    files = [out / "results.csv", out / "results.parquet", out / "summary.csv"]
    outcome.results.to_csv(files[0], index=False)
    outcome.results.to_parquet(files[1], index=False)
    outcome.summary.to_csv(files[2], index=False)
    study = out / "study.json"
    study.write_text(json.dumps(_jsonable(outcome.study), indent=2, ensure_ascii=False) + "\n")
    spec = out / "spec.yaml"
    shutil.copyfile(plan.experiment.path, spec)
    return [*files, study, spec, *draw(kind(plan.experiment), outcome.study, outcome.summary, out)]


def draw(k: Kind, study: dict[str, Any], summary: pd.DataFrame, out: Path) -> list[Path]:
    """Every plot of a study (the time plot and the kind's), from study.json and the
    summary alone: ``onething report`` redraws them from the saved files."""
    from onething.experiments.plots import summary_ecdf

    drawn = []
    if summary["measure"].str.startswith(ECDF_PREFIX).any():
        names = k.ecdf(study) if k.complete(study) else None
        title = str(study.get("name", ""))
        drawn.append(summary_ecdf(summary, out / "time_ecdf.png", title, names))
    return [*drawn, *(k.plots(study, out) if k.complete(study) else [])]


def run(
    first: Plan,
    out: Path,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    bootstrap: str | None = None,
) -> Outcome:
    """Run what is not cached yet (``jobs`` processes, default every core; or, with a
    Kafka ``bootstrap`` address, on the ``onething worker`` processes there); write the
    tables, the study, the plots and a copy of the spec into ``out``.  ``reused`` counts
    replications read from the cache or shared with an identical variant of this run.

    A kind that searches (``Kind.grow``) runs one round at a time, each adding the
    variants the previous round's study asks for; earlier rounds come back from the
    cache and the progress bar counts each job once."""
    current, computed, done = first, 0, 0
    while True:
        skip = done

        def tick(n: int) -> None:
            nonlocal skip
            taken = min(n, skip)
            skip -= taken
            if progress and n > taken:
                progress(n - taken)

        outcome = _run(current, out, jobs, tick, bootstrap)
        computed += outcome.computed
        done = len(current.jobs)
        more = kind(current.experiment).grow(current.experiment, current.variants, outcome.study)
        if not more:
            break
        current = plan(current.experiment, [*current.variants, *more])
    outcome.computed, outcome.reused = computed, len(current.jobs) - computed
    return outcome


def _run(
    plan: Plan,
    out: Path,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    bootstrap: str | None = None,
) -> Outcome:
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, float]] = {}
    pending: dict[str, Job] = {}
    for job in plan.jobs:
        if job.key in rows or job.key in pending:
            continue
        cached = _read_cache(cache / f"{job.key}.json")
        if cached is None:
            pending[job.key] = job
        else:
            rows[job.key] = cached
    reused = len(plan.jobs) - len(pending)
    if progress and reused:
        progress(reused)
    workers = min(jobs or os.cpu_count() or 1, len(pending))
    if bootstrap:  # on `onething worker` processes anywhere, through Kafka
        from onething.experiments.distributed import run_remote

        computed = run_remote(plan.experiment, plan.variants, list(pending.values()), bootstrap)
    else:
        computed = _compute(list(pending.values()), workers)
    for key, row in computed:
        _write_cache(cache / f"{key}.json", row)
        rows[key] = row
        if progress:
            progress(1)
    results = _results(plan, rows)
    summary = summarise(results)
    outcome = Outcome(plan, results, summary, _study(plan, summary), reused, len(pending), [])
    outcome.files = _write(plan, out, outcome)
    return outcome
