"""``kind: lever_attribution``: which lever buys how much.  Each lever alone, all but
each one, and the levers added one by one in an order, all on the same random numbers;
the increments telescope to the all-levers difference, and what the alone effects miss
of it is the interaction."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field

from onething.experiments.present import cap, days, lever, num, signed, table
from onething.experiments.spec import Experiment, SpecBase
from onething.experiments.studies.kind import (
    TIME,
    Kind,
    Table,
    lever_checks,
    means,
    saturation,
)
from onething.experiments.studies.words import Finding
from onething.experiments.variants import Variant
from onething.scenarios.errors import Problem, Reason
from onething.scenarios.model import Scenario

MEASURES = (TIME, "trips", "materials", "steps")
PARTS = ("alone", "all_but_one", "cumulative")
HEADS = ("alone", "marginal", "cumulative")


class AttributionSpec(SpecBase):
    kind: Literal["lever_attribution"]
    levers: Annotated[list[str], Field(min_length=1)] | None = None
    """Default: the scenario's ``after`` levers."""
    order: list[str] | None = None
    """The order levers are added in for the cumulative chain; default: ``levers``."""


def levers(experiment: Experiment) -> list[str]:
    """The levers attributed: the spec's, or the scenario's ``after`` levers."""
    return list(experiment.spec.levers or experiment.scenario.after)


def order(experiment: Experiment) -> list[str]:
    """The cumulative chain's order: the spec's, or ``levers``."""
    return list(experiment.spec.order or levers(experiment))


def check(spec: AttributionSpec, scenario: Scenario) -> Iterator[Problem]:
    yield from lever_checks("levers", spec.levers)
    yield from lever_checks("order", spec.order)
    chosen = spec.levers or scenario.after
    if not chosen:
        yield Problem("levers", Reason("no_after_levers", name=scenario.name))
    if spec.order is not None and sorted(spec.order) != sorted(chosen):
        yield Problem("order", Reason("order_each_once", levers=", ".join(chosen)))


def set_name(on: Iterable[str], order: Sequence[str]) -> str:
    """One name per lever set (levers in ``order``), so equal sets share one variant."""
    chosen = set(on)
    return "+".join(x for x in order if x in chosen) or "before"


def attribution_sets(levers: Sequence[str], order: Sequence[str]) -> list[list[str]]:
    """Before, each lever alone, all but each one, the cumulative chain, all: each once."""
    candidates = [
        [],
        *([x] for x in levers),
        *([x for x in levers if x != y] for y in levers),
        *(list(order[: k + 1]) for k in range(len(order))),
        list(levers),
    ]
    unique: dict[str, list[str]] = {}
    for on in candidates:
        unique.setdefault(set_name(on, order), on)
    return list(unique.values())


def variants(experiment: Experiment) -> list[Variant]:
    chain = order(experiment)
    return [
        Variant.of(set_name(on, chain), experiment.scenario, "before", on)
        for on in attribution_sets(levers(experiment), chain)
    ]


def attribute(summary: pd.DataFrame, levers: Sequence[str], order: Sequence[str]) -> dict[str, Any]:
    """Per measure: each lever alone (vs before), all-but-one (all minus all-without-it),
    and its increment along ``order``.  The increments telescope to the all-levers
    difference; what the alone effects miss of it is the interaction."""
    mean = means(summary)
    result: dict[str, Any] = {"levers": list(levers), "order": list(order), "measures": {}}
    for measure in MEASURES:

        def value(on: Iterable[str], measure: str = measure) -> float:
            return mean[(set_name(on, order), measure)]

        before, everything = value([]), value(levers)
        difference = everything - before
        alone = {x: value([x]) - before for x in levers}
        result["measures"][measure] = {
            "before": before,
            "all": everything,
            "difference": difference,
            "alone": alone,
            "all_but_one": {x: everything - value(y for y in levers if y != x) for x in levers},
            "cumulative": {
                x: value(order[: k + 1]) - value(order[:k]) for k, x in enumerate(order)
            },
            "interaction": difference - math.fsum(alone.values()),
        }
    return result


