"""``kind: load_sweep``: one process at growing arrival rates.  The load-latency curve,
the bottleneck (the busiest place at the heaviest rate) and the knee (the first rate
whose mean time exceeds ``KNEE_FACTOR`` times the lightest's, or leaves cases
unfinished)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field

from onething.experiments.present import low_end, num, pct, table
from onething.experiments.spec import MAX_VARIANTS, Experiment, OneProcess, Overrides, Rate
from onething.experiments.studies.kind import (
    TIME,
    UNFINISHED,
    Kind,
    Table,
    busiest,
    by_variant,
    interval,
    lever_checks,
    none,
    utilisation,
)
from onething.experiments.studies.words import Finding, place_pair, word
from onething.experiments.variants import Variant
from onething.scenarios.errors import Problem
from onething.scenarios.model import Scenario

KNEE_FACTOR = 1.5
"""The knee: the first rate whose mean time exceeds this multiple of the lightest's."""


class LoadSweepSpec(OneProcess):
    kind: Literal["load_sweep"]
    rates: Annotated[list[Rate], Field(min_length=1, max_length=MAX_VARIANTS)]
    """Arrivals per working day, light to heavy."""


def check(spec: LoadSweepSpec, scenario: Scenario) -> Iterator[Problem]:
    yield from lever_checks("levers", spec.levers)


def rate_name(rate: float) -> str:
    return f"rate={rate:g}"


def variants(experiment: Experiment) -> list[Variant]:
    spec = experiment.spec
    return [
        Variant.of(
            rate_name(rate),
            experiment.scenario,
            spec.mode,
            spec.levers,
            Overrides(arrivals_per_day=rate),
        )
        for rate in spec.rates
    ]


def sweep(summary: pd.DataFrame, rates: Sequence[float]) -> dict[str, Any]:
    """The load-latency curve; the bottleneck is the busiest place at the heaviest rate,
    the knee the first rate where time blows up (or cases stop finishing)."""
    rows_of = by_variant(summary)
    points = []
    for rate in sorted(rates):
        rows = rows_of[rate_name(rate)]
        points.append(
            {
                "rate": rate,
                "variant": rate_name(rate),
                "time_mean": none(float(rows.at[TIME, "mean"])),
                "ci95": interval(rows, TIME),
                "unfinished": float(rows.at[UNFINISHED, "mean"]),
                "utilisation": utilisation(rows),
            }
        )
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
    return {
        "points": points,
        "bottleneck": busiest(points[-1]["utilisation"]),
        "knee": knee,
        "knee_factor": KNEE_FACTOR,
    }


def study(experiment: Experiment, chosen: list[Variant], summary: pd.DataFrame) -> dict[str, Any]:
    return sweep(summary, experiment.spec.rates)


def console(study: dict[str, Any], summary: pd.DataFrame) -> Table:
    bottleneck = study["bottleneck"]
    rows: list[list[Any]] = [
        [
            p["rate"],
            p["time_mean"],
            low_end(p["ci95"][0]),
            p["ci95"][1],
            p["utilisation"].get(bottleneck),
            p["unfinished"],
        ]
        for p in study["points"]
    ]
    knee = study["knee"]
    return Table(
        Finding("load_sweep.title", bundle=study["bundle"], replications=study["replications"]),
        [
            Finding("load_sweep.rate"),
            Finding("head.mean_time"),
            Finding("head.ci95_low"),
            Finding("head.ci95_high"),
            Finding("load_sweep.utilisation", place=bottleneck),
            Finding("load_sweep.unfinished"),
        ],
        rows,
        [
            Finding("load_sweep.bottleneck", place=bottleneck),
            Finding("load_sweep.knee", knee=knee, factor=study["knee_factor"])
            if knee is not None
            else Finding("load_sweep.no_knee"),
        ],
    )


