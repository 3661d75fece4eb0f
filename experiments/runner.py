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

from onething.experiments.distributed import run_remote
from onething.experiments.job import CACHE_VERSION, Job, measure_job, scenario_digest
from onething.experiments.spec import Experiment
from onething.experiments.studies import KINDS
from onething.experiments.studies.kind import ECDF_PREFIX, Kind
from onething.experiments.variants import Variant
from onething.experiments.wire import decode_row, encode_row
from onething.sim.engine import replication_seeds
from onething.sim.statistics import t_interval


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


def plan(experiment: Experiment, variants: list[Variant] | None = None) -> Plan:
    """The jobs of ``variants`` (default: the kind's first ones)."""
    variants = kind(experiment).variants(experiment) if variants is None else variants
    seeds = replication_seeds(experiment.seed, experiment.spec.replications)
    jobs = []
    for variant in variants:
        scenario = scenario_digest(variant.process)
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


def _compute(jobs: list[Job], workers: int) -> Iterator[tuple[str, dict[str, float]]]:
    if workers <= 1:
        yield from map(measure_job, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(measure_job, job) for job in jobs]):
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
