"""``kind: staffing``: the fewest windows that keep a share of cases within the promised
time.  A search, one variant per step: one window per place first, then one more at the
previous step's busiest place, until the target is met or every place is at the cap."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field

from onething.experiments.present import low_end, num, pct, table
from onething.experiments.spec import MAX_WINDOWS, Experiment, OneProcess, Overrides, Rate
from onething.experiments.studies.kind import (
    TIME,
    WITHIN,
    Kind,
    Table,
    busiest,
    by_variant,
    interval,
    lever_checks,
    none,
    utilisation,
)
from onething.experiments.studies.words import Clauses, Finding, place_pair, word
from onething.experiments.variants import Variant
from onething.scenarios.errors import Problem, Reason
from onething.scenarios.levers import LEVERS, SINGLE_WINDOW, Process
from onething.scenarios.model import Scenario


class StaffingSpec(OneProcess):
    kind: Literal["staffing"]
    arrivals_per_day: Rate
    target_within_promise: Annotated[float, Field(gt=0, le=1)] = 0.9
    """The share of cases to finish within the promised time (0..1)."""
    max_windows: Annotated[int, Field(gt=0, le=MAX_WINDOWS)] = 10
    """Windows per place the search may go up to."""
    places: Annotated[list[str], Field(min_length=1)] | None = None
    """Departments (or ``single_window``) to staff; default: where the process queues."""


def check(spec: StaffingSpec, scenario: Scenario) -> Iterator[Problem]:
    yield from lever_checks("levers", spec.levers)
    if spec.places is None:
        return
    known = [*scenario.departments, SINGLE_WINDOW]
    if len(set(spec.places)) != len(spec.places):
        yield Problem("places", Reason("place_twice"))
    if spec.levers is not None and any(x not in LEVERS for x in spec.levers):
        return
    queues = Process.of(scenario, spec.mode, spec.levers).places
    for i, name in enumerate(spec.places):
        if name not in known:
            reason = Reason("unknown_place", name=name, known=", ".join(known))
            yield Problem(f"places.{i}", reason)
        elif name not in queues:
            reason = Reason("no_queue_at", name=name, queues=", ".join(queues))
            yield Problem(f"places.{i}", reason)


def places(experiment: Experiment) -> list[str]:
    """The places the search adds windows to: the spec's, or where the process queues."""
    spec = experiment.spec
    if spec.places is not None:
        return list(spec.places)
    return list(Process.of(experiment.scenario, spec.mode, spec.levers).places)


def staffing_name(windows: dict[str, int]) -> str:
    """One name per window vector, e.g. ``market_regulation=2,health=1``."""
    return ",".join(f"{name}={n}" for name, n in windows.items())


def step(experiment: Experiment, windows: dict[str, int]) -> Variant:
    """One step of the search: the spec's process at its load with these windows."""
    spec = experiment.spec
    overrides = Overrides(arrivals_per_day=spec.arrivals_per_day, windows=windows)
    return Variant.of(
        staffing_name(windows), experiment.scenario, spec.mode, spec.levers, overrides
    )


def variants(experiment: Experiment) -> list[Variant]:
    return [step(experiment, dict.fromkeys(places(experiment), 1))]


def next_staffing(
    windows: dict[str, int], load: dict[str, float], max_windows: int
) -> dict[str, int] | None:
    """One more window at the busiest place that may still grow (None: all at the cap)."""
    open_places = [p for p in windows if windows[p] < max_windows]
    if not open_places:
        return None
    grow = max(open_places, key=lambda p: load.get(p, 0.0))
    return {p: n + (p == grow) for p, n in windows.items()}


