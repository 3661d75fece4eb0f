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


# --- staffing ------------------------------------------------------------------------

WITHIN = "within_promise"


def staffing_name(windows: dict[str, int]) -> str:
    """One name per window vector, e.g. ``market_regulation=2,health=1``."""
    return ",".join(f"{place}={n}" for place, n in windows.items())


def next_staffing(
    windows: dict[str, int], utilisation: dict[str, float], max_windows: int
) -> dict[str, int] | None:
    """One more window at the busiest place that may still grow (None: all at the cap)."""
    open_places = [p for p in windows if windows[p] < max_windows]
    if not open_places:
        return None
    busiest = max(open_places, key=lambda p: utilisation.get(p, 0.0))
    return {p: n + (p == busiest) for p, n in windows.items()}


def staffing(
    summary: pd.DataFrame,
    steps: Sequence[dict[str, int]],
    target: float,
    max_windows: int,
) -> dict[str, Any]:
    """The search path (one window vector per step, in order) with each step's share of
    cases within the promised time; the answer is the first step whose mean share meets
    the target, else the search goes on (``next``) or has hit ``max_windows``."""
    by_variant = {v: rows.set_index("measure") for v, rows in summary.groupby("variant")}
    path = []
    for i, windows in enumerate(steps):
        rows = by_variant[staffing_name(windows)]
        utilisation = {
            m.removeprefix(UTILISATION): float(rows.at[m, "mean"])
            for m in rows.index
            if m.startswith(UTILISATION)
        }
        within = _none(float(rows.at[WITHIN, "mean"]))
        path.append(
            {
                "step": i,
                "variant": staffing_name(windows),
                "windows": dict(windows),
                "total_windows": sum(windows.values()),
                "within_promise": within,
                "ci95": [_none(float(rows.at[WITHIN, k])) for k in ("ci95_low", "ci95_high")],
                "time_mean": _none(float(rows.at[TIME, "mean"])),
                "utilisation": utilisation,
                "bottleneck": max(utilisation, key=utilisation.__getitem__)
                if utilisation
                else None,
            }
        )
    met = next(
        (p for p in path if p["within_promise"] is not None and p["within_promise"] >= target), None
    )
    last = path[-1]
    following = None if met else next_staffing(last["windows"], last["utilisation"], max_windows)
    if met:
        message = (
            f"{met['total_windows']} windows ({met['variant']}) keep "
            f"{met['within_promise']:.1%} of cases within the promised time "
            f"(target {target:.0%})"
        )
    elif following is None:
        best = max(path, key=lambda p: p["within_promise"] or 0.0)
        share = "-" if best["within_promise"] is None else f"{best['within_promise']:.1%}"
        message = (
            f"target {target:.0%} not reached with up to {max_windows} "
            f"window{'s' if max_windows != 1 else ''} per place: "
            f"the best is {share} at {best['variant']}"
        )
    else:
        message = f"searching: next {staffing_name(following)}"
    return {
        "target": target,
        "max_windows": max_windows,
        "places": list(steps[0]),
        "path": path,
        "answer": dict(met["windows"]) if met else None,
        "answer_step": met["step"] if met else None,
        "reached": met is not None,
        "next": following,
        "message": message,
    }


# --- sensitivity ---------------------------------------------------------------------

BASELINE = "baseline"


def sensitivity_name(parameter: str, value: float) -> str:
    return f"{parameter}={value:g}"


def sensitivity(
    summary: pd.DataFrame, ranges: Sequence[tuple[str, float, float]]
) -> dict[str, Any]:
    """One-at-a-time swings of mean time: for each ``(name, low, high)``, the mean at the
    low and at the high value and the swing |high - low|, largest swing first."""
    means = _means(summary)
    rows = summary.set_index(["variant", "measure"])
    baseline = means[(BASELINE, TIME)]
    parameters = []
    for name, low, high in ranges:
        at_low = means[(sensitivity_name(name, low), TIME)]
        at_high = means[(sensitivity_name(name, high), TIME)]
        parameters.append(
            {
                "name": name,
                "low": low,
                "high": high,
                "time_low": _none(at_low),
                "time_high": _none(at_high),
                "swing": _none(abs(at_high - at_low)),
            }
        )
    parameters.sort(key=lambda p: -math.inf if p["swing"] is None else p["swing"], reverse=True)
    return {
        "measure": TIME,
        "baseline": {
            "time_mean": _none(baseline),
            "ci95": [_none(float(rows.at[(BASELINE, TIME), k])) for k in ("ci95_low", "ci95_high")],
        },
        "parameters": parameters,
    }
