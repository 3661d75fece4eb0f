"""The built-in studies, as pure functions of the summary table (variant, measure, mean,
ci95_low, ci95_high): testable without a simulation, re-computable from summary.csv."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

TIME = "time_working_days.mean"
UNFINISHED = "unfinished"
UTILISATION = "utilisation."
ATTRIBUTION_MEASURES = (TIME, "trips", "materials", "steps")
KNEE_FACTOR = 1.5
"""The knee: the first rate whose mean time exceeds this multiple of the lightest's."""


def set_name(levers: Iterable[str], order: Sequence[str]) -> str:
    """One name per lever set (levers in ``order``), so equal sets share one variant."""
    chosen = set(levers)
    return "+".join(lever for lever in order if lever in chosen) or "before"


def attribution_sets(levers: Sequence[str], order: Sequence[str]) -> list[list[str]]:
    """Before, each lever alone, all but each one, the cumulative chain, all: each once."""
    candidates = [
        [],
        *([lever] for lever in levers),
        *([x for x in levers if x != lever] for lever in levers),
        *(list(order[: k + 1]) for k in range(len(order))),
        list(levers),
    ]
    unique: dict[str, list[str]] = {}
    for levers_on in candidates:
        unique.setdefault(set_name(levers_on, order), levers_on)
    return list(unique.values())


def rate_name(rate: float) -> str:
    return f"rate={rate:g}"


def _means(summary: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (v, m): float(x)
        for v, m, x in zip(summary["variant"], summary["measure"], summary["mean"], strict=True)
    }


def _none(x: float) -> float | None:
    return None if math.isnan(x) else x


def lever_attribution(
    summary: pd.DataFrame, levers: Sequence[str], order: Sequence[str]
) -> dict[str, Any]:
    """Per measure: each lever alone (vs before), all-but-one (all minus all-without-it),
    and its increment along ``order``.  The increments telescope to the all-levers
    difference; what the alone effects miss of it is the interaction."""
    means = _means(summary)
    result: dict[str, Any] = {"levers": list(levers), "order": list(order), "measures": {}}
    for measure in ATTRIBUTION_MEASURES:

        def value(on: Iterable[str], measure: str = measure) -> float:
            return means[(set_name(on, order), measure)]

        before, everything = value([]), value(levers)
        difference = everything - before
        alone = {lever: value([lever]) - before for lever in levers}
        result["measures"][measure] = {
            "before": before,
            "all": everything,
            "difference": difference,
            "alone": alone,
            "all_but_one": {
                lever: everything - value(x for x in levers if x != lever) for lever in levers
            },
            "cumulative": {
                lever: value(order[: k + 1]) - value(order[:k]) for k, lever in enumerate(order)
            },
            "interaction": difference - math.fsum(alone.values()),
        }
    return result


def load_sweep(summary: pd.DataFrame, rates: Sequence[float]) -> dict[str, Any]:
    """The load-latency curve; the bottleneck is the busiest place at the heaviest rate,
    the knee the first rate where time blows up (or cases stop finishing)."""
    by_variant = {v: rows for v, rows in summary.groupby("variant", sort=False)}
    points = []
    for rate in sorted(rates):
        rows = by_variant[rate_name(rate)].set_index("measure")
        utilisation = {
            m.removeprefix(UTILISATION): float(rows.at[m, "mean"])
            for m in rows.index
            if m.startswith(UTILISATION)
        }
        points.append(
            {
                "rate": rate,
                "variant": rate_name(rate),
                "time_mean": _none(float(rows.at[TIME, "mean"])),
                "ci95": [_none(float(rows.at[TIME, k])) for k in ("ci95_low", "ci95_high")],
                "unfinished": float(rows.at[UNFINISHED, "mean"]),
                "utilisation": utilisation,
            }
        )
    heaviest = points[-1]["utilisation"]
    bottleneck = max(heaviest, key=heaviest.__getitem__) if heaviest else None
    light = points[0]["time_mean"]
    knee = next(
        (
            p["rate"]
            for p in points
            if p["unfinished"] > 0
            or p["time_mean"] is None
            or (light is not None and p["time_mean"] > KNEE_FACTOR * light)
        ),
        None,
    )
    return {"points": points, "bottleneck": bottleneck, "knee": knee, "knee_factor": KNEE_FACTOR}