def search(
    summary: pd.DataFrame,
    steps: Sequence[dict[str, int]],
    target: float,
    max_windows: int,
) -> dict[str, Any]:
    """The search path (one window vector per step, in order) with each step's share of
    cases within the promised time; the answer is the first step whose mean share meets
    the target, else the search goes on (``next``) or has hit ``max_windows``."""
    rows_of = by_variant(summary)
    path = []
    for i, windows in enumerate(steps):
        rows = rows_of[staffing_name(windows)]
        load = utilisation(rows)
        path.append(
            {
                "step": i,
                "variant": staffing_name(windows),
                "windows": dict(windows),
                "total_windows": sum(windows.values()),
                "within_promise": none(float(rows.at[WITHIN, "mean"])),
                "ci95": interval(rows, WITHIN),
                "time_mean": none(float(rows.at[TIME, "mean"])),
                "utilisation": load,
                "bottleneck": busiest(load),
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


def study(experiment: Experiment, chosen: list[Variant], summary: pd.DataFrame) -> dict[str, Any]:
    spec = experiment.spec
    where = places(experiment)
    steps = [{p: v.process.windows(p) for p in where} for v in chosen]
    return {"arrivals_per_day": spec.arrivals_per_day} | search(
        summary, steps, spec.target_within_promise, spec.max_windows
    )


def grow(experiment: Experiment, chosen: list[Variant], study: dict[str, Any]) -> list[Variant]:
    """The search's next step, or none when the target is met or every place is full."""
    following = study["next"]
    return [] if following is None else [step(experiment, following)]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def console(study: dict[str, Any], summary: pd.DataFrame) -> Table:
    where = study["places"]
    rows: list[list[Any]] = [
        [
            p["step"],
            *(p["windows"][name] for name in where),
            _pct(p["within_promise"]),
            f"{_pct(low_end(p['ci95'][0]))} .. {_pct(p['ci95'][1])}",
            p["time_mean"],
            p["bottleneck"],
            p["utilisation"].get(p["bottleneck"]) if p["bottleneck"] else None,
        ]
        for p in study["path"]
    ]
    met = next((p for p in study["path"] if p["step"] == study.get("answer_step")), None)
    if study["answer"] and met is not None:
        share = _pct(met["within_promise"])
        answer = Finding(
            "staffing.answer", message=study["message"], windows=met["total_windows"], share=share
        )
    elif study.get("next") is None:
        answer = Finding(
            "staffing.no_answer", message=study["message"], max_windows=study["max_windows"]
        )
    else:
        answer = Finding("staffing.searching", message=study["message"])
    return Table(
        Finding(
            "staffing.title",
            bundle=study["bundle"],
            target=study["target"],
            rate=study["arrivals_per_day"],
            replications=study["replications"],
        ),
        [
            Finding("staffing.step"),
            *(Finding("staffing.windows", place=name) for name in where),
            Finding("staffing.within"),
            Finding("staffing.ci95"),
            Finding("head.mean_time"),
            Finding("staffing.busiest"),
            Finding("staffing.utilisation"),
        ],
        rows,
        [answer, Finding("staffing.how")],
    )


def _windows(windows: dict[str, int], scenario: Scenario | None) -> Clauses:
    return Clauses(
        [
            Finding(
                "staffing.windows_at",
                count=n,
                s="s" if n != 1 else "",
                place=place_pair(scenario, name),
            )
            for name, n in windows.items()
        ],
        ", ",
    )


def findings(
    study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None
) -> list[Finding]:
    """The answer (or why there is none), then the path that led to it."""
    path, target = study["path"], study["target"]
    rate = num(study["arrivals_per_day"])
    found = []
    if study["answer"] is not None:
        met = path[study["answer_step"]]
        found.append(
            Finding(
                "staffing.found",
                windows=_windows(study["answer"], scenario),
                total=met["total_windows"],
                share=pct(met["within_promise"]),
                rate=rate,
                target=pct(target),
            )
        )
    elif study["next"] is None:
        best = max(path, key=lambda p: p["within_promise"] or 0.0)
        found.append(
            Finding(
                "staffing.not_found",
                max_windows=study["max_windows"],
                target=pct(target),
                rate=rate,
                best=pct(best["within_promise"]),
                windows=_windows(best["windows"], scenario),
            )
        )
    else:
        found.append(Finding("staffing.stopped", message=study["message"]))
    steps = " → ".join(f"{p['total_windows']} ({pct(p['within_promise'])})" for p in path)
    found.append(Finding("staffing.path", steps=steps))
    last = path[-1]
    if last["bottleneck"] is not None:
        u = last["utilisation"][last["bottleneck"]]
        found.append(
            Finding(
                "staffing.last",
                place=place_pair(scenario, last["bottleneck"]),
                load=pct(u),
                state=Finding("word.saturated" if u >= 1 else "word.busiest"),
            )
        )
    return found


def tables(study: dict[str, Any], scenario: Scenario | None, lang: str = "en") -> str:
    where = study["places"]

    def name(place: str) -> str:
        return place_pair(scenario, place).in_language(lang)

    rows = [
        [
            num(p["step"]),
            *(num(p["windows"][place]) for place in where),
            pct(p["within_promise"]),
            f"[{pct(low_end(p['ci95'][0]))}, {pct(p['ci95'][1])}]",
            num(p["time_mean"]),
            name(p["bottleneck"]) if p["bottleneck"] else "—",
            pct(p["utilisation"].get(p["bottleneck"])) if p["bottleneck"] else "—",
        ]
        for p in study["path"]
    ]
    header = [
        word("staffing.step", lang),
        *(word("staffing.windows_of", lang, place=name(place)) for place in where),
        word("staffing.within", lang),
        word("load_sweep.ci95", lang),
        word("head.mean_time", lang),
        word("staffing.busiest_place", lang),
        word("staffing.its_utilisation", lang),
    ]
    return f"<h3>{escape(word('staffing.heading', lang))}</h3>" + table(header, rows)


def staffing_path(study: dict[str, Any], path: Path) -> Path:
    """Share of cases within the promised time at each step of the search, with its 95 %
    interval and the target line; the answer marked."""
    from onething.experiments.plots import PALETTE, nan, plt, save

    points = study["path"]
    steps = [p["step"] for p in points]
    shares = [nan(p["within_promise"]) for p in points]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.errorbar(
        steps,
        shares,
        yerr=[
            [max(0.0, s - nan(low_end(p["ci95"][0]))) for s, p in zip(shares, points, strict=True)],
            [max(0.0, nan(p["ci95"][1]) - s) for s, p in zip(shares, points, strict=True)],
        ],
        marker="o",
        capsize=3,
        label="within promise (95 % CI)",
    )
    ax.axhline(
        study["target"], color=PALETTE[3], ls="--", lw=1, label=f"target {study['target']:.0%}"
    )
    if study["answer_step"] is not None:
        ax.plot(
            [study["answer_step"]],
            [shares[study["answer_step"]]],
            "*",
            ms=14,
            color=PALETTE[2],
            label="answer",
        )
    ax.set_xticks(
        steps,
        [f"{p['step']}\n{p['variant'].replace(',', chr(10))}" for p in points],
        fontsize=7,
    )
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("step (windows per place)")
    ax.set_ylabel("share of cases within the promised time")
    ax.set_title(f"{study['bundle']}: fewest windows at {study['arrivals_per_day']:g}/day")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return save(fig, path)


def plots(study: dict[str, Any], out: Path) -> list[Path]:
    return [staffing_path(study, out / "staffing.png")]


QUESTION = (
    "How many windows does {bundle} need, and where?",
    "{bundle}：需要多少个窗口，设在哪里？",
)
EXPLANATION = (
    (
        "A search: one window per place first, then one more window per step at the place "
        "that was busiest in the step before, until the target share of cases finishes "
        "within the promised time or every place is at the cap; each step runs on the same "
        "random numbers."
    ),
    "逐步搜索：先每处一个窗口，然后每一步在上一步最繁忙的办理地点增加一个窗口，直到达到承诺时限内办结的目标比例，或每处都达到上限；每一步使用相同的随机数。",
)
STUDY_KEYS = ("arrivals_per_day", "target", "places", "path", "answer", "answer_step", "next")
CAPTIONS = {
    "staffing.png": (
        (
            "Share of cases within the promised time at each step of the search, with its "
            "95 % interval; the dashed line is the target, the star the answer."
        ),
        "搜索每一步在承诺时限内办结的案件比例及其 95% 置信区间；虚线为目标，星号为结论。",
    )
}


KIND = Kind.of(__name__, "staffing", StaffingSpec)
