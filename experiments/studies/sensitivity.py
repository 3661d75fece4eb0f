"""``kind: sensitivity``: how much the mean time depends on the assumed numbers.  Each
parameter at its low and at its high value, the others at the baseline (every scale 1,
the bundle's arrival rate); the swings ranked, largest first."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from html import escape
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field

from onething.experiments.present import low_end, num, table
from onething.experiments.spec import (
    MAX_SCALE,
    PARAMETERS,
    Experiment,
    OneProcess,
    Overrides,
)
from onething.experiments.studies.kind import (
    TIME,
    Kind,
    Table,
    lever_checks,
    means,
    none,
    saturation,
)
from onething.experiments.studies.words import Clauses, Finding, Pair, led, word
from onething.experiments.variants import Variant
from onething.scenarios.errors import Problem, Reason
from onething.scenarios.model import MAX_ARRIVALS_PER_DAY, Scenario, Strict
from onething.scenarios.reasons import FIELDS

BASELINE = "baseline"
NAMES = {
    "rework_scale": "rework probability ×",
    "travel_scale": "travel time ×",
    "handling_scale": "desk time ×",
    "processing_scale": "back-office time ×",
    "arrivals_per_day": "arrivals a working day",
}
"""What each parameter means, for the report."""


class Range(Strict):
    name: Literal[PARAMETERS]  # type: ignore[valid-type]
    low: Annotated[float, Field(ge=0)]
    high: Annotated[float, Field(ge=0)]


class SensitivitySpec(OneProcess):
    kind: Literal["sensitivity"]
    parameters: Annotated[list[Range], Field(min_length=1, max_length=len(PARAMETERS))]
    """Each run at its low and high value, the others at the baseline."""


def check(spec: SensitivitySpec, scenario: Scenario) -> Iterator[Problem]:
    yield from lever_checks("levers", spec.levers)
    seen: set[str] = set()
    for i, r in enumerate(spec.parameters):
        at = f"parameters.{i}"
        if r.name in seen:
            yield Problem(f"{at}.name", Reason("parameter_twice", name=r.name))
        seen.add(r.name)
        if r.low > r.high:
            yield Problem(f"{at}.low", Reason("low_above_high", low=r.low, high=r.high))
        if r.name == "arrivals_per_day":
            if r.low <= 0 or r.high > MAX_ARRIVALS_PER_DAY:
                yield Problem(at, Reason("arrivals_range", limit=MAX_ARRIVALS_PER_DAY))
        elif r.high > MAX_SCALE:
            yield Problem(f"{at}.high", Reason("scale_limit", limit=MAX_SCALE))


def sensitivity_name(parameter: str, value: float) -> str:
    return f"{parameter}={value:g}"


def variants(experiment: Experiment) -> list[Variant]:
    spec, scenario = experiment.spec, experiment.scenario
    return [
        Variant.of(BASELINE, scenario, spec.mode, spec.levers),
        *(
            Variant.of(
                sensitivity_name(r.name, value),
                scenario,
                spec.mode,
                spec.levers,
                Overrides(**{r.name: value}),
            )
            for r in spec.parameters
            for value in (r.low, r.high)
        ),
    ]


def swings(summary: pd.DataFrame, ranges: Sequence[tuple[str, float, float]]) -> dict[str, Any]:
    """One-at-a-time swings of mean time: for each ``(name, low, high)``, the mean at the
    low and at the high value and the swing |high - low|, largest swing first."""
    mean = means(summary)
    rows = summary.set_index(["variant", "measure"])
    baseline = mean[(BASELINE, TIME)]
    parameters = []
    for name, low, high in ranges:
        at_low = mean[(sensitivity_name(name, low), TIME)]
        at_high = mean[(sensitivity_name(name, high), TIME)]
        parameters.append(
            {
                "name": name,
                "low": low,
                "high": high,
                "time_low": none(at_low),
                "time_high": none(at_high),
                "swing": none(abs(at_high - at_low)),
            }
        )
    parameters.sort(key=lambda p: -math.inf if p["swing"] is None else p["swing"], reverse=True)
    return {
        "measure": TIME,
        "baseline": {
            "time_mean": none(baseline),
            "ci95": [none(float(rows.at[(BASELINE, TIME), k])) for k in ("ci95_low", "ci95_high")],
        },
        "parameters": parameters,
    }


def study(experiment: Experiment, chosen: list[Variant], summary: pd.DataFrame) -> dict[str, Any]:
    return swings(summary, [(r.name, r.low, r.high) for r in experiment.spec.parameters])


def console(study: dict[str, Any], summary: pd.DataFrame) -> Table:
    base = study["baseline"]
    rows: list[list[Any]] = [
        [p["name"], p["low"], p["high"], p["time_low"], p["time_high"], p["swing"]]
        for p in study["parameters"]
    ]
    ci = base["ci95"]
    time = "-" if base["time_mean"] is None else format(base["time_mean"], ".3g")
    baseline = (
        Finding("sensitivity.baseline", time=time)
        if None in ci
        else Finding("sensitivity.baseline_band", time=time, low=low_end(ci[0]), high=ci[1])
    )
    return Table(
        Finding("sensitivity.title", bundle=study["bundle"], replications=study["replications"]),
        [
            Finding(f"sensitivity.{key}")
            for key in ("parameter", "low", "high", "time_low", "time_high", "swing")
        ],
        rows,
        [baseline, Finding("sensitivity.sorted")],
    )


def parameter_name(name: str) -> Pair:
    """A parameter as the report names it: ``NAMES`` in English, the field's Chinese label
    (``scenarios.reasons.FIELDS``) in Chinese."""
    return Pair(NAMES.get(name, name), FIELDS.get(name, (name, name))[1])


def findings(
    study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None
) -> list[Finding]:
    """The baseline, then the parameters ranked by swing, and which ones the data cannot
    tell from noise (a swing inside the baseline's 95 % interval width)."""
    base = study["baseline"]
    low, high = base["ci95"]
    band = "" if low is None else Finding("load_sweep.band", low=num(low_end(low)), high=num(high))
    found = [Finding("sensitivity.at_baseline", time=num(base["time_mean"]), band=band)]
    ranked = [p for p in study["parameters"] if p["swing"] is not None]
    for rank, p in enumerate(ranked, 1):
        longer = (p["time_high"] or 0) > (p["time_low"] or 0)
        why = next(
            (
                Finding("sensitivity.saturated_at", value=num(value), why=led(reason, ", ", "，"))
                for value in (p["high"], p["low"])
                if (reason := saturation(summary, sensitivity_name(p["name"], value), scenario))
            ),
            "",
        )
        found.append(
            Finding(
                "sensitivity.swings",
                rank=rank,
                parameter=parameter_name(p["name"]),
                low=num(p["low"]),
                high=num(p["high"]),
                swing=num(p["swing"]),
                time_low=num(p["time_low"]),
                time_high=num(p["time_high"]),
                direction=Finding("word.longer" if longer else "word.shorter"),
                why=why,
            )
        )
    width = None if low is None else high - low
    quiet = [p["name"] for p in ranked if width is not None and p["swing"] < width]
    if quiet:
        names = Clauses([parameter_name(n) for n in quiet], ", ")
        found.append(Finding("sensitivity.quiet", names=names))
    return found


def tables(study: dict[str, Any], scenario: Scenario | None, lang: str = "en") -> str:
    rows = [
        [
            num(rank),
            parameter_name(p["name"]).in_language(lang),
            f"{num(p['low'])} .. {num(p['high'])}",
            num(p["time_low"]),
            num(p["time_high"]),
            num(p["swing"]),
        ]
        for rank, p in enumerate(study["parameters"], 1)
    ]
    heads = ("rank", "parameter", "range", "time_low", "time_high", "swing")
    header = [word(f"sensitivity.{h}", lang) for h in heads]
    return f"<h3>{escape(word('sensitivity.heading', lang))}</h3>" + table(header, rows)


def tornado(study: dict[str, Any], path: Path) -> Path:
    """Mean time at each parameter's low and high value as bars around the baseline,
    the largest swing on top."""
    from onething.experiments.plots import PALETTE, nan, plt, save

    baseline = nan(study["baseline"]["time_mean"])
    params = list(reversed(study["parameters"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(params) + 1.6))
    for i, p in enumerate(params):
        for value, colour, label in (
            (p["time_low"], PALETTE[0], "low"),
            (p["time_high"], PALETTE[3], "high"),
        ):
            v = nan(value)
            ax.barh(
                i,
                v - baseline,
                left=baseline,
                color=colour,
                alpha=0.85,
                label=label if i == 0 else None,
            )
        ax.text(
            max(nan(p["time_low"]), nan(p["time_high"]), baseline),
            i,
            f"  {p['low']:g} .. {p['high']:g}",
            va="center",
            fontsize=8,
        )
    ax.axvline(baseline, color="black", lw=0.9)
    ax.set_yticks(range(len(params)), [p["name"] for p in params], fontsize=8)
    ax.set_xlabel(f"mean time (working days); baseline {baseline:.3g}")
    ax.set_title(f"{study['bundle']}: sensitivity of mean time (one at a time)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return save(fig, path)


def plots(study: dict[str, Any], out: Path) -> list[Path]:
    return [tornado(study, out / "tornado.png")]


QUESTION = (
    "How much do the results for {bundle} depend on the assumed numbers?",
    "{bundle}：结果在多大程度上取决于假设的数值？",
)
EXPLANATION = (
    (
        "Each uncertain parameter is set to its low and then its high value while the others "
        "stay at the baseline; every run uses the same random numbers, so the swing in mean "
        "time is the parameter's."
    ),
    "每个不确定参数依次取低值和高值，其余参数保持基准；每次运行使用相同的随机数，因此平均办理时间的变化幅度来自该参数。",
)
STUDY_KEYS = ("baseline", "parameters")
CAPTIONS = {
    "tornado.png": (
        (
            "Mean end-to-end time at each parameter's low (blue) and high (orange-red) value "
            "around the baseline, the largest swing on top."
        ),
        "各参数取低值（蓝色）和高值（橙红色）时围绕基准的平均办理时间，变化幅度最大的在最上方。",
    )
}


KIND = Kind.of(__name__, "sensitivity", SensitivitySpec)