def study(experiment: Experiment, chosen: list[Variant], summary: pd.DataFrame) -> dict[str, Any]:
    return attribute(summary, levers(experiment), order(experiment))


def console(study: dict[str, Any], summary: pd.DataFrame) -> Table:
    time, trips = study["measures"][TIME], study["measures"]["trips"]
    rows: list[list[Any]] = [
        [x, *(m[part][x] for m in (time, trips) for part in PARTS)] for x in study["order"]
    ]
    rows.append(["sum", *(sum(m[part].values()) for m in (time, trips) for part in PARTS)])
    return Table(
        Finding("attribution.title", bundle=study["bundle"], replications=study["replications"]),
        [
            Finding("attribution.lever"),
            *(
                Finding("attribution.head", measure=m, part=part, unit=unit)
                for m, unit in (("time", " (days)"), ("trips", ""))
                for part in HEADS
            ),
        ],
        rows,
        [
            Finding("attribution.parts"),
            Finding(
                "attribution.all",
                time_before=time["before"],
                time_all=time["all"],
                time_change=signed(time["difference"]),
                trips_before=trips["before"],
                trips_all=trips["all"],
                trips_change=signed(trips["difference"]),
            ),
            Finding(
                "attribution.interaction",
                time=signed(time["interaction"]),
                trips=signed(trips["interaction"]),
            ),
            Finding("attribution.order", order=" -> ".join(study["order"])),
        ],
    )


def findings(study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None) -> list[str]:
    time = study["measures"][TIME]
    trips = study["measures"].get("trips")
    found = []
    chain = study["order"]
    for x, effect in sorted(time["alone"].items(), key=lambda kv: kv[1]):
        why = saturation(summary, set_name([x], chain), scenario)
        if effect < 0:
            found.append(
                f"{cap(lever(x))} alone cuts end-to-end time by {days(effect)} "
                f"(from {num(time['before'])} to {num(time['before'] + effect)}){why}."
            )
        elif effect > 0:
            found.append(
                f"{cap(lever(x))} alone adds {days(effect)} to the end-to-end time "
                f"(from {num(time['before'])} to {num(time['before'] + effect)}): "
                f"on its own it does not pay{why}."
            )
        else:
            found.append(f"{cap(lever(x))} alone leaves the time unchanged{why}.")
    change = time["difference"] / time["before"] if time["before"] else math.nan
    relative = "—" if math.isnan(change) else f"{100 * change:+.0f} %"
    sentence = (
        f"All {len(study['levers'])} levers together take the time from {num(time['before'])} "
        f"to {num(time['all'])} working days ({relative})"
    )
    if trips:
        sentence += f" and the trips from {num(trips['before'])} to {num(trips['all'])}"
    found.append(sentence + saturation(summary, set_name(study["levers"], chain), scenario) + ".")
    if why := saturation(summary, "before", scenario):
        found.append("Before" + why.replace(" — ", ": ", 1) + ".")
    if time["all_but_one"]:
        x, cost = max(time["all_but_one"].items(), key=lambda kv: -kv[1])
        if cost < 0:
            found.append(
                f"Leaving {lever(x)} out of the full set costs the most: {days(cost)} more."
            )
    interaction = time["interaction"]
    if abs(interaction) >= 0.05:
        more = "more" if interaction < 0 else "less"
        found.append(
            f"Together the levers cut {days(interaction)} {more} than the sum of their "
            "separate effects: they "
            + ("reinforce each other." if interaction < 0 else "partly do the same work.")
        )
    if trips:
        savers = [(x, e) for x, e in trips["alone"].items() if e < 0]
        if savers:
            found.append(
                "Trips: "
                + ", ".join(f"{lever(x)} saves {num(-e)}" for x, e in savers)
                + " on its own."
            )
    if scenario is not None and set(study["levers"]) == set(scenario.after):
        published = {f.mode: f for f in scenario.published if f.measure == "time_working_days"}
        before, after = published.get("before"), published.get("after")
        if before and after:
            source = after.source if after.source in scenario.sources else "source unknown"
            found.append(
                f"The published figures ({source}) are "
                f"{num(before.value)} → {num(after.value)} working days; the model gives "
                f"{num(time['before'])} → {num(time['all'])}."
            )
    return found


