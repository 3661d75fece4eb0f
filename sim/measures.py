"""The measures of one process, as printed by ``compare``/``simulate`` and their --json.

Counts come from the process (``scenarios.counts``); times, waits, observed trips,
utilisation and the share within the promised time come from the replications.  A
distribution measure is ``{"mean", "p50", "p90", "ci95"}``: the mean of the replication
means with its Student-t interval, and the replications' quantiles averaged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from onething.scenarios.counts import counts, mean_counts, promise_working_days, unknown
from onething.scenarios.journey import Choices
from onething.scenarios.levers import Process
from onething.sim.engine import ReplicationResult
from onething.sim.statistics import non_negative, t_interval

# Result field -> what the applicant experienced per case.
DISTRIBUTIONS = {
    "time_working_days": "time_working_days",
    "time_calendar_hours": "time_calendar_hours",
    "wait_minutes": "wait_minutes",
    "trips_observed": "trips",
}


def _nan_to_none(x: float) -> float | None:
    return None if math.isnan(x) else x


def distribution(results: Sequence[ReplicationResult], stat: str) -> dict[str, Any]:
    means = [r.stats[stat].mean for r in results if r.stats[stat].count]
    p50 = [r.stats[stat].quantile(0.5) for r in results if r.stats[stat].count]
    p90 = [r.stats[stat].quantile(0.9) for r in results if r.stats[stat].count]
    interval = t_interval(means)

    def avg(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    return {
        "mean": avg(means),
        "p50": avg(p50),
        "p90": avg(p90),
        "ci95": non_negative(interval),
    }


def measures(process: Process, results: Sequence[ReplicationResult]) -> dict[str, Any]:
    cases = sum(r.cases for r in results)
    places = process.places
    m: dict[str, Any] = {
        "levers": sorted(process.levers),
        **counts(process),
        "cases": cases,
        "replications": len(results),
        **{name: distribution(results, stat) for name, stat in DISTRIBUTIONS.items()},
        "utilisation": {p: sum(r.utilisation[p] for r in results) / len(results) for p in places},
        "wait_minutes_by_place": {
            p: _nan_to_none(sum(r.place_wait[p] for r in results) / len(results)) for p in places
        },
        "within_promise": sum(r.within_promise for r in results) / cases if cases else None,
        "promise_working_days": promise_working_days(process),
        "arrived": sum(r.arrived for r in results),
        "unfinished": sum(r.unfinished for r in results),
    }
    if Choices(process):  # the counts above are the full bundle's
        m["counts_per_applicant"] = mean_counts(process)
    return _mark_unknown(process, m)


def _mark_unknown(process: Process, m: dict[str, Any]) -> dict[str, Any]:
    """A measure computed from a placeholder is unknown, and says which placeholders."""
    missing = unknown(process.scenario)
    if "promise_working_days" in missing:
        m["within_promise"] = m["promise_working_days"] = None
    if missing:
        m["unknown"] = missing
    return m


def change(before: float | None, after: float | None) -> float | None:
    """Relative change in percent (negative is a reduction)."""
    if before is None or after is None or before == 0:
        return None
    return 100.0 * (after - before) / before


def from_cases(
    process: Process,
    rows: Sequence[tuple[float, float, float, int]],
    utilisation: dict[str, float],
    arrived: int,
    within: int,
) -> dict[str, Any]:
    """The same measures for one live run: ``rows`` are (working days, calendar hours,
    wait minutes, trips) per completed case, ``within`` how many of them finished within
    the promise (``mechanics.within_promise``); the intervals are over cases."""
    columns = dict(zip(DISTRIBUTIONS, zip(*rows, strict=True), strict=False)) if rows else {}

    def summary(values: Sequence[float]) -> dict[str, Any]:
        if not values:
            return {"mean": None, "p50": None, "p90": None, "ci95": [None, None]}
        ordered = sorted(values)
        interval = t_interval(values)
        return {
            "mean": sum(values) / len(values),
            "p50": ordered[len(ordered) // 2],
            "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
            "ci95": non_negative(interval),
        }

    promise = promise_working_days(process)
    return {
        "levers": sorted(process.levers),
        **counts(process),
        "cases": len(rows),
        "replications": 1,
        **{name: summary(columns.get(name, ())) for name in DISTRIBUTIONS},
        "utilisation": utilisation,
        "within_promise": within / len(rows) if rows else None,
        "promise_working_days": promise,
        "arrived": arrived,
        "unfinished": arrived - len(rows),
    }  # the live twin runs catalog bundles, which have no placeholders
