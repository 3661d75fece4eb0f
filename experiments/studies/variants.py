"""``kind: variants``: named lever sets on modified copies of the bundle, side by side."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field

from onething.experiments.present import estimate, low_end, missing, num
from onething.experiments.spec import MAX_VARIANTS, Experiment, Overrides, SpecBase
from onething.experiments.studies.kind import TIME, Kind, Table, lever_checks, saturation
from onething.experiments.studies.words import Finding, Pair, variant_pair
from onething.experiments.variants import Variant
from onething.scenarios.errors import Problem, Reason
from onething.scenarios.levers import SINGLE_WINDOW
from onething.scenarios.model import Scenario, Strict


class VariantSpec(Strict):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    levers: list[str] | None = None
    """``null`` (or absent) is the siloed 'before' process."""
    overrides: Overrides = Overrides()


class VariantsSpec(SpecBase):
    kind: Literal["variants"]
    variants: Annotated[list[VariantSpec], Field(min_length=1, max_length=MAX_VARIANTS)]


def check(spec: VariantsSpec, scenario: Scenario) -> Iterator[Problem]:
    seen: set[str] = set()
    known = [*scenario.departments, SINGLE_WINDOW]
    for i, variant in enumerate(spec.variants):
        at = f"variants.{i}"
        if variant.name in seen:
            yield Problem(f"{at}.name", Reason("variant_named_twice", name=variant.name))
        seen.add(variant.name)
        yield from lever_checks(f"{at}.levers", variant.levers)
        for name in variant.overrides.windows:
            if name not in known:
                yield Problem(
                    f"{at}.overrides.windows.{name}",
                    Reason("unknown_window_place", known=", ".join(known)),
                )


def variants(experiment: Experiment) -> list[Variant]:
    return [
        Variant.of(v.name, experiment.scenario, "before", v.levers or [], v.overrides)
        for v in experiment.spec.variants
    ]


def study(experiment: Experiment, chosen: list[Variant], summary: pd.DataFrame) -> dict[str, Any]:
    return {}


def console(study: dict[str, Any], summary: pd.DataFrame) -> Table:
    mean = summary.set_index(["variant", "measure"])
    rows: list[list[Any]] = []
    for name, levers in study["variants"].items():
        time = mean.loc[(name, TIME)]
        rows.append(
            [
                name,
                "+".join(levers) or "before",
                time["mean"],
                low_end(time["ci95_low"]),
                time["ci95_high"],
                mean.loc[(name, "trips_observed.mean"), "mean"],
                mean.loc[(name, "within_promise"), "mean"],
            ]
        )
    return Table(
        Finding(
            "variants.title",
            bundle=study["bundle"],
            count=len(rows),
            replications=study["replications"],
        ),
        [
            Finding(key)
            for key in (
                "variants.variant",
                "variants.levers",
                "head.mean_time",
                "head.ci95_low",
                "head.ci95_high",
                "variants.trips",
                "variants.within",
            )
        ],
        rows,
    )


def findings(
    study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None
) -> list[Finding]:
    """Fastest and slowest, whether the data tell the two best apart, each against
    before: also the findings of a study.json the report cannot read otherwise."""
    rows = summary[summary["measure"] == TIME]
    rows = rows[rows["mean"].notna()]
    if rows.empty:
        return [Finding("variants.ran", count=summary["variant"].nunique())]
    ranked = rows.sort_values("mean")
    best, worst = ranked.iloc[0], ranked.iloc[-1]

    def ci(r: pd.Series) -> str:
        return estimate(r["mean"], r["ci95_low"], r["ci95_high"])

    def name(r: pd.Series) -> Pair:
        return variant_pair(r["variant"], scenario)

    found = [Finding("variants.fastest", variant=name(best), mean=num(best["mean"]), ci=ci(best))]
    slow = saturation(summary, worst["variant"], scenario)
    if len(ranked) > 1:
        found.append(
            Finding(
                "variants.slowest",
                variant=name(worst),
                mean=num(worst["mean"]),
                ci=ci(worst),
                why=slow,
            )
        )
        second = ranked.iloc[1]
        known = not missing(best["ci95_high"]) and not missing(second["ci95_low"])
        if known and best["ci95_high"] >= second["ci95_low"]:
            found.append(Finding("variants.overlap", best=name(best), second=name(second)))
    base = rows[rows["variant"] == "before"]
    if not base.empty and len(ranked) > 1:
        b = float(base.iloc[0]["mean"])
        for _, r in ranked.iterrows():
            if r["variant"] != "before" and b:
                why = saturation(summary, r["variant"], scenario)
                change = 100 * (r["mean"] - b) / b
                found.append(
                    Finding("variants.against_before", variant=name(r), change=change, why=why)
                )
    return found[:14]


QUESTION = ("How do these variants of {bundle} compare?", "{bundle}：这些方案相比如何？")
EXPLANATION = (
    (
        "Each variant changes levers or parameters of the bundle; all run on the same "
        "random numbers."
    ),
    "每个方案改变该事项的改革举措或参数；所有方案使用相同的随机数。",
)


KIND = Kind.of(__name__, "variants", VariantsSpec)