def tables(study: dict[str, Any], scenario: Scenario | None) -> str:
    time, trips = study["measures"][TIME], study["measures"]["trips"]
    rows = [
        [lever(x), *(signed(m[part][x]) for m in (time, trips) for part in PARTS)]
        for x in study["levers"]
    ]
    header = ["lever", *(f"{m} {p.replace('_', ' ')}" for m in ("time", "trips") for p in PARTS)]
    return (
        "<h3>Lever contributions (difference in means against before)</h3>"
        + table(header, rows)
        + '<p class="meta">Interaction (all levers minus the sum of the alone effects): '
        f"time {signed(time['interaction'])} working days, trips "
        f"{signed(trips['interaction'])}.</p>"
    )


def waterfall(study: dict[str, Any], path: Path) -> Path:
    """Before, each lever's increment in the cumulative order, all levers: time."""
    from matplotlib.patches import Patch

    from onething.experiments.plots import BEFORE, PALETTE, plt, save

    shorter, longer = PALETTE[2], PALETTE[3]
    m = study["measures"][TIME]
    labels, bottoms, heights, colours = ["before"], [0.0], [m["before"]], [BEFORE]
    level = m["before"]
    for x, step in m["cumulative"].items():
        labels.append(f"+{x}")
        bottoms.append(level)
        heights.append(step)
        colours.append(shorter if step <= 0 else longer)
        level += step
    labels.append("all levers")
    bottoms.append(0.0)
    heights.append(m["all"])
    colours.append(PALETTE[0])
    fig, ax = plt.subplots(figsize=(7.5, 4))
    bars = ax.bar(range(len(labels)), heights, bottom=bottoms, color=colours)
    texts = [
        f"{h:.3g}" if i in (0, len(heights) - 1) else f"{h:+.3g}" for i, h in enumerate(heights)
    ]
    ax.bar_label(bars, labels=texts, fontsize=8)
    ax.set_ylim(0, 1.12 * max(b + max(h, 0.0) for b, h in zip(bottoms, heights, strict=True)))
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("mean time (working days)")
    ax.set_title(
        f"{study['bundle']}: lever contributions to time (interaction {m['interaction']:+.3g} days)"
    )
    ax.grid(axis="y", alpha=0.3)
    ax.legend(
        handles=[
            Patch(color=BEFORE, label="before"),
            Patch(color=shorter, label="lever shortens"),
            Patch(color=longer, label="lever lengthens"),
            Patch(color=PALETTE[0], label="all levers"),
        ],
        fontsize=7,
    )
    return save(fig, path)


def ecdf(study: dict[str, Any]) -> dict[str, str]:
    """The variants the time plot shows, with their legend labels: before, each lever
    alone, all levers (the rest are in the report's tables)."""
    chain = study["order"]
    alone = {set_name([x], chain): f"{lever(x)} alone" for x in study["levers"]}
    return {"before": "before", **alone, set_name(chain, chain): "all levers"}


def plots(study: dict[str, Any], out: Path) -> list[Path]:
    return [waterfall(study, out / "waterfall.png")]


QUESTION = "Which lever buys how much for {bundle}?"
EXPLANATION = (
    "Each lever is switched on alone, the full set is run without each one in turn, and "
    "the levers are added one by one in a fixed order; every variant is compared with "
    "the siloed 'before' process on the same random numbers, so the differences are "
    "the levers', not chance's."
)
STUDY_KEYS = ("levers", "order", "measures")
CAPTIONS = {
    "waterfall.png": (
        "Mean end-to-end time from 'before' to all levers, each lever's increment in the "
        "cumulative order (green shortens, orange-red lengthens)."
    )
}


KIND = Kind.of(__name__, "lever_attribution", AttributionSpec)