def findings(
    study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None
) -> list[Finding]:
    points = [p for p in study["points"] if p.get("time_mean") is not None]
    found: list[Finding] = []
    if not study["points"]:
        return found
    light, heavy = study["points"][0], study["points"][-1]
    if light.get("time_mean") is not None:
        ci = light["ci95"]
        band = (
            ""
            if ci[0] is None
            else Finding("load_sweep.band", low=num(low_end(ci[0])), high=num(ci[1]))
        )
        found.append(
            Finding(
                "load_sweep.light",
                rate=num(light["rate"]),
                time=num(light["time_mean"]),
                band=band,
            )
        )
    bottleneck = study.get("bottleneck")
    if bottleneck:
        name = place_pair(scenario, bottleneck)
        loads = [(p["rate"], p["utilisation"].get(bottleneck)) for p in study["points"]]
        loads = [(r, u) for r, u in loads if u]
        if loads:
            rate, u = loads[0]
            found.append(
                Finding(
                    "load_sweep.saturates",
                    place=name,
                    at=num(rate / u, 2),
                    load=pct(u),
                    rate=num(rate),
                    heavy_load=pct(loads[-1][1]),
                    heavy_rate=num(loads[-1][0]),
                )
            )
    knee = study.get("knee")
    if knee is not None:
        at = next((p for p in study["points"] if p["rate"] == knee), None)
        detail = (
            Finding("load_sweep.knee_time", time=num(at["time_mean"]))
            if at and at.get("time_mean") is not None
            else ""
        )
        found.append(
            Finding(
                "load_sweep.blows_up",
                knee=num(knee),
                factor=num(study.get("knee_factor", KNEE_FACTOR)),
                detail=detail,
            )
        )
    else:
        found.append(Finding("load_sweep.never"))
    if (
        points
        and heavy is not light
        and heavy.get("time_mean") is not None
        and light.get("time_mean")
    ):
        found.append(
            Finding(
                "load_sweep.heavy",
                rate=num(heavy["rate"]),
                time=num(heavy["time_mean"]),
                times=heavy["time_mean"] / light["time_mean"],
                light=num(light["rate"]),
            )
        )
    unfinished = [p for p in study["points"] if p.get("unfinished")]
    if unfinished:
        found.append(Finding("load_sweep.overload", rate=num(unfinished[0]["rate"])))
    return found


def tables(study: dict[str, Any], scenario: Scenario | None, lang: str = "en") -> str:
    bottleneck = study.get("bottleneck")
    rows = [
        [
            num(p["rate"]),
            num(p["time_mean"]),
            f"[{num(low_end(p['ci95'][0]))}, {num(p['ci95'][1])}]",
            pct(p["utilisation"].get(bottleneck)) if bottleneck else "—",
            num(p["unfinished"]),
        ]
        for p in study["points"]
    ]
    where = place_pair(scenario, bottleneck) if bottleneck else Finding("load_sweep.a_bottleneck")
    header = [
        word(key, lang, place=where.in_language(lang))
        for key in (
            "load_sweep.per_day",
            "load_sweep.mean_time",
            "load_sweep.ci95",
            "load_sweep.utilisation_of",
            "load_sweep.unfinished_cases",
        )
    ]
    return f"<h3>{escape(word('load_sweep.heading', lang))}</h3>" + table(header, rows)


def load_latency(study: dict[str, Any], path: Path) -> Path:
    """Mean time against arrival rate with its 95 % band; the knee marked."""
    from onething.experiments.plots import nan, plt, save

    points = study["points"]
    rates = [p["rate"] for p in points]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(rates, [nan(p["time_mean"]) for p in points], marker="o", label="mean time")
    ax.fill_between(
        rates,
        [nan(low_end(p["ci95"][0])) for p in points],
        [nan(p["ci95"][1]) for p in points],
        alpha=0.25,
        label="95 % CI",
    )
    if study["knee"] is not None:
        ax.axvline(study["knee"], color="black", ls="--", lw=0.9, label=f"knee ({study['knee']:g})")
    ax.set_xlabel("arrivals per working day")
    ax.set_ylabel("mean time (working days)")
    ax.set_title(f"{study['bundle']}: load vs latency (bottleneck: {study['bottleneck']})")
    ax.grid(alpha=0.3)
    ax.legend()
    return save(fig, path)


def plots(study: dict[str, Any], out: Path) -> list[Path]:
    return [load_latency(study, out / "load_latency.png")]


QUESTION = (
    "Where does the {bundle} process saturate as arrivals grow?",
    "{bundle}：到达人数增加时，流程在哪里饱和？",
)
EXPLANATION = (
    (
        "The same process runs at growing arrival rates; the load-latency curve shows where "
        "waiting starts to dominate and which window is the bottleneck."
    ),
    "同一流程在逐步提高的到达率下运行；负荷—时间曲线显示排队从何时开始占主导，以及哪个窗口是瓶颈。",
)
STUDY_KEYS = ("points", "bottleneck", "knee")
CAPTIONS = {
    "load_latency.png": (
        (
            "Mean end-to-end time against arrivals per working day, with the 95 % confidence "
            "band; the dashed line marks the knee."
        ),
        "平均办理时间随每工作日到达人数的变化，阴影为 95% 置信带；虚线标出拐点。",
    )
}


KIND = Kind.of(__name__, "load_sweep", LoadSweepSpec)
