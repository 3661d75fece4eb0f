"""A job: one replication of one variant, the unit an experiment computes, caches and
sends to workers; the same ``measure`` runs it in the local process pool and on an
``onething worker`` (``experiments.distributed``)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from onething.experiments.studies.kind import (
    ECDF_LEVELS,
    ECDF_PREFIX,
    TIME,
    UNFINISHED,
    UTILISATION,
)
from onething.scenarios.counts import counts
from onething.scenarios.levers import Process
from onething.sim.engine import Replication, ReplicationResult

CACHE_VERSION = 2
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


def scenario_digest(process: Process) -> str:
    """What a replication's result depends on in the scenario, its arrival trace included."""
    s = process.scenario
    digest = hashlib.sha256(s.model_dump_json().encode())
    if s.applicants.arrivals.trace is not None:
        digest.update(Path(s.applicants.arrivals.trace).read_bytes())
    return digest.hexdigest()


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


def measure_job(job: Job) -> tuple[str, dict[str, float]]:
    """Run ``job``: its cache key and its measures row."""
    result = Replication(
        job.process, job.seed, job.replication, job.horizon_days, job.warmup_days
    ).run()
    return job.key, replication_row(job.process, result)
