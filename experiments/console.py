"""The short human summary of an experiment: tables of numbers the CLI formats and
prints (the full figures are in the output folder)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from onething.experiments.runner import Outcome
from onething.experiments.studies import TIME

Cell = str | float | int | None
PARTS = ("alone", "all_but_one", "cumulative")
HEADS = ("alone", "all-but-one", "cumulative")


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:+.3g}"


def _attribution(study: dict) -> Table:
    time, trips = study["measures"][TIME], study["measures"]["trips"]
    rows: list[list[Cell]] = [
        [lever, *(m[part][lever] for m in (time, trips) for part in PARTS)]
        for lever in study["order"]
    ]
    rows.append(["sum", *(sum(m[part].values()) for m in (time, trips) for part in PARTS)])
    return Table(
        f"{study['bundle']}: lever attribution (differences in means vs before, "
        f"{study['replications']} replications)",
        ["lever", *(f"{m} {part}" for m in ("time", "trips") for part in HEADS)],
        rows,
        [
            f"all levers vs before: time {time['before']:.3g} -> {time['all']:.3g} working days "
            f"({_fmt(time['difference'])}), trips {trips['before']:g} -> {trips['all']:g} "
            f"({_fmt(trips['difference'])})",
            f"interaction (difference - sum of alone): time {_fmt(time['interaction'])}, "
            f"trips {_fmt(trips['interaction'])}",
            "cumulative order: " + " -> ".join(study["order"]),
        ],
    )


def _sweep(study: dict) -> Table:
    bottleneck = study["bottleneck"]
    rows: list[list[Cell]] = [
        [
            p["rate"],
            p["time_mean"],
            p["ci95"][0],
            p["ci95"][1],
            p["utilisation"].get(bottleneck),
            p["unfinished"],
        ]
        for p in study["points"]
    ]
    knee = study["knee"]
    return Table(
        f"{study['bundle']}: load sweep ({study['replications']} replications per rate)",
        ["rate/day", "mean time", "ci95 low", "ci95 high", f"util. {bottleneck}", "unfinished"],
        rows,
        [
            f"bottleneck: {bottleneck} (the busiest place at the heaviest rate)",
            f"knee: {knee:g} arrivals per working day (mean time over "
            f"{study['knee_factor']:g}x the lightest rate's, or unfinished cases)"
            if knee is not None
            else "knee: none within these rates",
        ],
    )


def _variants(study: dict, summary: pd.DataFrame) -> Table:
    mean = summary.set_index(["variant", "measure"])
    rows: list[list[Cell]] = []
    for name, levers in study["variants"].items():
        time = mean.loc[(name, TIME)]
        rows.append(
            [
                name,
                "+".join(levers) or "before",
                time["mean"],
                time["ci95_low"],
                time["ci95_high"],
                mean.loc[(name, "trips_observed.mean"), "mean"],
                mean.loc[(name, "within_promise"), "mean"],
            ]
        )
    return Table(
        f"{study['bundle']}: {len(rows)} variants ({study['replications']} replications each)",
        ["variant", "levers", "mean time", "ci95 low", "ci95 high", "trips", "within promise"],
        rows,
    )


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _staffing(study: dict) -> Table:
    places = study["places"]
    rows: list[list[Cell]] = [
        [
            p["step"],
            *(p["windows"][place] for place in places),
            _pct(p["within_promise"]),
            f"{_pct(p['ci95'][0])} .. {_pct(p['ci95'][1])}",
            p["time_mean"],
            p["bottleneck"],
            p["utilisation"].get(p["bottleneck"]) if p["bottleneck"] else None,
        ]
        for p in study["path"]
    ]
    answer = study["answer"]
    return Table(
        f"{study['bundle']}: fewest windows for {study['target']:.0%} within the promised time "
        f"at {study['arrivals_per_day']:g} arrivals/day ({study['replications']} replications "
        "per step)",
        ["step", *places, "within promise", "ci95", "mean time", "busiest", "util."],
        rows,
        [
            ("answer: " if answer else "no answer: ") + study["message"],
            "each step adds one window at the previous step's busiest place (utilisation "
            "= offered window work / window capacity)",
        ],
    )


def _sensitivity(study: dict) -> Table:
    base = study["baseline"]
    rows: list[list[Cell]] = [
        [p["name"], p["low"], p["high"], p["time_low"], p["time_high"], p["swing"]]
        for p in study["parameters"]
    ]
    ci = base["ci95"]
    band = "" if None in ci else f" (95 % CI {ci[0]:.3g} .. {ci[1]:.3g})"
    return Table(
        f"{study['bundle']}: sensitivity of mean time, one parameter at a time "
        f"({study['replications']} replications each)",
        ["parameter", "low", "high", "time at low", "time at high", "swing"],
        rows,
        [
            f"baseline (every scale 1, the scenario's arrival rate): "
            f"{'-' if base['time_mean'] is None else format(base['time_mean'], '.3g')} "
            f"working days{band}",
            "sorted by swing = |time at high - time at low|",
        ],
    )


def report(outcome: Outcome) -> Table:
    study = outcome.study
    if study["kind"] == "lever_attribution":
        table = _attribution(study)
    elif study["kind"] == "load_sweep":
        table = _sweep(study)
    elif study["kind"] == "staffing":
        table = _staffing(study)
    elif study["kind"] == "sensitivity":
        table = _sensitivity(study)
    else:
        table = _variants(study, outcome.summary)
    table.notes.append(
        f"{outcome.computed} replications computed, {outcome.reused} reused from the cache"
    )
    return table
