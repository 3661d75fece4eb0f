"""``kind: lever_attribution``: which lever buys how much.  Each lever alone, all but
each one, and the levers added one by one in an order, all on the same random numbers;
the increments telescope to the all-levers difference, and what the alone effects miss
of it is the interaction."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from html import escape
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field

from onething.experiments.present import days, lever, num, signed, table
from onething.experiments.spec import Experiment, SpecBase
from onething.experiments.studies.kind import (
    TIME,
    Kind,
    Table,
    lever_checks,
    means,
    saturation,
)
from onething.experiments.studies.words import Clauses, Finding, led, lever_pair
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


def findings(
    study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None
) -> list[Finding]:
    time = study["measures"][TIME]
    trips = study["measures"].get("trips")
    found = []
    chain = study["order"]
    before = num(time["before"])
    for x, effect in sorted(time["alone"].items(), key=lambda kv: kv[1]):
        why = saturation(summary, set_name([x], chain), scenario)
        change = {"days": days(effect), "amount": num(abs(effect))}
        after = num(time["before"] + effect)
        name = lever_pair(x, capital=True)
        if effect < 0:
            found.append(
                Finding(
                    "attribution.cuts", lever=name, before=before, after=after, why=why, **change
                )
            )
        elif effect > 0:
            found.append(
                Finding(
                    "attribution.adds", lever=name, before=before, after=after, why=why, **change
                )
            )
        else:
            found.append(Finding("attribution.unchanged", lever=name, why=why))
    change = time["difference"] / time["before"] if time["before"] else math.nan
    found.append(
        Finding(
            "attribution.together",
            count=len(study["levers"]),
            before=before,
            after=num(time["all"]),
            relative="—" if math.isnan(change) else f"{100 * change:+.0f} %",
            trips=Finding(
                "attribution.together_trips", before=num(trips["before"]), after=num(trips["all"])
            )
            if trips
            else "",
            why=saturation(summary, set_name(study["levers"], chain), scenario),
        )
    )
    if why := saturation(summary, "before", scenario):
        found.append(Finding("saturation.before", why=led(why, ": ", "：")))
    if time["all_but_one"]:
        x, cost = max(time["all_but_one"].items(), key=lambda kv: -kv[1])
        if cost < 0:
            found.append(
                Finding(
                    "attribution.leaving_out",
                    lever=lever_pair(x),
                    days=days(cost),
                    amount=num(abs(cost)),
                )
            )
    interaction = time["interaction"]
    if abs(interaction) >= 0.05:
        key = "attribution.reinforce" if interaction < 0 else "attribution.overlap"
        found.append(Finding(key, days=days(interaction), amount=num(abs(interaction))))
    if trips:
        savers = [(x, e) for x, e in trips["alone"].items() if e < 0]
        if savers:
            said = [
                Finding("attribution.saves", lever=lever_pair(x), count=num(-e)) for x, e in savers
            ]
            found.append(Finding("attribution.trips_saved", savers=Clauses(said, ", ")))
    if scenario is not None and set(study["levers"]) == set(scenario.after):
        published = {f.mode: f for f in scenario.published if f.measure == "time_working_days"}
        was, now = published.get("before"), published.get("after")
        if was and now:
            found.append(
                Finding(
                    "attribution.published",
                    source=now.source
                    if now.source in scenario.sources
                    else Finding("attribution.source_unknown"),
                    before=num(was.value),
                    after=num(now.value),
                    model_before=before,
                    model_after=num(time["all"]),
                )
            )
    return found


def tables(study: dict[str, Any], scenario: Scenario | None, lang: str = "en") -> str:
    time, trips = study["measures"][TIME], study["measures"]["trips"]
    rows = [
        [
            lever_pair(x).in_language(lang),
            *(signed(m[part][x]) for m in (time, trips) for part in PARTS),
        ]
        for x in study["levers"]
    ]
    header = [
        Finding("attribution.lever").in_language(lang),
        *(
            Finding("attribution.table_head", measure=m, part=p).in_language(lang)
            for m in ("time", "trips")
            for p in PARTS
        ),
    ]
    note = Finding(
        "attribution.interaction_note",
        time=signed(time["interaction"]),
        trips=signed(trips["interaction"]),
    )
    return (
        f"<h3>{escape(Finding('attribution.contributions').in_language(lang))}</h3>"
        + table(header, rows)
        + f'<p class="meta">{escape(note.in_language(lang))}</p>'
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


QUESTION = ("Which lever buys how much for {bundle}?", "{bundle}：每项改革举措各带来多少改进？")
EXPLANATION = (
    (
        "Each lever is switched on alone, the full set is run without each one in turn, and "
        "the levers are added one by one in a fixed order; every variant is compared with "
        "the siloed 'before' process on the same random numbers, so the differences are "
        "the levers', not chance's."
    ),
    "每项举措单独实施一次，全部举措依次各去掉一项再运行，并按固定顺序逐项叠加；每个方案都与各部门分头办理的“改革前”流程在相同的随机数下比较，因此差异来自举措本身，而非偶然。",
)
STUDY_KEYS = ("levers", "order", "measures")
CAPTIONS = {
    "waterfall.png": (
        (
            "Mean end-to-end time from 'before' to all levers, each lever's increment in the "
            "cumulative order (green shortens, orange-red lengthens)."
        ),
        "平均办理时间从“改革前”到全部举措：按累计顺序列出每项举措带来的变化（绿色为缩短，橙红色为延长）。",
    )
}


KIND = Kind.of(__name__, "lever_attribution", AttributionSpec)
